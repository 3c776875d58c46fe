import { z } from 'zod';
import { Id, IsoDateTime, PageQuery } from './common.ts';

export const runStatuses = [
  'queued',
  'leased',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'preempted',
  'cancelled',
  'missed',
] as const;
export const RunStatus = z.enum(runStatuses);
export type RunStatus = z.infer<typeof RunStatus>;

/** States in which a run holds (or waits for) an executor. */
export const activeRunStatuses: readonly RunStatus[] = ['queued', 'leased', 'running'];

/** States a run never leaves. */
export const finalRunStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'missed'];

/** `hook`: a command hook's run, made for an event of its `parent_run_id` (see the README). */
export const RunTrigger = z.enum(['schedule', 'manual', 'hook']);

/**
 * Why a run is `missed`, `cancelled` or was created: `misfire` (the slot passed while the
 * scheduler could not fire it and the misfire policy chose not to run it), `catchup_window`
 * (older than the window), `overlap` (concurrency_policy forbid/replace), `replaced` (cancelled
 * by a newer run under replace), `user` (cancelled by a person), `manual` (triggered by a person),
 * `deadline` (not started by its deadline).
 */
export const RunReason = z.string();

export const Attempt = z.object({
  attempt: z.number().int(),
  status: RunStatus,
  started_at: IsoDateTime.nullable(),
  finished_at: IsoDateTime.nullable(),
  /** Which executor held the lease, e.g. `server:host:pid`. */
  executor: z.string().nullable(),
  http_status: z.number().int().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type Attempt = z.infer<typeof Attempt>;

/** The scheduling limits a run carries, fixed when its slot fired (README, "Dispatch, limits and preemption"). */
export const RunLimits = z.object({
  /** Higher runs first; 100 by default. */
  priority: z.number().int(),
  /** Not started by then: `missed` (reason `deadline`); still running then: `timed_out`. */
  deadline_at: IsoDateTime.nullable(),
  /** An attempt running longer is stopped: `timed_out` (`max_runtime_exceeded`). */
  max_runtime_ms: z.number().int().nullable(),
  /** The profile whose `max_concurrent` the run counts against. */
  profile_id: Id.nullable(),
  max_concurrent: z.number().int().nullable(),
  /** Whether a run of higher priority may stop this one to take its place. */
  allow_preemption: z.boolean(),
});
export type RunLimits = z.infer<typeof RunLimits>;

export const Run = z.object({
  id: Id,
  schedule_id: Id,
  schedule_name: z.string(),
  status: RunStatus,
  trigger: RunTrigger,
  reason: RunReason.nullable(),
  /** The slot this run belongs to: the instant the schedule said it should start. */
  nominal_at: IsoDateTime,
  /** The current (or last) attempt, from 1. */
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  /** A queued run is not started before this instant (retry backoff). */
  available_at: IsoDateTime.nullable(),
  lease: z.object({ owner: z.string(), expires_at: IsoDateTime }).nullable(),
  /** Dispatch priority (same as `limits.priority`). */
  priority: z.number().int(),
  /** Same as `limits.deadline_at`. */
  deadline_at: IsoDateTime.nullable(),
  limits: RunLimits,
  /** Why a due, queued run has not started, e.g. `waiting for a place: profile 'etl' runs 2 of 2`. */
  wait_reason: z.string().nullable(),
  attempts: z.array(Attempt),
  started_at: IsoDateTime.nullable().describe(
    'When the current attempt started. An HTTP run recorded ahead of its slot (README, "What Cloud Crony guarantees") is running with its slot here up to 0.75 s before that instant',
  ),
  finished_at: IsoDateTime.nullable(),
  duration_ms: z.number().int().nullable(),
  /** started_at − nominal_at, in milliseconds. */
  lateness_ms: z.number().int().nullable(),
  http_status: z.number().int().nullable(),
  /** Exit code of a command target's last attempt. */
  exit_code: z.number().int().nullable(),
  /** The latest progress a command or HTTP target reported. */
  progress: z.object({ percent: z.number(), message: z.string(), at: IsoDateTime }).nullable(),
  /** The first bytes of the response body (capped), for a quick look. */
  response_excerpt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** For a command hook's run: the run whose event it handles. */
  parent_run_id: Id.nullable(),
  /** For a retry: the run it retries. */
  retry_of: Id.nullable(),
  created_at: IsoDateTime,
});
export type Run = z.infer<typeof Run>;

export const ListRunsQuery = PageQuery.extend({
  status: RunStatus.optional(),
  schedule_id: Id.optional(),
  /** Runs whose slot (nominal_at) is at or after this instant. */
  from: IsoDateTime.optional(),
  /** Runs whose slot (nominal_at) is before this instant. */
  to: IsoDateTime.optional(),
  /** Runs any attempt of which ran on this executor: a worker id, or an executor name such as `server:host:pid`. */
  worker: z.string().min(1).max(200).optional(),
});

/** Statuses a run can be retried from: it ended without succeeding. */
export const retryableRunStatuses = ['failed', 'timed_out', 'cancelled', 'missed'] as const;

/** "Retry all" for a filter: at most `limit` (default 100) matching runs, newest first. */
export const RetryRunsBody = z.strictObject({
  status: z.enum(retryableRunStatuses).optional(),
  schedule_id: Id.optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  /** A worker id or executor name, as in the runs list. */
  worker: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(100).default(100),
});
export type RetryRunsBody = z.infer<typeof RetryRunsBody>;

export const RetryRunsResult = z.object({
  /** How many matching runs were retried (each got a new manual run). */
  retried: z.number().int(),
  /** Matching runs not retried: their schedule is gone, or they were already retried. */
  skipped: z.number().int(),
  /** True when more runs matched than the limit; call again to retry the next ones. */
  more: z.boolean(),
  runs: z.array(z.object({ retry_of: Id, run_id: Id })),
});
export type RetryRunsResult = z.infer<typeof RetryRunsResult>;

export const RunLogLine = z.object({
  stream: z.enum(['stdout', 'stderr', 'system']),
  text: z.string(),
  at: IsoDateTime,
});
export const RunLogs = z.object({
  data: z.array(RunLogLine),
  /** True once the run's output passed the stored cap; later output was dropped. */
  truncated: z.boolean(),
});
export type RunLogs = z.infer<typeof RunLogs>;

/** What an HTTP target posts to its per-run progress URL (`X-Crony-Progress-Url`). */
export const ProgressReportBody = z.strictObject({
  percent: z.number().min(0).max(100),
  message: z.string().max(500).default(''),
});
export type ProgressReportBody = z.infer<typeof ProgressReportBody>;
