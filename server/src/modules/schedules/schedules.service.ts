import {
  parseDeadline,
  Id,
  parseDuration,
  type BulkScheduleBody,
  type BulkScheduleResult,
  type CreateScheduleBody,
  type CronPreviewBody,
  hookKinds,
  type HookKind,
  type HookTarget,
  type Schedule,
  type Target,
  type UpdateScheduleBody,
} from '@crony/shared';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import type { TargetPolicy } from '../outbound/policy.ts';
import { dequeueSchedule } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { fireManual, recordDueAsPaused } from '../scheduler/fire.ts';
import { noteCreated, noteRetimed } from '../scheduler/retime-notes.model.ts';
import { scheduleCache } from '../scheduler/schedule-cache.ts';
import { scheduleDirectory } from './schedule-directory.ts';
import { createState, deleteState } from '../scheduler/schedule-state.model.ts';
import { nextSlots } from '../scheduler/slots.ts';
import { compiledOf, whenOf } from '../scheduler/when.ts';
import { Types } from 'mongoose';
import { findGroup } from '../groups/groups.queries.ts';
import type { GroupDoc } from '../groups/group.model.ts';
import { SettingsLookup } from '../profiles/lookup.ts';
import { profileRef } from '../profiles/profiles.service.ts';
import { ScheduleModel, type ScheduleDoc } from './schedule.model.ts';
import { presentSchedule } from './schedules.presenter.ts';
import { knownOf } from './schedules.queries.ts';
import { deleteHookRecords } from '../hooks/cleanup.ts';

export interface ScheduleDeps {
  policy: TargetPolicy;
  now?: Date;
}

type Timing = Pick<ScheduleDoc, 'cron' | 'every' | 'every_ms' | 'at' | 'anchor' | 'timezone'>;

function checkTarget(target: Target | HookTarget, policy: TargetPolicy, field = 'target'): void {
  if (target.type !== 'http') return; // commands run on the tenant's own workers
  const why = policy.refuseUrl(target.url);
  if (why) throw new AppError('target_not_allowed', `${field}.url ${why}`, [{ path: `${field}.url`, message: why }]);
}

/** Hook URLs are checked like targets (and again at connect time, by the outbound client). */
export function checkHooks(input: Partial<Record<HookKind, HookTarget | null>>, policy: TargetPolicy): void {
  for (const k of hookKinds) {
    const hook = input[k];
    if (hook) checkTarget(hook, policy, k);
    // One sandboxed process per progress report would swamp the workers and could not keep order.
    if (k === 'progress_hook' && hook?.type === 'command') {
      throw new AppError('validation_failed', 'progress_hook must be an http hook', [
        { path: 'progress_hook.type', message: 'command hooks are for error, success and missed events' },
      ]);
    }
  }
}

/** The hook fields a PATCH names (null clears a hook). */
function hookPatch(patch: UpdateScheduleBody): Partial<Record<HookKind, HookTarget | null>> {
  return Object.fromEntries(hookKinds.filter((k) => patch[k] !== undefined).map((k) => [k, patch[k]]));
}

function checkAt(at: Date | null, now: Date): void {
  if (at && at.getTime() < now.getTime() - 1000) {
    throw new AppError('validation_failed', 'at is in the past; give a future time for a one-off run', [
      { path: 'at', message: 'must be in the future' },
    ]);
  }
}

/** A group reference in a schedule body (id or name) must name one of the tenant's groups. */
async function groupRef(principal: Principal, ref: string | null | undefined): Promise<GroupDoc | null> {
  if (ref === null || ref === undefined) return null;
  const g = await findGroup(principal, ref);
  if (!g) {
    throw new AppError('validation_failed', `group: no group "${ref}"; list them at GET /v1/groups`, [
      { path: 'group', message: 'no such group' },
    ]);
  }
  return g;
}

/** A deadline relative to the period needs a period: the PATCH may change either side. */
function checkDeadline(deadline: string | null, at: Date | null): void {
  if (at && deadline && parseDeadline(deadline)?.kind === 'percent') {
    throw new AppError(
      'validation_failed',
      'deadline: a percentage of the period needs a recurring schedule (cron or every); give a duration such as "300s"',
      [{ path: 'deadline', message: 'a percentage needs a recurring schedule' }],
    );
  }
}

async function groupOf(s: ScheduleDoc): Promise<GroupDoc | null> {
  return new SettingsLookup().group(s.tenant_id, s.group_id ?? null);
}

/** The next slot strictly after `now`, or null when paused or a one-off has passed. */
function nextRunAt(t: Timing, paused: boolean, now: Date): Date | null {
  return paused ? null : compiledOf(t).nextAfter(now);
}

export async function createSchedule(
  principal: Principal,
  input: CreateScheduleBody,
  deps: ScheduleDeps,
): Promise<Schedule> {
  const now = deps.now ?? new Date();
  checkTarget(input.target, deps.policy);
  checkHooks(input, deps.policy);
  const at = input.at ? new Date(input.at) : null;
  checkAt(at, now);
  const group = await groupRef(principal, input.group);
  const profileId = await profileRef(principal, input.profile);
  const timing: Timing = {
    cron: input.cron ?? null,
    every: input.every ?? null,
    every_ms: input.every ? parseDuration(input.every) : null,
    at,
    anchor: now,
    timezone: input.timezone,
  };
  const schedules = scoped(ScheduleModel, principal);
  const doc = await schedules.build({
    ...timing,
    // The contract anchors `every` at created_at: both are the same instant, not two clock reads
    // a profile lookup apart (which could fall on either side of a second).
    created_at: now,
    updated_at: now,
    name: input.name,
    description: input.description ?? null,
    target: input.target,
    paused: input.paused,
    // A task of a paused group waits for it.
    next_run_at: nextRunAt(timing, input.paused || group?.paused === true, now),
    concurrency_policy: input.concurrency_policy,
    misfire_policy: input.misfire_policy,
    catchup_window: input.catchup_window,
    catchup_window_ms: parseDuration(input.catchup_window)!,
    retry: input.retry ?? null,
    group_id: group?._id ?? null,
    profile_id: profileId,
    priority: input.priority ?? null,
    deadline: input.deadline ?? null,
    max_runtime_seconds: input.max_runtime_seconds ?? null,
    progress_hook: input.progress_hook,
    error_hook: input.error_hook,
    success_hook: input.success_hook,
    missed_hook: input.missed_hook,
  });
  // The schedule, its state and the note that tells the schedulers of it are written side by
  // side: each round trip of a creation waits for FerretDB's one writer behind the scheduler's
  // writes, and in the busy first part of each second for this process's event loop
  // (bench/results/REPORT.md, twenty-seventh to thirtieth rounds). A scheduler that reads the
  // note before the schedule is stored looks again (noteCreated). All three are awaited before
  // anything is undone: a delete sent while an insert is still on its way could land first and
  // leave the insert behind.
  const inserted = schedules.insert(doc);
  const stateInserted = createState(doc._id);
  const stored = Promise.allSettled([inserted, stateInserted]).then((all) =>
    all.every((w) => w.status === 'fulfilled'),
  );
  const [schedule, state, note] = await Promise.allSettled([inserted, stateInserted, noteCreated(doc, stored, now)]);
  try {
    if (schedule.status === 'rejected') throw schedule.reason;
    if (state.status === 'rejected') throw state.reason;
    if (note.status === 'rejected') throw note.reason;
    scheduleDirectory.put(doc); // listed here at once; other processes learn from the note
    return await presentSchedule(doc, { state: state.value, inFlight: null }, new SettingsLookup(), now);
  } catch (err) {
    // No half-created schedule: both go (deleting one that was not stored does nothing), and a
    // scheduler that applied the note reads the schedule again and finds nothing.
    await ScheduleModel.deleteOne({ _id: doc._id });
    await deleteState(doc._id);
    if (note.status === 'fulfilled') await noteRetimed([doc._id], now);
    throw err;
  }
}

export async function updateSchedule(
  principal: Principal,
  id: string,
  patch: UpdateScheduleBody,
  deps: ScheduleDeps,
): Promise<Schedule> {
  const now = deps.now ?? new Date();
  const schedules = scoped(ScheduleModel, principal);
  const current = await schedules.findById(id).lean<ScheduleDoc>();
  if (!current) throw notFound('Schedule');
  if (patch.target) checkTarget(patch.target, deps.policy);
  checkHooks(patch, deps.policy);

  const timing: Timing = {
    cron: current.cron,
    every: current.every,
    every_ms: current.every_ms,
    at: current.at,
    anchor: current.anchor,
    timezone: patch.timezone ?? current.timezone,
  };
  const whenChanged = patch.cron !== undefined || patch.every !== undefined || patch.at !== undefined;
  if (whenChanged) {
    timing.cron = patch.cron ?? null;
    timing.every = patch.every ?? null;
    timing.every_ms = patch.every ? parseDuration(patch.every) : null;
    timing.at = patch.at ? new Date(patch.at) : null;
    timing.anchor = now;
    checkAt(timing.at, now);
  }
  checkDeadline(patch.deadline !== undefined ? patch.deadline : current.deadline, timing.at);
  const oldGroup = await groupOf(current);
  const group = patch.group !== undefined ? await groupRef(principal, patch.group) : oldGroup;
  const profileId = patch.profile !== undefined ? await profileRef(principal, patch.profile) : undefined;
  const paused = patch.paused ?? current.paused;
  // Paused by itself or by its group: either stops its slots.
  const wasHeld = current.paused || oldGroup?.paused === true;
  const held = paused || group?.paused === true;
  // Slots already due when the schedule is paused are recorded, not dropped.
  if (held && !wasHeld) await recordDueAsPaused(current, now);
  const retime = whenChanged || patch.timezone !== undefined || patch.paused !== undefined || held !== wasHeld;

  const updated = await schedules.updateById(id, {
    $set: {
      ...timing,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.target !== undefined ? { target: patch.target } : {}),
      ...(patch.concurrency_policy !== undefined ? { concurrency_policy: patch.concurrency_policy } : {}),
      ...(patch.misfire_policy !== undefined ? { misfire_policy: patch.misfire_policy } : {}),
      ...(patch.catchup_window !== undefined
        ? { catchup_window: patch.catchup_window, catchup_window_ms: parseDuration(patch.catchup_window)! }
        : {}),
      ...(patch.retry !== undefined ? { retry: patch.retry } : {}),
      ...(patch.group !== undefined ? { group_id: (group?._id ?? null) as Types.ObjectId | null } : {}),
      ...(profileId !== undefined ? { profile_id: profileId } : {}),
      ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
      ...(patch.deadline !== undefined ? { deadline: patch.deadline } : {}),
      ...(patch.max_runtime_seconds !== undefined ? { max_runtime_seconds: patch.max_runtime_seconds } : {}),
      ...hookPatch(patch),
      paused,
      // Resuming computes the next slot from now: the paused period is not replayed.
      ...(retime ? { next_run_at: nextRunAt(timing, held, now) } : {}),
    },
  });
  if (!updated) throw notFound('Schedule');
  // Every edit, not only a retime: the schedulers drop their copy of the schedule (schedule-cache.ts).
  await noteRetimed([updated._id], now);
  scheduleDirectory.put(updated);
  return presentSchedule(updated, (await knownOf([updated._id]))(updated._id), new SettingsLookup(), now);
}

/** Runs the schedule's target now, outside its slots; recorded with trigger `manual`. */
export async function triggerSchedule(principal: Principal, id: string, now = new Date()): Promise<RunDoc> {
  // From the process's copy when it follows the change notes, as a firing takes it: this
  // process's own edits drop the copy at once, other processes' within a notes refresh. A
  // trigger read the schedule every time, one of a triggered command run's eleven commands.
  const [s] = Types.ObjectId.isValid(id)
    ? await scoped(ScheduleModel, principal).findByIds<ScheduleDoc>([new Types.ObjectId(id)], (ids) =>
        scheduleCache.getMany(ids),
      )
    : [];
  if (!s) throw notFound('Schedule');
  return fireManual(s, now);
}

export async function deleteSchedule(principal: Principal, id: string): Promise<void> {
  const res = await scoped(ScheduleModel, principal).deleteById(id);
  if (res.deletedCount !== 1) throw notFound('Schedule');
  scheduleDirectory.remove(id);
  await scoped(RunModel, principal).deleteMany({ schedule_id: id });
  await dequeueSchedule(new Types.ObjectId(id)); // the queue holds run ids only; its runs are gone
  await deleteState(new Types.ObjectId(id));
  await noteRetimed([new Types.ObjectId(id)], new Date()); // the schedulers forget it (due index, schedule copies)
  await deleteHookRecords(principal, id);
}

export async function scheduleFireTimes(principal: Principal, id: string, count: number, from?: string) {
  const s = await scoped(ScheduleModel, principal).findById(id).lean<ScheduleDoc>();
  if (!s) throw notFound('Schedule');
  return { times: nextSlots(whenOf(s), s.timezone, from ? new Date(from) : new Date(), count).map(iso) };
}

export function previewFireTimes(input: CronPreviewBody, now = new Date()) {
  const from = input.from ? new Date(input.from) : now;
  const when = input.cron
    ? ({ kind: 'cron', expr: input.cron } as const)
    : input.every
      ? ({ kind: 'every', intervalMs: parseDuration(input.every)!, anchor: from } as const)
      : ({ kind: 'at', at: new Date(input.at!) } as const);
  return { times: nextSlots(when, input.timezone, from, input.count).map(iso) };
}

const iso = (d: Date) => d.toISOString();

/**
 * One action over many schedules, each through the same function as its single-schedule route.
 * Every id gets its own result; an id that is malformed, unknown or another tenant's is
 * `not_found`, and one failure does not stop the others (there are no transactions to undo them).
 */
export async function bulkSchedules(
  principal: Principal,
  input: BulkScheduleBody,
  deps: ScheduleDeps,
): Promise<BulkScheduleResult> {
  const results: BulkScheduleResult['results'] = [];
  for (const id of [...new Set(input.ids)]) {
    if (!Id.safeParse(id).success) {
      results.push({ id, result: 'not_found', message: 'Schedule not found', run_id: null });
      continue;
    }
    try {
      let runId: string | null = null;
      if (input.action === 'pause' || input.action === 'resume') {
        await updateSchedule(principal, id, { paused: input.action === 'pause' }, deps);
      } else if (input.action === 'trigger') {
        runId = (await triggerSchedule(principal, id, deps.now))._id.toHexString();
      } else {
        await deleteSchedule(principal, id);
      }
      results.push({ id, result: 'ok', message: null, run_id: runId });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({
        id,
        result: err.code === 'not_found' ? 'not_found' : 'failed',
        message: err.message,
        run_id: null,
      });
    }
  }
  const ok = results.filter((r) => r.result === 'ok').length;
  return { action: input.action, results, ok, failed: results.length - ok };
}
