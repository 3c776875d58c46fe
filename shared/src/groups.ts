import { z } from 'zod';
import { Id, IsoDateTime, PageQuery } from './common.ts';
import { HookTarget, Labels } from './schedules.ts';

/**
 * A group's name is its slug in `/v1/schedules/{group}/tasks`: lowercase letters, digits and
 * dashes. 24 hex digits are refused so a name can never be mistaken for an id.
 */
export const GroupName = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit',
  )
  .refine((v) => !/^[0-9a-f]{24}$/.test(v), 'must not look like an id (24 hex digits)');

/**
 * Settings a group lends its tasks' targets when the run is created; the task's own values win.
 * `headers` are added to HTTP targets, `env` to command targets.
 */
export const GroupDefaults = z.strictObject({
  headers: z
    .record(
      z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name')
        .max(128),
      z.string().max(4096),
    )
    .default({}),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
      z.string().max(32_768),
    )
    .default({}),
});
export type GroupDefaults = z.infer<typeof GroupDefaults>;

const GroupFields = {
  name: GroupName,
  description: z.string().max(2000).nullable().optional(),
  /** Profile of the group's tasks that name none; null: the tenant default. */
  profile: Id.nullable().default(null),
  /** Labels every command task of the group requires of its worker, added to the task's own. */
  labels: Labels.default({}),
  /** A paused group fires none of its tasks. */
  paused: z.boolean().default(false),
  defaults: GroupDefaults.default({ headers: {}, env: {} }),
  /** Hooks for the group's tasks that set none of their own (see the schedule's hook fields). */
  progress_hook: HookTarget.nullable().default(null),
  error_hook: HookTarget.nullable().default(null),
  success_hook: HookTarget.nullable().default(null),
  missed_hook: HookTarget.nullable().default(null),
};

export const CreateGroupBody = z.strictObject(GroupFields);
export type CreateGroupBody = z.infer<typeof CreateGroupBody>;

export const UpdateGroupBody = z.strictObject({
  name: GroupName.optional(),
  description: GroupFields.description,
  profile: Id.nullable().optional(),
  labels: Labels.optional(),
  paused: z.boolean().optional(),
  defaults: GroupDefaults.optional(),
  progress_hook: HookTarget.nullable().optional(),
  error_hook: HookTarget.nullable().optional(),
  success_hook: HookTarget.nullable().optional(),
  missed_hook: HookTarget.nullable().optional(),
});
export type UpdateGroupBody = z.infer<typeof UpdateGroupBody>;

export const Group = z.object({
  id: Id,
  name: z.string(),
  description: z.string().nullable(),
  profile: Id.nullable(),
  labels: z.record(z.string(), z.string()),
  paused: z.boolean(),
  defaults: z.object({ headers: z.record(z.string(), z.string()), env: z.record(z.string(), z.string()) }),
  progress_hook: HookTarget.nullable(),
  error_hook: HookTarget.nullable(),
  success_hook: HookTarget.nullable(),
  missed_hook: HookTarget.nullable(),
  /** How many tasks (schedules) the group holds. */
  tasks: z.number().int(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Group = z.infer<typeof Group>;

export const ListGroupsQuery = PageQuery;

export const DeleteGroupQuery = z.strictObject({
  /** Also delete the group's tasks and their runs. */
  cascade: z.enum(['true', 'false']).default('false'),
});
