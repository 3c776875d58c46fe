import type { ListSchedulesQuery, Schedule } from '@crony/shared';
import type { Types } from 'mongoose';
import type { z } from 'zod';
import { decodeCursor, paginate } from '../../http/cursor.ts';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleModel, type ScheduleDoc } from './schedule.model.ts';
import { ScheduleStateModel, type ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import { toSchedule } from './schedules.presenter.ts';
import { errorsOf } from '../errors/errors.queries.ts';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function listSchedules(
  principal: Principal,
  q: z.output<typeof ListSchedulesQuery>,
): Promise<{ data: Schedule[]; next_cursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const filter: Record<string, unknown> = {};
  if (q.q) filter.name = { $regex: escapeRegex(q.q), $options: 'i' };
  if (q.paused) filter.paused = q.paused === 'true';
  if (after) filter._id = { $lt: after };
  const docs = await scoped(ScheduleModel, principal)
    .find(filter)
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .lean<ScheduleDoc[]>();
  const { page, next_cursor } = paginate(docs, q.limit);
  const states = await statesOf(page.map((d) => d._id));
  return { data: page.map((d) => toSchedule(d, states.get(d._id.toHexString()) ?? null)), next_cursor };
}

export async function getSchedule(principal: Principal, id: string): Promise<Schedule> {
  const doc = await scoped(ScheduleModel, principal).findById(id).lean<ScheduleDoc>();
  if (!doc) throw notFound('Schedule');
  const state = await ScheduleStateModel.findById(doc._id).lean<ScheduleStateDoc>();
  return { ...toSchedule(doc, state), errors: await errorsOf(doc._id) };
}

/** States are keyed by schedule id; the ids come from a tenant-scoped read. */
async function statesOf(ids: Types.ObjectId[]): Promise<Map<string, ScheduleStateDoc>> {
  if (ids.length === 0) return new Map();
  const states = await ScheduleStateModel.find({ _id: { $in: ids } }).lean<ScheduleStateDoc[]>();
  return new Map(states.map((st) => [st._id.toHexString(), st]));
}
