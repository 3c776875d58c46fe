import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchedDelete, batchedInsert } from '../../db/write-batch.ts';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { ScheduleErrorModel, type ScheduleErrorDoc } from './schedule-error.model.ts';

/** How many entries each schedule keeps (CRONY_SCHEDULE_ERRORS_LIMIT); set once at start-up. */
let perScheduleLimit = 50;
let log: Pick<Logger, 'warn'> = { warn: () => {} };

/** Sets the bound per schedule, and where a failed trim is reported; once, at start-up. */
export function configureErrors(opts: { limit: number; log?: Pick<Logger, 'warn'> }): void {
  perScheduleLimit = opts.limit;
  if (opts.log) log = opts.log;
}

export const errorsLimit = (): number => perScheduleLimit;

export type NewScheduleError = Omit<ScheduleErrorDoc, '_id'>;

/**
 * Appends entries to their schedules' `errors`; resolves once they are stored. Ids are ObjectIds
 * made now, so "newest first" is `_id` descending, the order every read uses. What falls past
 * the bound is dropped soon after, in the background (trim rounds, below); `errorsTrimmed`
 * waits for that.
 */
export async function appendErrors(entries: NewScheduleError[]): Promise<void> {
  if (entries.length === 0) return;
  // A backlog of missed slots can be long; only the newest `limit` per schedule would survive.
  const kept = entries.slice(-perScheduleLimit);
  // One insert command with the entries of the other firings and runs ending at the same moment:
  // a scheduler catching up records missed slots in most firings (write-batch.ts).
  await Promise.all(kept.map((e) => batchedInsert(ScheduleErrorModel, { _id: new Types.ObjectId(), ...e })));
  trimSoon(kept.map((e) => e.schedule_id));
}

/**
 * Resolves once the entries appended so far are within the bound (or their trim failed). The
 * rounds go back to back meanwhile: a stopping server (or a test) does not sit out their spacing,
 * which at 100,000 schedules is tens of seconds.
 */
export async function errorsTrimmed(): Promise<void> {
  hurrying++;
  try {
    while (rounds) {
      spacing?.abort();
      await rounds;
    }
  } finally {
    hurrying--;
  }
}

/*
 * Trimming runs in rounds: the schedules that got entries while a round ran are all trimmed by
 * the next one, with a single read of their entries. On FerretDB 1.x a read filtered by
 * schedule scans the whole collection, so a trim per append made a burst of missed slots cost
 * the square of its size (it took the scheduler down at a few thousand schedules).
 *
 * Appends do not wait for the rounds. When they did, a scheduler that had fallen behind at
 * 100,000 schedules recorded missed slots in most firings, and each firing waited for one or
 * two rounds of a scan that grew with every entry (0.9 to 1.9 s a firing, measured): firing
 * fell to a fifth of the rate slots fell due, and the scheduler never caught up. Rounds are also
 * spaced so that trimming takes at most a fifth of the time, as the ticker's housekeeping is:
 * a schedule may hold a few entries past the bound for a few seconds, which errorsOf does not show.
 */
const TRIM_SHARE = 5;
let waiting = new Map<string, Types.ObjectId>();
/** The rounds under way, until no schedule waits for one; undefined when idle. */
let rounds: Promise<void> | undefined;
/** Before this (performance.now()), no round starts: the previous one's time, times TRIM_SHARE - 1. */
let nextRoundAt = 0;
/** Callers of errorsTrimmed waiting: no spacing meanwhile. */
let hurrying = 0;
/** Ends the wait between two rounds (errorsTrimmed). */
let spacing: AbortController | undefined;

function trimSoon(scheduleIds: Types.ObjectId[]): void {
  for (const id of scheduleIds) waiting.set(id.toHexString(), id);
  rounds ??= trimRounds().finally(() => {
    rounds = undefined;
  });
}

async function trimRounds(): Promise<void> {
  while (waiting.size > 0) {
    const wait = nextRoundAt - performance.now();
    if (wait > 0 && hurrying === 0) {
      spacing = new AbortController();
      await sleep(wait, undefined, { signal: spacing.signal }).catch(() => undefined); // aborted: go now
      spacing = undefined;
    }
    const batch = waiting;
    waiting = new Map();
    const started = performance.now();
    try {
      await trim([...batch.values()]);
    } catch (err) {
      // The schedules wait for the round the next append starts: no retry loop against a
      // database that fails.
      for (const [key, id] of batch) waiting.set(key, id);
      log.warn({ err, schedules: batch.size }, 'trimming schedule errors to the bound failed; the next append retries');
      return;
    } finally {
      const now = performance.now();
      nextRoundAt = now + (now - started) * (TRIM_SHARE - 1);
    }
  }
}

async function trim(scheduleIds: Types.ObjectId[]): Promise<void> {
  const entries = await ScheduleErrorModel.find({ schedule_id: { $in: scheduleIds } })
    .select({ _id: 1, schedule_id: 1 })
    .lean<Pick<ScheduleErrorDoc, '_id' | 'schedule_id'>[]>();
  const bySchedule = new Map<string, Types.ObjectId[]>();
  for (const e of entries) {
    const key = e.schedule_id.toHexString();
    const ids = bySchedule.get(key);
    if (ids) ids.push(e._id);
    else bySchedule.set(key, [e._id]);
  }
  const beyond = [...bySchedule.values()].flatMap((ids) =>
    // Same-length hex strings sort as the ids do: newest first.
    ids.sort((a, b) => b.toHexString().localeCompare(a.toHexString())).slice(perScheduleLimit),
  );
  await Promise.all(beyond.map((id) => batchedDelete(ScheduleErrorModel, id)));
}

/** `DELETE /v1/schedules/{id}/errors`: empties the schedule's errors. */
export async function clearErrors(principal: Principal, scheduleId: string): Promise<void> {
  if (!(await scoped(ScheduleModel, principal).findById(scheduleId).select({ _id: 1, tenant_id: 1 }).lean())) {
    throw notFound('Schedule');
  }
  await scoped(ScheduleErrorModel, principal).deleteMany({ schedule_id: scheduleId });
}
