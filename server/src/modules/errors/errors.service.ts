import type { Types } from 'mongoose';
import { batchedDelete } from '../../db/write-batch.ts';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { ScheduleErrorModel, type ScheduleErrorDoc } from './schedule-error.model.ts';

/** How many entries each schedule keeps (CRONY_SCHEDULE_ERRORS_LIMIT); set once at start-up. */
let perScheduleLimit = 50;

export function setErrorsLimit(limit: number): void {
  perScheduleLimit = limit;
}

export const errorsLimit = (): number => perScheduleLimit;

export type NewScheduleError = Omit<ScheduleErrorDoc, '_id'>;

/**
 * Appends entries to their schedules' `errors` and drops what falls past the bound. Ids are
 * ObjectIds made now, so "newest first" is `_id` descending, the order every read uses.
 * Resolves once the bound holds again for these schedules.
 */
export async function appendErrors(entries: NewScheduleError[]): Promise<void> {
  if (entries.length === 0) return;
  // A backlog of missed slots can be long; only the newest `limit` per schedule would survive.
  const kept = entries.slice(-perScheduleLimit);
  await ScheduleErrorModel.insertMany(kept, { ordered: true });
  await trimSoon(kept.map((e) => e.schedule_id));
}

/*
 * Trimming runs in rounds: the schedules that got entries while a round ran are all trimmed by
 * the next one, with a single read of their entries. On FerretDB 1.x a read filtered by
 * schedule scans the whole collection, so a trim per append made a burst of missed slots cost
 * the square of its size (it took the scheduler down at a few thousand schedules).
 */
let waiting = new Map<string, Types.ObjectId>();
let nextRound: Promise<void> | undefined;
let currentRound: Promise<void> = Promise.resolve();

function trimSoon(scheduleIds: Types.ObjectId[]): Promise<void> {
  for (const id of scheduleIds) waiting.set(id.toHexString(), id);
  nextRound ??= currentRound
    .catch(() => undefined) // that round's callers saw its failure
    .then(() => {
      const batch = [...waiting.values()];
      waiting = new Map();
      nextRound = undefined;
      currentRound = trim(batch);
      return currentRound;
    });
  return nextRound;
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
