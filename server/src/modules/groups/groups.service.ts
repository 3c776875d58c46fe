import { hookKinds, type CreateGroupBody, type Group, type UpdateGroupBody } from '@crony/shared';
import { isDuplicateKey } from '../../db/errors.ts';
import { AppError } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { profileRef } from '../profiles/profiles.service.ts';
import { recordDueAsPaused } from '../scheduler/fire.ts';
import { noteRetimed } from '../scheduler/retime-notes.model.ts';
import { compiledOf } from '../scheduler/when.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import type { TargetPolicy } from '../outbound/policy.ts';
import { checkHooks, deleteSchedule } from '../schedules/schedules.service.ts';
import { GroupModel, type GroupDoc } from './group.model.ts';
import { groupOr404, taskCounts } from './groups.queries.ts';
import { toGroup } from './groups.presenter.ts';

const nameTaken = (name: string, err: unknown) =>
  new AppError(
    'conflict',
    `A group named "${name}" already exists; choose another name`,
    [{ path: 'name', message: 'is already taken' }],
    { cause: err },
  );

export async function createGroup(principal: Principal, input: CreateGroupBody, policy: TargetPolicy): Promise<Group> {
  checkHooks(input, policy);
  const profileId = await profileRef(principal, input.profile);
  try {
    const g = await scoped(GroupModel, principal).create({
      name: input.name,
      description: input.description ?? null,
      profile_id: profileId,
      labels: input.labels,
      paused: input.paused,
      defaults: input.defaults,
      progress_hook: input.progress_hook,
      error_hook: input.error_hook,
      success_hook: input.success_hook,
      missed_hook: input.missed_hook,
    });
    return toGroup(g, 0);
  } catch (err) {
    if (isDuplicateKey(err)) throw nameTaken(input.name, err);
    throw err;
  }
}

export async function updateGroup(
  principal: Principal,
  ref: string,
  patch: UpdateGroupBody,
  policy: TargetPolicy,
  now = new Date(),
): Promise<Group> {
  checkHooks(patch, policy);
  const current = await groupOr404(principal, ref);
  const set: Partial<GroupDoc> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.profile !== undefined) set.profile_id = await profileRef(principal, patch.profile);
  if (patch.labels !== undefined) set.labels = patch.labels;
  if (patch.defaults !== undefined) set.defaults = patch.defaults;
  if (patch.paused !== undefined) set.paused = patch.paused;
  for (const k of hookKinds) if (patch[k] !== undefined) set[k] = patch[k];
  let updated: GroupDoc | null;
  try {
    updated = await scoped(GroupModel, principal).updateById(current._id, { $set: set });
  } catch (err) {
    if (isDuplicateKey(err)) throw nameTaken(patch.name ?? '', err);
    throw err;
  }
  if (!updated) throw new AppError('not_found', 'Group not found');
  if (patch.paused !== undefined && patch.paused !== current.paused) {
    await retimeTasks(principal, updated, now);
  }
  const counts = await taskCounts(principal, [updated._id]);
  return toGroup(updated, counts.get(updated._id.toHexString()) ?? 0);
}

/**
 * Pausing or resuming a group acts on each of its tasks as pausing or resuming the task would:
 * on pause, slots already due are recorded `missed` (reason `paused`) and nothing more fires
 * (the scheduler also checks the group before each firing); on resume, each task not paused
 * itself continues from its next slot after now, without replaying the paused period.
 */
async function retimeTasks(principal: Principal, g: GroupDoc, now: Date): Promise<void> {
  const tasks = await scoped(ScheduleModel, principal).find({ group_id: g._id }).lean<ScheduleDoc[]>();
  for (const t of tasks) {
    if (t.paused) continue; // paused by itself: stays so either way
    if (g.paused) await recordDueAsPaused(t, now);
    await scoped(ScheduleModel, principal).updateById(t._id, {
      $set: { next_run_at: g.paused ? null : compiledOf(t).nextAfter(now) },
    });
  }
  await noteRetimed(
    tasks.filter((t) => !t.paused).map((t) => t._id),
    now,
  );
}

/**
 * Deletes a group. One with tasks is refused with `group_not_empty` unless `cascade`, which
 * deletes each task as `DELETE /v1/schedules/{id}` would (its runs, queue entries and state too).
 */
export async function deleteGroup(principal: Principal, ref: string, cascade: boolean): Promise<void> {
  const g = await groupOr404(principal, ref);
  const tasks = await scoped(ScheduleModel, principal).find({ group_id: g._id }).select({ _id: 1 }).lean();
  if (tasks.length > 0 && !cascade) {
    throw new AppError(
      'group_not_empty',
      `Group "${g.name}" has ${tasks.length} task${tasks.length === 1 ? '' : 's'}; move or delete them first, or delete with ?cascade=true to delete them too`,
    );
  }
  // Tasks first: a failure part-way leaves the group in place, so the delete can be repeated.
  for (const t of tasks) await deleteSchedule(principal, t._id.toHexString());
  await scoped(GroupModel, principal).deleteById(g._id);
}
