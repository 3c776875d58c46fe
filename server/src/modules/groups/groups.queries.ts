import { Id, type Group, type ListGroupsQuery } from '@crony/shared';
import type { Types } from 'mongoose';
import type { z } from 'zod';
import { decodeCursor, paginate } from '../../http/cursor.ts';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { GroupModel, type GroupDoc } from './group.model.ts';
import { toGroup } from './groups.presenter.ts';

/** The group named by `ref`, its id or its name (names never look like ids), or null. */
export async function findGroup(principal: Principal, ref: string): Promise<GroupDoc | null> {
  const groups = scoped(GroupModel, principal);
  return Id.safeParse(ref).success
    ? groups.findById(ref).lean<GroupDoc>()
    : groups.findOne({ name: ref.trim() }).lean<GroupDoc>();
}

export async function groupOr404(principal: Principal, ref: string): Promise<GroupDoc> {
  const g = await findGroup(principal, ref);
  if (!g) throw notFound('Group');
  return g;
}

/** How many tasks each group holds. Counted per group: no $group pipeline (FerretDB 1.x). */
export async function taskCounts(principal: Principal, ids: Types.ObjectId[]): Promise<Map<string, number>> {
  const schedules = scoped(ScheduleModel, principal);
  const counts = await Promise.all(ids.map((id) => schedules.find({ group_id: id }).countDocuments()));
  return new Map(ids.map((id, i) => [id.toHexString(), counts[i]!]));
}

export async function listGroups(
  principal: Principal,
  q: z.output<typeof ListGroupsQuery>,
): Promise<{ data: Group[]; next_cursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const docs = await scoped(GroupModel, principal)
    .find(after ? { _id: { $lt: after } } : {})
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .lean<GroupDoc[]>();
  const { page, next_cursor } = paginate(docs, q.limit);
  const counts = await taskCounts(
    principal,
    page.map((g) => g._id),
  );
  return { data: page.map((g) => toGroup(g, counts.get(g._id.toHexString()) ?? 0)), next_cursor };
}

export async function getGroup(principal: Principal, ref: string): Promise<Group> {
  const g = await groupOr404(principal, ref);
  const counts = await taskCounts(principal, [g._id]);
  return toGroup(g, counts.get(g._id.toHexString()) ?? 0);
}
