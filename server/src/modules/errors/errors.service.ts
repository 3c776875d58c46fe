import type { Types } from 'mongoose';
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
 */
export async function appendErrors(entries: NewScheduleError[]): Promise<void> {
  if (entries.length === 0) return;
  // A backlog of missed slots can be long; only the newest `limit` per schedule would survive.
  const kept = entries.slice(-perScheduleLimit);
  await ScheduleErrorModel.insertMany(kept, { ordered: true });
  const schedules = new Map<string, Types.ObjectId>(kept.map((e) => [e.schedule_id.toHexString(), e.schedule_id]));
  for (const scheduleId of schedules.values()) await trim(scheduleId);
}

async function trim(scheduleId: Types.ObjectId): Promise<void> {
  const beyond = await ScheduleErrorModel.find({ schedule_id: scheduleId })
    .sort({ _id: -1 })
    .skip(perScheduleLimit)
    .select({ _id: 1 })
    .lean<Pick<ScheduleErrorDoc, '_id'>[]>();
  if (beyond.length > 0) await ScheduleErrorModel.deleteMany({ _id: { $in: beyond.map((e) => e._id) } });
}

/** `DELETE /v1/schedules/{id}/errors`: empties the schedule's errors. */
export async function clearErrors(principal: Principal, scheduleId: string): Promise<void> {
  if (!(await scoped(ScheduleModel, principal).findById(scheduleId).select({ _id: 1, tenant_id: 1 }).lean())) {
    throw notFound('Schedule');
  }
  await scoped(ScheduleErrorModel, principal).deleteMany({ schedule_id: scheduleId });
}
