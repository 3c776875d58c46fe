import { runStatuses, type Overview, type Percentiles, type RunStatus } from '@crony/shared';
import { Types } from 'mongoose';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { slotsBetween } from '../scheduler/slots.ts';
import { whenOf } from '../scheduler/when.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { listWorkers } from '../workers/workers.service.ts';
import { knownOf } from '../schedules/schedules.queries.ts';
import { nextRunAtOf } from '../schedules/schedules.presenter.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Bounds of the overview's reads (counts). */
export const OVERVIEW_LIMITS = {
  /** Newest runs of the last 24 h read for the chart and percentiles. */
  runs: 20_000,
  /** Active schedules whose next hour is expanded into fire times. */
  schedules: 2_000,
  /** Fire times listed as upcoming. */
  upcoming: 300,
  /** Fire times of one schedule listed as upcoming, so a per-second schedule cannot crowd out the rest. */
  upcomingPerSchedule: 60,
  /** Failing schedules listed. */
  failing: 50,
};

const failedStatuses = new Set<RunStatus>(['failed', 'timed_out']);
const zeroCounts = () => Object.fromEntries(runStatuses.map((s) => [s, 0])) as Record<RunStatus, number>;

/** Nearest-rank percentiles: the smallest value with at least p% of the values at or below it. */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

type RunRow = Pick<
  RunDoc,
  '_id' | 'schedule_id' | 'schedule_name' | 'status' | 'nominal_at' | 'finished_at' | 'lateness_ms' | 'duration_ms'
>;

/**
 * The tenant's dashboard: the last 24 h of runs by hour and status, the next hour's fire times,
 * lateness and duration percentiles, failing schedules and workers. Percentiles are computed
 * here, not in the database: FerretDB 1.x has no `$percentile` and few `$group` accumulators.
 */
export async function overview(principal: Principal, now = new Date()): Promise<Overview> {
  const since = new Date(now.getTime() - DAY);
  const firstHour = Math.floor(now.getTime() / HOUR) * HOUR - 23 * HOUR;

  // A run's _id is made when its slot fires, so an _id range bounds the scan by index on both
  // databases; the slot filter then drops catch-up runs whose slot is older than the window.
  const runs = await scoped(RunModel, principal)
    .find({ _id: { $gte: Types.ObjectId.createFromTime(Math.floor(since.getTime() / 1000)) } })
    .select({
      schedule_id: 1,
      schedule_name: 1,
      status: 1,
      nominal_at: 1,
      finished_at: 1,
      lateness_ms: 1,
      duration_ms: 1,
    })
    .sort({ _id: -1 })
    .limit(OVERVIEW_LIMITS.runs + 1)
    .lean<RunRow[]>();
  let truncated = runs.length > OVERVIEW_LIMITS.runs;
  const recent = runs.slice(0, OVERVIEW_LIMITS.runs).filter((r) => r.nominal_at.getTime() >= firstHour);

  const buckets = Array.from({ length: 24 }, (_, i) => ({
    hour: new Date(firstHour + i * HOUR).toISOString(),
    counts: zeroCounts(),
  }));
  const totals = zeroCounts();
  const lateness: number[] = [];
  const duration: number[] = [];
  const failures = new Map<string, { name: string; count: number; last: Date | null }>();
  for (const r of recent) {
    const i = Math.floor((r.nominal_at.getTime() - firstHour) / HOUR);
    const bucket = buckets[Math.min(i, 23)]!;
    bucket.counts[r.status] += 1;
    totals[r.status] += 1;
    if (r.finished_at && r.status !== 'missed' && r.status !== 'cancelled') {
      if (r.lateness_ms !== null && r.lateness_ms !== undefined) lateness.push(r.lateness_ms);
      if (r.duration_ms !== null && r.duration_ms !== undefined) duration.push(r.duration_ms);
    }
    if (failedStatuses.has(r.status)) {
      const key = r.schedule_id.toHexString();
      const f = failures.get(key) ?? { name: r.schedule_name, count: 0, last: null };
      f.count += 1;
      if (r.finished_at && (!f.last || r.finished_at > f.last)) f.last = r.finished_at;
      failures.set(key, f);
    }
  }

  const schedules = await scoped(ScheduleModel, principal)
    .find()
    .sort({ _id: -1 })
    .limit(OVERVIEW_LIMITS.schedules + 1)
    .lean<ScheduleDoc[]>();
  if (schedules.length > OVERVIEW_LIMITS.schedules) truncated = true;
  const shown = schedules.slice(0, OVERVIEW_LIMITS.schedules);
  const known = await knownOf(shown.map((s) => s._id));

  const horizon = new Date(now.getTime() + HOUR);
  const upcoming: Overview['upcoming'] = [];
  const failing: Overview['failing'] = [];
  for (const s of shown) {
    const k = known(s._id);
    const next = nextRunAtOf(s, k); // null while paused
    // A slot due but not yet fired is still upcoming.
    if (next && next <= horizon) {
      const from = new Date(Math.max(next.getTime(), now.getTime()) - 1);
      const times = slotsBetween(whenOf(s), s.timezone, from, horizon, OVERVIEW_LIMITS.upcomingPerSchedule);
      if (next < now) times.unshift(next);
      for (const at of times) {
        upcoming.push({ schedule_id: s._id.toHexString(), schedule_name: s.name, at: at.toISOString() });
      }
    }
    const last = k.state?.last_run ?? null;
    const f = failures.get(s._id.toHexString());
    const lastFailed = last && failedStatuses.has(last.status);
    if (lastFailed || f) {
      failing.push({
        schedule_id: s._id.toHexString(),
        schedule_name: s.name,
        last_status: last?.status ?? null,
        last_failed_at: (lastFailed ? last.finished_at : f?.last)?.toISOString() ?? null,
        failures_24h: f?.count ?? 0,
      });
    }
  }
  upcoming.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (upcoming.length > OVERVIEW_LIMITS.upcoming) truncated = true;
  failing.sort(
    (a, b) => b.failures_24h - a.failures_24h || (b.last_failed_at ?? '').localeCompare(a.last_failed_at ?? ''),
  );

  const workers = await listWorkers(principal, now);
  return {
    generated_at: now.toISOString(),
    runs_by_hour: buckets,
    totals,
    upcoming: upcoming.slice(0, OVERVIEW_LIMITS.upcoming),
    lateness_ms: percentiles(lateness),
    duration_ms: percentiles(duration),
    failing: failing.slice(0, OVERVIEW_LIMITS.failing),
    workers: {
      online: workers.filter((w) => w.state === 'online' || w.state === 'draining').length,
      total: workers.filter((w) => w.state !== 'revoked').length,
    },
    truncated,
  };
}
