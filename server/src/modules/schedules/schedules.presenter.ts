import type { EffectiveSettings, RunStatus, Schedule, ScheduleStats, Target } from '@crony/shared';
import type { GroupDoc } from '../groups/group.model.ts';
import { effectiveFrom, hasPercentDeadline, type SettingsLookup } from '../profiles/lookup.ts';
import { nextSlotOf, type ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import type { ScheduleDoc } from './schedule.model.ts';
import type { InFlight } from '../runs/queue.model.ts';
import { compiledOf } from '../scheduler/when.ts';

/** What the scheduler knows of a schedule: its state, and its runs queued or running. */
export interface Known {
  state: ScheduleStateDoc | null;
  inFlight: InFlight | null;
}

/** `runs` is every run recorded: those that ended (counted on the state) and the active ones. */
function statsOf({ state, inFlight }: Known): ScheduleStats {
  const { succeeded = 0, failed = 0, timed_out = 0, missed = 0, cancelled = 0 } = state?.stats ?? {};
  const ended = succeeded + failed + timed_out + missed + cancelled;
  const active = inFlight?.count ?? 0;
  return { runs: ended + active, succeeded, failed, timed_out, missed, cancelled, active };
}

/**
 * The schedule's next slot as the scheduler holds it: what the database records (the last
 * edit's slot, or the slot after the latest run that ended), moved past the latest slot still in
 * flight, since firing records every due slot in order.
 */
export function nextRunAtOf(s: ScheduleDoc, { state, inFlight }: Known): Date | null {
  const stored = nextSlotOf(s, state);
  const latest = inFlight?.latestSlot;
  if (!stored || !latest || latest < stored) return stored;
  return compiledOf(s).nextAfter(latest);
}

/**
 * Schedules rendered as JSON for lists, kept per schedule copy (schedule-cache.ts) with what
 * else the rendering showed: the copies of its state, group and profiles (db/copies.ts), and its
 * runs in flight. Each of those copies is replaced, never changed, when its document changes, so
 * an unchanged input is the same object and a rendering is reused only while nothing it shows
 * changed. What a request reads afresh is a new object each time, and what depends on it is
 * rendered each time: schedules read from the database, a schedule's group (groups are read
 * per request), and on MongoDB states and profiles too (nothing is copied there).
 *
 * Why: at 200 lists of 50 a second, building and serializing each schedule again was a fifth
 * of the process's CPU for a list (measured: JSON.stringify of the page 10%, the presenter and
 * the effective settings 10%), while a schedule changes at most once per run.
 */
const renderings = new WeakMap<ScheduleDoc, { inputs: readonly unknown[]; json: string }>();

/** `presentSchedule` as JSON text, reused while what it shows is unchanged (see `renderings`). */
export async function renderSchedule(
  s: ScheduleDoc,
  known: Known,
  lookup: SettingsLookup,
  now = new Date(),
): Promise<string> {
  const src = await lookup.sources(s);
  const inputs = [
    known.state,
    known.inFlight?.count ?? 0,
    known.inFlight?.latestSlot?.getTime() ?? null,
    src.group,
    src.scheduleProfile,
    src.groupProfile,
    src.defaultProfile,
  ];
  // A deadline as a share of the period is resolved for the period at `now`: not kept.
  const timeBound = hasPercentDeadline(s);
  const kept = timeBound ? undefined : renderings.get(s);
  if (kept && kept.inputs.every((v, i) => v === inputs[i])) return kept.json;
  const json = JSON.stringify(toSchedule(s, known, src.group, effectiveFrom(s, src, now)));
  if (!timeBound) renderings.set(s, { inputs, json });
  return json;
}

/** A schedule as the API shows it, with its effective settings resolved through `lookup`. */
export async function presentSchedule(
  s: ScheduleDoc,
  known: Known,
  lookup: SettingsLookup,
  now = new Date(),
): Promise<Schedule> {
  const { effective, group } = await lookup.effective(s, now);
  return toSchedule(s, known, group, effective);
}

/** A schedule as the API shows it: its settings, and what the scheduler knows of it. */
export function toSchedule(
  s: ScheduleDoc,
  known: Known,
  group: Pick<GroupDoc, '_id' | 'name'> | null,
  effective: EffectiveSettings,
): Schedule {
  const lastRun = known.state?.last_run ?? null;
  return {
    id: s._id.toString(),
    name: s.name,
    description: s.description ?? null,
    cron: s.cron ?? null,
    every: s.every ?? null,
    at: s.at?.toISOString() ?? null,
    timezone: s.timezone,
    target: s.target as Target,
    paused: s.paused,
    concurrency_policy: s.concurrency_policy,
    misfire_policy: s.misfire_policy,
    catchup_window: s.catchup_window,
    retry: s.retry ?? null,
    group: group ? { id: group._id.toHexString(), name: group.name } : null,
    profile: s.profile_id?.toHexString() ?? null,
    priority: s.priority ?? null,
    deadline: s.deadline ?? null,
    max_runtime_seconds: s.max_runtime_seconds ?? null,
    effective,
    progress_hook: s.progress_hook ?? null,
    error_hook: s.error_hook ?? null,
    success_hook: s.success_hook ?? null,
    missed_hook: s.missed_hook ?? null,
    next_run_at: nextRunAtOf(s, known)?.toISOString() ?? null,
    last_run: lastRun
      ? {
          id: lastRun.id.toString(),
          status: lastRun.status as RunStatus,
          nominal_at: lastRun.nominal_at.toISOString(),
          finished_at: lastRun.finished_at?.toISOString() ?? null,
        }
      : null,
    stats: statsOf(known),
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}
