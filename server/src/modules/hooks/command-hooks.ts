import type { CommandTarget, HookEvent } from '@crony/shared';
import { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/errors.ts';
import { noticeQueued } from '../runs/queue-notices.ts';
import { dequeue, enqueue, queueEntryFor } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { DeliveryModel, type DeliveryDoc } from './delivery.model.ts';
import { recordHookFailed } from './hook-failed.ts';

/** Tries a command hook gets (its run's attempts): the first, then after 5 s and 30 s. */
const HOOK_RUN_RETRY = { max_attempts: 3, initial_interval_ms: 5_000, backoff_coefficient: 6, max_interval_ms: 60_000 };

/**
 * Command hooks ride on the run machinery: each event becomes a run with `trigger: "hook"`
 * (linked by `parent_run_id`) that the tenant's workers lease through the ordinary protocol and
 * run in their sandbox, with the event JSON on stdin and in the environment. A hook's run never
 * emits events, counts in the schedule's stats or appears in its `errors`, so hooks cannot loop;
 * its outcome is written to the delivery log instead.
 */
export async function enqueueCommandHook(
  parent: Pick<RunDoc, '_id' | 'tenant_id' | 'schedule_id' | 'schedule_name'>,
  delivery: DeliveryDoc,
  target: CommandTarget,
  now: Date,
): Promise<void> {
  const e: HookEvent = delivery.event;
  const json = JSON.stringify(e);
  const run = new RunModel({
    _id: new Types.ObjectId(),
    tenant_id: parent.tenant_id,
    schedule_id: parent.schedule_id,
    schedule_name: parent.schedule_name,
    // Unique per schedule like every slot key, so emitting an event twice makes one hook run.
    slot: `hook:${e.id}`,
    trigger: 'hook',
    parent_run_id: parent._id,
    status: 'queued',
    reason: null,
    nominal_at: now,
    attempt: 1,
    max_attempts: HOOK_RUN_RETRY.max_attempts,
    target: {
      ...target,
      env: {
        ...target.env,
        CRONY_EVENT: json,
        CRONY_EVENT_ID: e.id,
        CRONY_EVENT_TYPE: e.type,
        CRONY_RUN_ID: e.run_id,
        CRONY_SCHEDULE_ID: e.schedule_id,
        CRONY_SCHEDULE_NAME: e.schedule_name,
        CRONY_ATTEMPT: String(e.attempt),
      },
    },
    stdin: json,
    retry: {
      initial_interval_ms: HOOK_RUN_RETRY.initial_interval_ms,
      backoff_coefficient: HOOK_RUN_RETRY.backoff_coefficient,
      max_interval_ms: HOOK_RUN_RETRY.max_interval_ms,
    },
    available_at: now,
    created_at: now,
    updated_at: now,
  }).toObject() as RunDoc;
  try {
    await DeliveryModel.create({ ...delivery, hook_run_id: run._id });
  } catch (err) {
    if (isDuplicateKey(err)) return; // the same event emitted twice: its hook run exists
    throw err;
  }
  // Queue entry before the run, as everywhere (the reaper drops an entry without its run).
  const entry = queueEntryFor(run);
  await enqueue(entry);
  try {
    await RunModel.collection.insertOne(run);
  } catch (err) {
    await dequeue(run._id);
    if (!isDuplicateKey(err)) throw err;
    return;
  }
  noticeQueued(entry);
}

/** A hook run was cancelled: its delivery is given up (without a `hook_failed` entry: a person chose it). */
export async function hookRunCancelled(run: RunDoc, now: Date): Promise<void> {
  const delivery = await DeliveryModel.findById(run.slot.slice('hook:'.length)).lean<DeliveryDoc>();
  if (!delivery || delivery.status !== 'pending') return;
  const attempts = [
    ...delivery.attempts,
    { at: now, http_status: null, latency_ms: 0, error: 'the hook run was cancelled' },
  ];
  await DeliveryModel.updateOne({ _id: delivery._id }, { $set: { attempts, status: 'failed', next_attempt_at: null } });
}

/** A hook run's attempt ended: its delivery records the try and, when final, the outcome. */
export async function hookRunEnded(
  run: RunDoc,
  outcome: {
    status: 'succeeded' | 'failed' | 'timed_out';
    exit_code?: number | null;
    error: { message: string } | null;
  },
  final: boolean,
  now: Date,
): Promise<void> {
  const delivery = await DeliveryModel.findById(run.slot.slice('hook:'.length)).lean<DeliveryDoc>();
  if (!delivery) return;
  const started = run.attempts.find((a) => a.attempt === run.attempt)?.started_at ?? now;
  const ok = outcome.status === 'succeeded';
  const error = ok ? null : (outcome.error?.message ?? `the hook command ended ${outcome.status}`);
  const attempts = [
    ...delivery.attempts,
    { at: started, http_status: null, latency_ms: now.getTime() - started.getTime(), error },
  ];
  const status = ok ? 'succeeded' : final ? 'failed' : 'pending';
  await DeliveryModel.updateOne({ _id: delivery._id }, { $set: { attempts, status, next_attempt_at: null } });
  if (status === 'failed' && delivery.hook === 'error_hook') {
    await recordHookFailed(delivery, {
      message: `the error hook command (run ${run._id.toHexString()}) failed after ${attempts.length} tries: ${error}`,
      worker: run.attempts.find((a) => a.attempt === run.attempt)?.executor ?? null,
      at: now,
    });
  }
}
