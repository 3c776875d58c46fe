import { z } from 'zod';
import { Id, IsoDateTime, PageQuery, TimeZone } from './common.ts';
import { cronFields, MAX_EVERY_MS, MIN_EVERY_MS, parseDuration } from './expressions.ts';
import { ScheduleError } from './hooks.ts';
import { RunStatus, runStatuses } from './runs.ts';

export const Cron = z
  .string()
  .max(200)
  .superRefine((v, ctx) => {
    const r = cronFields(v);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  });

export const Every = z
  .string()
  .max(64)
  .superRefine((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null)
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as "30s", "5 minutes" or "1h 30m"' });
    else if (ms < MIN_EVERY_MS) ctx.addIssue({ code: 'custom', message: 'must be at least 1 second' });
    else if (ms > MAX_EVERY_MS) ctx.addIssue({ code: 'custom', message: 'must be at most 366 days' });
  });

const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name')
  .max(128);

export const HttpTarget = z.strictObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('POST'),
  headers: z.record(HeaderName, z.string().max(4096)).default({}),
  body: z
    .string()
    .max(256 * 1024)
    .optional(),
  /** Time the server waits for the response, in milliseconds (default 30 000). */
  timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
});
export type HttpTarget = z.infer<typeof HttpTarget>;

const LabelKey = z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}$/i, 'must be a label name such as "gpu" or "zone"');
const LabelValue = z.string().max(63);
/** Labels a worker carries, or that a command requires of its worker (all must match). */
export const Labels = z.record(LabelKey, LabelValue);

/**
 * A command run on one of the tenant's workers, in a sandbox: argv (no shell unless you name
 * one), the only environment it sees, the labels its worker must carry, and whether it may use
 * the network (off by default).
 */
export const CommandTarget = z.strictObject({
  type: z.literal('command'),
  command: z.array(z.string().min(1).max(4096)).min(1, 'needs the program to run').max(256),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
      z.string().max(32_768),
    )
    .default({}),
  labels: Labels.default({}),
  network: z.boolean().default(false),
  /** Wall-clock limit in milliseconds (default 1 hour); past it the command is stopped. */
  timeout_ms: z.number().int().min(1000).max(86_400_000).default(3_600_000),
});
export type CommandTarget = z.infer<typeof CommandTarget>;

export const Target = z.discriminatedUnion('type', [HttpTarget, CommandTarget]);
export type Target = z.infer<typeof Target>;

/**
 * Where a hook sends its event: an HTTP endpoint that receives the event as a signed JSON
 * POST (Standard Webhooks headers), or a command run on one of the tenant's workers with the
 * event on stdin and in its environment (`CRONY_EVENT`, see the README).
 */
export const HttpHook = HttpTarget.pick({ type: true, url: true, headers: true }).extend({
  /** Time the server waits for the receiver's answer, in milliseconds (default 10 000). */
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
});
export type HttpHook = z.infer<typeof HttpHook>;

export const HookTarget = z.discriminatedUnion('type', [HttpHook, CommandTarget]);
export type HookTarget = z.infer<typeof HookTarget>;

/** A duration such as "10s" or "5 minutes", within [minMs, maxMs]. */
function durationString(minMs: number, maxMs: number, what: string) {
  return z
    .string()
    .max(64)
    .superRefine((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null) ctx.addIssue({ code: 'custom', message: 'must be a duration such as "30s" or "5 minutes"' });
      else if (ms < minMs || ms > maxMs) ctx.addIssue({ code: 'custom', message: `must be between ${what}` });
    });
}

export const concurrencyPolicies = ['allow', 'forbid', 'replace'] as const;
export const ConcurrencyPolicy = z.enum(concurrencyPolicies);
export const misfirePolicies = ['run_once', 'run_all', 'skip'] as const;
export const MisfirePolicy = z.enum(misfirePolicies);

/**
 * How failed attempts are retried. Attempt n+1 waits
 * min(initial_interval · backoff_coefficient^(n−1), max_interval). A lapsed lease (the
 * executor vanished) also ends an attempt. `max_attempts: 1` means no retries.
 */
export const RetryPolicy = z.strictObject({
  max_attempts: z.number().int().min(1).max(100).default(3),
  initial_interval: durationString(1000, 86_400_000, '1 second and 1 day').default('10s'),
  backoff_coefficient: z.number().min(1).max(10).default(2),
  max_interval: durationString(1000, 86_400_000, '1 second and 1 day').default('5m'),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;
export const defaultRetry: RetryPolicy = RetryPolicy.parse({});

/** How long after its instant a slot may still run when the scheduler catches up (default 24h). */
export const CatchupWindow = durationString(1000, 366 * 86_400_000, '1 second and 366 days');

/** Dispatch priority: higher runs first. */
export const Priority = z.number().int().min(0, 'must be 0 to 1000').max(1000, 'must be 0 to 1000');
/** Longest a run may take, in seconds (up to 7 days). */
export const MaxRuntimeSeconds = z
  .number()
  .int()
  .min(1, 'must be at least 1 second')
  .max(604_800, 'must be at most 7 days (604800)');

export type ParsedDeadline = { kind: 'after'; ms: number } | { kind: 'percent'; percent: number };

/**
 * A deadline as written on a schedule: a duration after the nominal time (`"300s"`,
 * `"5 minutes"`) or a percentage of the schedule's period (`"80%"`). Null when neither.
 */
export function parseDeadline(text: string): ParsedDeadline | null {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (pct) return { kind: 'percent', percent: Number(pct[1]) };
  const ms = parseDuration(text);
  return ms === null ? null : { kind: 'after', ms };
}

export const Deadline = z
  .string()
  .max(64)
  .superRefine((v, ctx) => {
    const d = parseDeadline(v);
    if (!d)
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration such as "300s" or a share of the period such as "80%"',
      });
    else if (d.kind === 'percent' && (d.percent < 1 || d.percent > 100))
      ctx.addIssue({ code: 'custom', message: 'a percentage of the period must be between 1% and 100%' });
    else if (d.kind === 'after' && (d.ms < 1000 || d.ms > 366 * 86_400_000))
      ctx.addIssue({ code: 'custom', message: 'must be between 1 second and 366 days' });
  });

/** A group named by its id or its name. */
export const GroupRef = z.string().trim().min(1, 'must be a group id or name').max(64);

const ScheduleFields = {
  name: z.string().trim().min(1).max(120),
  description: z.string().max(2000).optional(),
  cron: Cron.optional(),
  every: Every.optional(),
  at: IsoDateTime.optional(),
  timezone: TimeZone.default('UTC'),
  target: Target,
  paused: z.boolean().default(false),
  /** What happens when a slot comes while an earlier run of the schedule is still active. */
  concurrency_policy: ConcurrencyPolicy.default('allow'),
  /** What happens to slots that passed while the scheduler could not fire them. */
  misfire_policy: MisfirePolicy.default('run_once'),
  catchup_window: CatchupWindow.default('24h'),
  /** Retry policy; left out, the profile's retry defaults apply. */
  retry: RetryPolicy.nullable().optional(),
  /** The task group (id or name); null or left out: ungrouped. */
  group: GroupRef.nullable().optional(),
  /** Scheduling profile id; null or left out: the group's profile, else the tenant default. */
  profile: Id.nullable().optional(),
  /** 0..1000, higher runs first; null or left out: the profile's default priority. */
  priority: Priority.nullable().optional(),
  /** A run not started by then is `missed`: `"300s"` after the nominal time, or `"80%"` of the period. */
  deadline: Deadline.nullable().optional(),
  /** Longest a run may take; null or left out: the profile's limit. */
  max_runtime_seconds: MaxRuntimeSeconds.nullable().optional(),
  /** Receives `run.progress` events. See shared/src/hooks.ts for the event. */
  progress_hook: HookTarget.nullable().default(null),
  /** Receives `run.failed` once per failed or timed-out attempt. */
  error_hook: HookTarget.nullable().default(null),
  /** Receives `run.succeeded`. */
  success_hook: HookTarget.nullable().default(null),
  /** Receives `run.missed` for each slot recorded as missed. */
  missed_hook: HookTarget.nullable().default(null),
};

/** A deadline relative to the period needs a period: not for one-off (`at`) schedules. */
function percentNeedsPeriod(v: { at?: unknown; deadline?: string | null }, ctx: z.RefinementCtx) {
  if (v.at && v.deadline && parseDeadline(v.deadline)?.kind === 'percent') {
    ctx.addIssue({
      code: 'custom',
      path: ['deadline'],
      message: 'a percentage of the period needs a recurring schedule (cron or every); give a duration such as "300s"',
    });
  }
}

function exactlyOneWhen(v: { cron?: unknown; every?: unknown; at?: unknown }, ctx: z.RefinementCtx) {
  const given = (['cron', 'every', 'at'] as const).filter((k) => v[k] !== undefined && v[k] !== null);
  if (given.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: given.length ? [given[1]!] : ['cron'],
      message: given.length
        ? `give exactly one of cron, every or at (got ${given.join(' and ')})`
        : 'give exactly one of cron, every or at',
    });
  }
}

export const CreateScheduleBody = z
  .strictObject(ScheduleFields)
  .superRefine(exactlyOneWhen)
  .superRefine(percentNeedsPeriod);
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

/**
 * PATCH replaces the fields it names. Setting one of `cron`, `every` or `at` clears the other
 * two, so a schedule always has exactly one.
 */
export const UpdateScheduleBody = z
  .strictObject({
    name: ScheduleFields.name.optional(),
    description: z.string().max(2000).nullable().optional(),
    cron: Cron.optional(),
    every: Every.optional(),
    at: IsoDateTime.optional(),
    timezone: TimeZone.optional(),
    target: Target.optional(),
    paused: z.boolean().optional(),
    concurrency_policy: ConcurrencyPolicy.optional(),
    misfire_policy: MisfirePolicy.optional(),
    catchup_window: CatchupWindow.optional(),
    retry: RetryPolicy.nullable().optional(),
    group: ScheduleFields.group,
    profile: ScheduleFields.profile,
    priority: ScheduleFields.priority,
    deadline: ScheduleFields.deadline,
    max_runtime_seconds: ScheduleFields.max_runtime_seconds,
    progress_hook: HookTarget.nullable().optional(),
    error_hook: HookTarget.nullable().optional(),
    success_hook: HookTarget.nullable().optional(),
    missed_hook: HookTarget.nullable().optional(),
  })
  .superRefine(percentNeedsPeriod)
  .superRefine((v, ctx) => {
    const given = (['cron', 'every', 'at'] as const).filter((k) => v[k] !== undefined);
    if (given.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [given[1]!],
        message: `give at most one of cron, every or at (got ${given.join(' and ')})`,
      });
  });
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>;

export const RunSummary = z.object({
  id: Id,
  status: RunStatus,
  nominal_at: IsoDateTime,
  finished_at: IsoDateTime.nullable(),
});

/** Counts over the schedule's run ledger. */
export const ScheduleStats = z.object({
  /** Every run recorded for the schedule's slots and by hand: those that ended plus `active`. */
  runs: z.number().int().describe('Runs recorded: those that ended plus the active ones'),
  succeeded: z.number().int(),
  failed: z.number().int(),
  timed_out: z.number().int(),
  missed: z
    .number()
    .int()
    .describe(
      'Slots recorded missed. Those of a catch-up whose latest slot the server started at once count when that run ends',
    ),
  cancelled: z.number().int(),
  /** Queued or running now (counted from the run queue). */
  active: z.number().int().describe('Runs queued or running now'),
});
export type ScheduleStats = z.infer<typeof ScheduleStats>;

export const settingSources = ['schedule', 'group', 'profile', 'tenant_default'] as const;
/**
 * Where an effective setting came from: set on the schedule, on its group, by the profile the
 * schedule or group names, or by the tenant's default profile.
 */
export const SettingSource = z.enum(settingSources);
export type SettingSource = z.infer<typeof SettingSource>;

/** What the scheduler applies to a schedule's runs, resolved schedule › group › profile › tenant default. */
export const EffectiveSettings = z.object({
  priority: z.number().int(),
  max_runtime_seconds: z.number().int().nullable(),
  max_concurrent: z.number().int().nullable(),
  allow_preemption: z.boolean(),
  retry: RetryPolicy,
  profile: z.object({ id: Id, name: z.string() }),
  paused: z.boolean(),
  /** The deadline in ms after the nominal time; a percentage is resolved against the current period. */
  deadline_ms: z.number().int().nullable(),
  sources: z.object({
    priority: SettingSource,
    max_runtime_seconds: SettingSource,
    max_concurrent: SettingSource,
    allow_preemption: SettingSource,
    retry: SettingSource,
    profile: SettingSource,
    paused: SettingSource,
    deadline: SettingSource,
  }),
});
export type EffectiveSettings = z.infer<typeof EffectiveSettings>;

export const Schedule = z.object({
  id: Id,
  name: z.string(),
  description: z.string().nullable(),
  cron: z.string().nullable(),
  every: z.string().nullable(),
  at: IsoDateTime.nullable(),
  timezone: z.string(),
  target: Target,
  paused: z.boolean(),
  concurrency_policy: ConcurrencyPolicy,
  misfire_policy: MisfirePolicy,
  catchup_window: z.string(),
  /** The schedule's own retry policy; null when it uses its profile's. */
  retry: RetryPolicy.nullable(),
  group: z.object({ id: Id, name: z.string() }).nullable(),
  profile: Id.nullable(),
  priority: z.number().int().nullable(),
  deadline: z.string().nullable(),
  max_runtime_seconds: z.number().int().nullable(),
  effective: EffectiveSettings,
  progress_hook: HookTarget.nullable(),
  error_hook: HookTarget.nullable(),
  success_hook: HookTarget.nullable(),
  missed_hook: HookTarget.nullable(),
  /**
   * The next slot to fire, after any slot whose run is still going; null when paused or when a
   * one-off is over. Earlier than now when the scheduler is behind.
   */
  next_run_at: IsoDateTime.nullable().describe(
    'The next slot to fire, after any slot whose run is still going; null when paused or when a one-off is over. Earlier than now when the scheduler is behind',
  ),
  last_run: RunSummary.nullable(),
  stats: ScheduleStats,
  /**
   * The latest failures, newest first (bounded, CRONY_SCHEDULE_ERRORS_LIMIT, default 50):
   * failed, timed-out and missed runs, and undeliverable error hooks. Only on
   * `GET /v1/schedules/{id}`; lists stay light.
   */
  errors: z.array(ScheduleError).optional(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Schedule = z.infer<typeof Schedule>;

export const scheduleSorts = ['created', 'name', 'next_run_at', 'last_run'] as const;

export const ListSchedulesQuery = PageQuery.extend({
  /** Name contains (case-insensitive). */
  q: z.string().max(120).optional(),
  paused: z.enum(['true', 'false']).optional(),
  /** Only the tasks of this group (id or name). */
  group: GroupRef.optional(),
  /** Status of the schedule's latest run; `never` for schedules that have not run. */
  status: z.enum([...runStatuses, 'never']).optional(),
  /** A command target label, `key=value`. */
  label: z
    .string()
    .max(200)
    .regex(/^[^=]+=.*$/, 'must be key=value')
    .optional(),
  /**
   * `created` (newest first, the default, paginated with cursors); `name`, `next_run_at` and
   * `last_run` sort the tenant's schedules in memory (bounded) and paginate by offset cursor.
   */
  sort: z.enum(scheduleSorts).default('created'),
  order: z.enum(['asc', 'desc']).optional(),
});

export const bulkActions = ['pause', 'resume', 'trigger', 'delete'] as const;
export const BulkScheduleBody = z.strictObject({
  action: z.enum(bulkActions),
  ids: z.array(z.string()).min(1, 'give at least one id').max(100, 'at most 100 ids per request'),
});
export type BulkScheduleBody = z.infer<typeof BulkScheduleBody>;

export const BulkScheduleResult = z.object({
  action: z.enum(bulkActions),
  results: z.array(
    z.object({
      id: z.string(),
      /** `ok`, or why this id was not changed. */
      result: z.enum(['ok', 'not_found', 'failed']),
      message: z.string().nullable(),
      /** For `trigger`: the run that was started. */
      run_id: Id.nullable(),
    }),
  ),
  ok: z.number().int(),
  failed: z.number().int(),
});
export type BulkScheduleResult = z.infer<typeof BulkScheduleResult>;

export const NextQuery = z.strictObject({
  count: z.coerce.number().int().min(1).max(100).default(10),
  from: IsoDateTime.optional(),
});

export const CronPreviewBody = z
  .strictObject({
    cron: Cron.optional(),
    every: Every.optional(),
    at: IsoDateTime.optional(),
    timezone: TimeZone.default('UTC'),
    count: z.number().int().min(1).max(100).default(5),
    from: IsoDateTime.optional(),
  })
  .superRefine(exactlyOneWhen);
export type CronPreviewBody = z.infer<typeof CronPreviewBody>;

export const FireTimes = z.object({ times: z.array(IsoDateTime) });
export type FireTimes = z.infer<typeof FireTimes>;
