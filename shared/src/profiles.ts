import { z } from 'zod';
import { Id, IsoDateTime } from './common.ts';
import { MaxRuntimeSeconds, Priority, RetryPolicy, defaultRetry } from './schedules.ts';

/** The priority of a run when neither its schedule nor its profile says otherwise. */
export const DEFAULT_PRIORITY = 100;

/** The name the tenant's first default profile gets when it is created on first use. */
export const DEFAULT_PROFILE_NAME = 'default';

/** Most runs of one profile active at once. */
const MaxConcurrent = z
  .number()
  .int()
  .min(1, 'must be at least 1 (or null for unlimited)')
  .max(10_000, 'must be at most 10000');

const ProfileFields = {
  name: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
  description: z.string().max(2000).nullable().optional(),
  /** Longest a run may take, in seconds; null: unlimited. */
  max_runtime_seconds: MaxRuntimeSeconds.nullable().default(null),
  /** Most runs under this profile active at once across all workers; null: unlimited. */
  max_concurrent: MaxConcurrent.nullable().default(null),
  /** Whether a waiting higher-priority run may stop a run of this profile. */
  allow_preemption: z.boolean().default(false),
  /** Priority of runs whose schedule sets none: 0..1000, higher runs first. */
  default_priority: Priority.default(DEFAULT_PRIORITY),
  /** Retry policy of schedules that set none. */
  retry: RetryPolicy.default(defaultRetry),
};

export const CreateProfileBody = z.strictObject({
  ...ProfileFields,
  /** Make this the tenant's default profile (the previous default stays as a normal profile). */
  is_default: z.boolean().default(false),
});
export type CreateProfileBody = z.infer<typeof CreateProfileBody>;

/**
 * PATCH replaces the fields it names. `is_default: true` makes this profile the tenant's
 * default; `false` is refused: choose another default instead, so there is always one.
 */
export const UpdateProfileBody = z.strictObject({
  name: ProfileFields.name.optional(),
  description: ProfileFields.description,
  max_runtime_seconds: MaxRuntimeSeconds.nullable().optional(),
  max_concurrent: MaxConcurrent.nullable().optional(),
  allow_preemption: z.boolean().optional(),
  default_priority: Priority.optional(),
  retry: RetryPolicy.optional(),
  is_default: z.literal(true, 'can only be set to true: make another profile the default instead').optional(),
});
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

/** A scheduling profile: limits and defaults shared by the schedules and groups that name it. */
export const Profile = z.object({
  id: Id,
  name: z.string(),
  description: z.string().nullable(),
  max_runtime_seconds: z.number().int().nullable(),
  max_concurrent: z.number().int().nullable(),
  allow_preemption: z.boolean(),
  default_priority: z.number().int(),
  retry: RetryPolicy,
  is_default: z.boolean(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Profile = z.infer<typeof Profile>;
