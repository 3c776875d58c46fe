import type { ListErrorsQuery, ScheduleError } from '@crony/shared';
import { Types } from 'mongoose';
import type { z } from 'zod';
import { decodeCursor, paginate } from '../../http/cursor.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { errorsLimit } from './errors.service.ts';
import { ScheduleErrorModel, type ScheduleErrorDoc } from './schedule-error.model.ts';

export function toScheduleError(e: ScheduleErrorDoc): ScheduleError {
  return {
    id: e._id.toHexString(),
    schedule_id: e.schedule_id.toHexString(),
    schedule_name: e.schedule_name,
    group_id: e.group_id?.toHexString() ?? null,
    run_id: e.run_id?.toHexString() ?? null,
    nominal_at: e.nominal_at?.toISOString() ?? null,
    attempt: e.attempt ?? null,
    code: e.code,
    message: e.message,
    status: e.status ?? null,
    worker: e.worker ?? null,
    at: e.at.toISOString(),
  };
}

/**
 * A schedule's errors, newest first (the caller has checked the schedule is the tenant's). The
 * bound applies here too: entries past it are dropped in the background, seconds after the
 * append (errors.service.ts), and a read in between must not show them.
 */
export async function errorsOf(scheduleId: Types.ObjectId): Promise<ScheduleError[]> {
  const docs = await ScheduleErrorModel.find({ schedule_id: scheduleId })
    .sort({ _id: -1 })
    .limit(errorsLimit())
    .lean<ScheduleErrorDoc[]>();
  return docs.map(toScheduleError);
}

/** `GET /v1/errors`: the tenant's errors across schedules, newest first, filtered and paged. */
export async function listErrors(
  principal: Principal,
  q: z.output<typeof ListErrorsQuery>,
): Promise<{ data: ScheduleError[]; next_cursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const filter: Record<string, unknown> = {};
  if (q.schedule_id) filter.schedule_id = new Types.ObjectId(q.schedule_id);
  if (q.group_id) filter.group_id = new Types.ObjectId(q.group_id);
  if (q.code) filter.code = q.code;
  if (q.from || q.to) {
    filter.at = { ...(q.from ? { $gte: new Date(q.from) } : {}), ...(q.to ? { $lt: new Date(q.to) } : {}) };
  }
  if (after) filter._id = { $lt: after };
  const docs = await scoped(ScheduleErrorModel, principal)
    .find(filter)
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .lean<ScheduleErrorDoc[]>();
  const { page, next_cursor } = paginate(docs, q.limit);
  return { data: page.map(toScheduleError), next_cursor };
}
