import {
  Id,
  parseDuration,
  type BulkScheduleBody,
  type BulkScheduleResult,
  type CreateScheduleBody,
  type CronPreviewBody,
  type Schedule,
  type Target,
  type UpdateScheduleBody,
} from '@crony/shared';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import type { TargetPolicy } from '../outbound/policy.ts';
import { QueueModel } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { fireManual, recordDueAsPaused } from '../scheduler/fire.ts';
import { ScheduleStateModel, type ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import { nextSlots } from '../scheduler/slots.ts';
import { compiledOf, whenOf } from '../scheduler/when.ts';
import { ScheduleModel, type ScheduleDoc } from './schedule.model.ts';
import { toSchedule } from './schedules.presenter.ts';

export interface ScheduleDeps {
  policy: TargetPolicy;
  now?: Date;
}

type Timing = Pick<ScheduleDoc, 'cron' | 'every' | 'every_ms' | 'at' | 'anchor' | 'timezone'>;

function checkTarget(target: Target, policy: TargetPolicy): void {
  if (target.type !== 'http') return; // commands run on the tenant's own workers
  const why = policy.refuseUrl(target.url);
  if (why) throw new AppError('target_not_allowed', `target.url ${why}`, [{ path: 'target.url', message: why }]);
}

function checkAt(at: Date | null, now: Date): void {
  if (at && at.getTime() < now.getTime() - 1000) {
    throw new AppError('validation_failed', 'at is in the past; give a future time for a one-off run', [
      { path: 'at', message: 'must be in the future' },
    ]);
  }
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
  const at = input.at ? new Date(input.at) : null;
  checkAt(at, now);
  const timing: Timing = {
    cron: input.cron ?? null,
    every: input.every ?? null,
    every_ms: input.every ? parseDuration(input.every) : null,
    at,
    anchor: now,
    timezone: input.timezone,
  };
  const doc = await scoped(ScheduleModel, principal).create({
    ...timing,
    name: input.name,
    description: input.description ?? null,
    target: input.target,
    paused: input.paused,
    concurrency_policy: input.concurrency_policy,
    misfire_policy: input.misfire_policy,
    catchup_window: input.catchup_window,
    catchup_window_ms: parseDuration(input.catchup_window)!,
    retry: input.retry,
  });
  try {
    const state = await ScheduleStateModel.create({ _id: doc._id, next_run_at: nextRunAt(timing, input.paused, now) });
    return toSchedule(doc, state.toObject());
  } catch (err) {
    await ScheduleModel.deleteOne({ _id: doc._id }); // no half-created schedule
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
  const paused = patch.paused ?? current.paused;
  // Slots already due when the schedule is paused are recorded, not dropped.
  if (paused && !current.paused) await recordDueAsPaused(current, now);
  const retime = whenChanged || patch.timezone !== undefined || patch.paused !== undefined;

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
      paused,
    },
  });
  if (!updated) throw notFound('Schedule');
  // Resuming computes the next slot from now: the paused period is not replayed.
  if (retime) {
    await ScheduleStateModel.updateOne(
      { _id: updated._id },
      { $set: { next_run_at: nextRunAt(timing, paused, now) } },
      { upsert: true },
    );
  }
  return toSchedule(
    updated.toObject() as ScheduleDoc,
    await ScheduleStateModel.findById(updated._id).lean<ScheduleStateDoc>(),
  );
}

/** Runs the schedule's target now, outside its slots; recorded with trigger `manual`. */
export async function triggerSchedule(principal: Principal, id: string, now = new Date()): Promise<RunDoc> {
  const s = await scoped(ScheduleModel, principal).findById(id).lean<ScheduleDoc>();
  if (!s) throw notFound('Schedule');
  return fireManual(s, now);
}

export async function deleteSchedule(principal: Principal, id: string): Promise<void> {
  const res = await scoped(ScheduleModel, principal).deleteById(id);
  if (res.deletedCount !== 1) throw notFound('Schedule');
  await scoped(RunModel, principal).deleteMany({ schedule_id: id });
  await QueueModel.deleteMany({ schedule_id: id }); // the queue holds run ids only; its runs are gone
  await ScheduleStateModel.deleteOne({ _id: id });
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
