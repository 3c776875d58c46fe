import type { ListSchedulesQuery, Schedule } from '@crony/shared';
import type { Types } from 'mongoose';
import type { z } from 'zod';
import { decodeCursor, paginate } from '../../http/cursor.ts';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleModel, type ScheduleDoc } from './schedule.model.ts';
import { ScheduleStateModel, type ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import { SettingsLookup } from '../profiles/lookup.ts';
import { presentSchedule } from './schedules.presenter.ts';
import { errorsOf } from '../errors/errors.queries.ts';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Schedules newest first; `groupId` narrows to one group's tasks (the nested route and `?group=`
 * resolve the group first, so an unknown group is a 404 rather than an empty list).
 */
export async function listSchedules(
  principal: Principal,
  q: Omit<z.output<typeof ListSchedulesQuery>, 'group'>,
  groupId?: Types.ObjectId,
): Promise<{ data: Schedule[]; next_cursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const filter: Record<string, unknown> = {};
  if (groupId) filter.group_id = groupId;
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
  const lookup = new SettingsLookup();
  const data = await Promise.all(page.map((d) => presentSchedule(d, states.get(d._id.toHexString()) ?? null, lookup)));
  return { data, next_cursor };
}

/** One schedule; with `groupId`, only if it is a task of that group (else 404, as for another tenant's). */
export async function getSchedule(principal: Principal, id: string, groupId?: Types.ObjectId): Promise<Schedule> {
  const doc = await findSchedule(principal, id, groupId);
  const state = await ScheduleStateModel.findById(doc._id).lean<ScheduleStateDoc>();
  return { ...(await presentSchedule(doc, state, new SettingsLookup())), errors: await errorsOf(doc._id) };
}

export async function findSchedule(principal: Principal, id: string, groupId?: Types.ObjectId): Promise<ScheduleDoc> {
  const doc = await scoped(ScheduleModel, principal).findById(id).lean<ScheduleDoc>();
  if (!doc || (groupId && !doc.group_id?.equals(groupId))) throw notFound(groupId ? 'Task in this group' : 'Schedule');
  return doc;
}

/** States are keyed by schedule id; the ids come from a tenant-scoped read. */
async function statesOf(ids: Types.ObjectId[]): Promise<Map<string, ScheduleStateDoc>> {
  if (ids.length === 0) return new Map();
  const states = await ScheduleStateModel.find({ _id: { $in: ids } }).lean<ScheduleStateDoc[]>();
  return new Map(states.map((st) => [st._id.toHexString(), st]));
}
