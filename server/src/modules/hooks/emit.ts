import { hookForEvent, type HookEvent, type HookEventType, type HookKind, type HookTarget } from '@crony/shared';
import type { Logger } from 'pino';
import { findById } from '../../db/by-ids.ts';
import { scheduleCache } from '../scheduler/schedule-cache.ts';
import { isDuplicateKey } from '../../db/errors.ts';
import { appendErrors, type NewScheduleError } from '../errors/errors.service.ts';
import type { RunDoc } from '../runs/run.model.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { DeliveryModel, HookQueueModel, type DeliveryDoc, type HookQueueDoc } from './delivery.model.ts';
import { enqueueCommandHook, hookRunCancelled, hookRunEnded } from './command-hooks.ts';
import { GroupModel, type GroupDoc } from '../groups/group.model.ts';
import { hooksFor, type Hooks } from './hooks-for.ts';

/**
 * Where run lifecycle events become hook deliveries and `errors` entries. The lifecycle and
 * the scheduler call these with one line each, after their own write succeeded; nothing here
 * may change a run's outcome, so failures are logged and swallowed (a lost event is better
 * than a run stuck half-finished).
 */
let log: Pick<Logger, 'warn'> = { warn: () => {} };

export function setHookLogger(l: Pick<Logger, 'warn'>): void {
  log = l;
}

/** An attempt's outcome, as runs/lifecycle.ts records it (kept structural: lifecycle imports this module). */
interface AttemptOutcome {
  status: 'succeeded' | 'failed' | 'timed_out' | 'preempted';
  http_status: number | null;
  exit_code?: number | null;
  error: { code: string; message: string } | null;
}

type RunRef = Pick<
  RunDoc,
  '_id' | 'tenant_id' | 'schedule_id' | 'schedule_name' | 'nominal_at' | 'attempt' | 'max_attempts' | 'attempts'
>;

const executorOf = (run: RunRef) => run.attempts.find((a) => a.attempt === run.attempt)?.executor ?? null;

function event(
  run: RunRef,
  type: HookEventType,
  fields: Pick<HookEvent, 'status' | 'final' | 'progress' | 'error'>,
  now: Date,
  suffix = '',
): HookEvent {
  return {
    id: `evt_${run._id.toHexString()}_${run.attempt}_${type.slice(4)}${suffix}`,
    type,
    tenant_id: run.tenant_id.toHexString(),
    run_id: run._id.toHexString(),
    schedule_id: run.schedule_id.toHexString(),
    schedule_name: run.schedule_name,
    nominal_at: run.nominal_at.toISOString(),
    attempt: run.attempt,
    max_attempts: run.max_attempts,
    executor: executorOf(run),
    at: now.toISOString(),
    ...fields,
  };
}

/**
 * An attempt ended: a failed or timed-out attempt sends `run.failed` to the error hook (every
 * attempt, `final` says whether a retry follows); a success sends `run.succeeded`. When the
 * run itself ends failed or timed out, it is added to the schedule's `errors`.
 */
export async function attemptEnded(run: RunDoc, outcome: AttemptOutcome, final: boolean, now: Date): Promise<void> {
  // A preempted attempt is not the run's failure: it is requeued at once and reported when it ends.
  if (outcome.status === 'preempted') return;
  const ended = { ...outcome, status: outcome.status };
  if (run.trigger === 'hook') {
    await guard('hook run ended', run, () => hookRunEnded(run, ended, final, now));
    return;
  }
  await guard('attempt ended', run, async () => {
    if (outcome.status === 'succeeded') {
      await enqueue(
        run,
        event(run, 'run.succeeded', { status: 'succeeded', final: true, progress: null, error: null }, now),
        now,
      );
      return;
    }
    const error = {
      code: outcome.error?.code ?? outcome.status,
      message: outcome.error?.message ?? `the attempt ended ${outcome.status}`,
      http_status: outcome.http_status,
      exit_code: outcome.exit_code ?? null,
    };
    // The errors entry first: it must not depend on the hook being reachable or configured.
    if (final) {
      await appendErrors([
        errorEntry(
          run,
          { code: error.code, message: error.message, status: outcome.status, worker: executorOf(run) },
          now,
        ),
      ]);
    }
    const status = final ? outcome.status : 'queued';
    await enqueue(run, event(run, 'run.failed', { status, final, progress: null, error }, now), now);
  });
}

/** A run was cancelled: no event (a person chose it); a cancelled hook run ends its delivery. */
export async function runCancelled(run: RunDoc, now: Date): Promise<void> {
  if (run.trigger !== 'hook') return;
  await guard('hook run cancelled', run, () => hookRunCancelled(run, now));
}

/** Slots recorded as `missed` (misfire, overlap, deadline): `errors` entries and `run.missed` events. */
export async function runsMissed(s: ScheduleDoc, runs: RunDoc[], now: Date): Promise<void> {
  const reported = runs.filter((r) => r.reason !== 'paused'); // pausing is the user's choice, not an error
  if (reported.length === 0) return;
  await guard('runs missed', reported[0]!, async () => {
    await appendErrors(
      reported.map((r) =>
        errorEntry(r, { code: 'missed', message: missedMessage(r.reason), status: 'missed', worker: null }, now),
      ),
    );
    if (!(await hooksOf(s)).missed_hook) return;
    for (const r of reported) {
      const error = { code: 'missed', message: missedMessage(r.reason), http_status: null, exit_code: null };
      await enqueue(r, event(r, 'run.missed', { status: 'missed', final: true, progress: null, error }, now), now, s);
    }
  });
}

/**
 * A progress report was recorded. Repeats of the latest report (workers resend it) are not
 * events. Progress events of one run are delivered in order; one still waiting when a newer
 * one comes is superseded, so a slow receiver gets the latest state, not a backlog.
 */
export async function progressReported(run: RunDoc, p: { percent: number; message: string }, now: Date): Promise<void> {
  if (run.progress && run.progress.percent === p.percent && run.progress.message === p.message) return;
  await guard('progress', run, async () => {
    const progress = { percent: p.percent, message: p.message };
    const e = event(
      run,
      'run.progress',
      { status: 'running', final: false, progress, error: null },
      now,
      `_${now.getTime()}`,
    );
    await enqueue(run, e, now, undefined, { lane: `progress:${run._id.toHexString()}`, supersede: true });
  });
}

function missedMessage(reason: string | null): string {
  switch (reason) {
    case 'misfire':
      return 'the slot passed while the scheduler could not fire it; the misfire policy skipped it';
    case 'catchup_window':
      return 'the slot was older than the catch-up window when the scheduler caught up';
    case 'overlap':
      return 'an earlier run was still active (concurrency_policy forbid)';
    case 'deadline':
      return 'the run had not started by its deadline';
    default:
      return `the slot was not run (${reason ?? 'missed'})`;
  }
}

function errorEntry(
  run: RunRef & { group_id?: RunDoc['group_id'] },
  e: { code: string; message: string; status: string | null; worker: string | null },
  now: Date,
): NewScheduleError {
  return {
    tenant_id: run.tenant_id,
    schedule_id: run.schedule_id,
    schedule_name: run.schedule_name,
    group_id: run.group_id ?? null, // the run's group when its slot fired
    run_id: run._id,
    nominal_at: run.nominal_at,
    attempt: run.attempt,
    ...e,
    at: now,
  };
}

/** The schedule's hooks, its group's filling the gaps (the group is read by _id). */
async function hooksOf(s: ScheduleDoc): Promise<Hooks> {
  const group = s.group_id ? await findById<GroupDoc>(GroupModel, s.group_id) : null;
  return hooksFor(s, group);
}

/** Records the delivery and its queue entry, when the schedule has a hook for the event. */
async function enqueue(
  run: RunRef,
  e: HookEvent,
  now: Date,
  schedule?: ScheduleDoc,
  order: { lane?: string; supersede?: boolean } = {},
): Promise<void> {
  const s = schedule ?? (await scheduleCache.get(run.schedule_id));
  if (!s) return;
  const hook = hookForEvent[e.type];
  const target = (await hooksOf(s))[hook];
  if (!target) return;
  if (target.type === 'command') {
    const delivery = pendingDelivery(run, hook, target, e, now);
    await enqueueCommandHook(run, delivery, target, now);
    return;
  }
  const lane = order.lane ?? e.id;
  if (order.supersede) await supersedeWaiting(lane);
  const delivery = pendingDelivery(run, hook, target, e, now);
  try {
    // Queue entry first: a crash between the two leaves an entry the deliverer drops (no delivery doc).
    const entry: HookQueueDoc = {
      _id: e.id,
      lane,
      seq: now.getTime(),
      available_at: now,
      epoch: 1,
      locked_until: null,
    };
    await HookQueueModel.create(entry);
    await DeliveryModel.create(delivery);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // the same event emitted twice: already queued
  }
}

function pendingDelivery(run: RunRef, hook: HookKind, target: HookTarget, e: HookEvent, now: Date): DeliveryDoc {
  return {
    _id: e.id,
    tenant_id: run.tenant_id,
    run_id: run._id,
    schedule_id: run.schedule_id,
    hook,
    target,
    event: e,
    status: 'pending',
    attempts: [],
    next_attempt_at: now,
    created_at: now,
  };
}

/** Drops the lane's deliveries that are waiting (not being sent right now) as superseded. */
async function supersedeWaiting(lane: string): Promise<void> {
  const waiting = await HookQueueModel.find({ lane, locked_until: null })
    .select({ _id: 1 })
    .lean<Pick<HookQueueDoc, '_id'>[]>();
  if (waiting.length === 0) return;
  const ids = waiting.map((w) => w._id);
  await HookQueueModel.deleteMany({ _id: { $in: ids } });
  await DeliveryModel.updateMany({ _id: { $in: ids } }, { $set: { status: 'superseded', next_attempt_at: null } });
}

async function guard(what: string, run: RunRef, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    log.warn({ err, runId: run._id.toHexString() }, `recording hook events failed (${what}); the run is unaffected`);
  }
}
