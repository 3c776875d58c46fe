import { z } from 'zod';
import { Id, IsoDateTime } from './common.ts';
import { RunStatus } from './runs.ts';

/** Runs whose slot falls in one hour, counted by status. */
export const OverviewHour = z.object({
  /** Start of the hour (UTC). */
  hour: IsoDateTime,
  counts: z.record(RunStatus, z.number().int()),
});

/** Nearest-rank percentiles in milliseconds; null when no finished run had a value. */
export const Percentiles = z.object({
  count: z.number().int(),
  p50: z.number().int().nullable(),
  p95: z.number().int().nullable(),
  p99: z.number().int().nullable(),
});
export type Percentiles = z.infer<typeof Percentiles>;

export const UpcomingRun = z.object({ schedule_id: Id, schedule_name: z.string(), at: IsoDateTime });

export const FailingSchedule = z.object({
  schedule_id: Id,
  schedule_name: z.string(),
  /** The schedule's latest run, when it ended failed or timed_out. */
  last_status: RunStatus.nullable(),
  last_failed_at: IsoDateTime.nullable(),
  /** Runs of the last 24 h that ended failed or timed_out. */
  failures_24h: z.number().int(),
});

export const Overview = z.object({
  generated_at: IsoDateTime,
  /** 24 buckets, oldest first, ending with the current hour. */
  runs_by_hour: z.array(OverviewHour),
  totals: z.record(RunStatus, z.number().int()),
  /** Fire times in the next hour, earliest first (at most 60 per schedule and 300 in all). */
  upcoming: z.array(UpcomingRun),
  /** started − slot, over finished runs of the last 24 h. */
  lateness_ms: Percentiles,
  duration_ms: Percentiles,
  failing: z.array(FailingSchedule),
  workers: z.object({ online: z.number().int(), total: z.number().int() }),
  /** True when the 24 h scan or the upcoming list hit a bound, so figures cover part only. */
  truncated: z.boolean(),
});
export type Overview = z.infer<typeof Overview>;
