import { defaultRetry, parseDuration } from '@crony/shared';
import { Types } from 'mongoose';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { defaultLimits, type RunLimits } from './limits.ts';
import type { RunDoc } from './run.model.ts';

/**
 * A run record for one slot of `s`, queued or already `missed`. Not yet inserted. `s` is the
 * schedule as its runs see it (effective retry, target with group defaults: runScheduleFor). `limits`
 * are its effective scheduling limits at fire time (defaults when absent).
 */
export function newRun(
  s: ScheduleDoc,
  slot: {
    key: string;
    nominalAt: Date;
    trigger: RunDoc['trigger'];
    retryOf?: Types.ObjectId;
    /** A scheduled slot's successor (RunDoc.next_slot_at). */
    nextSlotAt?: Date | null;
  },
  fate: { status: 'queued' } | { status: 'missed'; reason: string },
  now: Date,
  limits: RunLimits = defaultLimits(),
): RunDoc {
  const retry = s.retry ?? defaultRetry;
  // A plain object with every field of the schema, not a mongoose document: building and
  // converting a document per run was a few percent of a burst's CPU, and runs are inserted
  // through the driver (batchedInsert), past mongoose's defaults, anyway.
  return {
    _id: new Types.ObjectId(),
    tenant_id: s.tenant_id,
    schedule_id: s._id,
    schedule_name: s.name,
    slot: slot.key,
    trigger: slot.trigger,
    parent_run_id: null,
    stdin: null,
    status: fate.status,
    reason:
      fate.status === 'missed' ? fate.reason : slot.retryOf ? 'retry' : slot.trigger === 'manual' ? 'manual' : null,
    nominal_at: slot.nominalAt,
    ...(slot.nextSlotAt !== undefined ? { next_slot_at: slot.nextSlotAt } : {}),
    attempt: 1,
    epoch: 1,
    max_attempts: retry.max_attempts,
    target: s.target,
    retry: {
      initial_interval_ms: parseDuration(retry.initial_interval) ?? 10_000,
      backoff_coefficient: retry.backoff_coefficient,
      max_interval_ms: parseDuration(retry.max_interval) ?? 300_000,
    },
    group_id: s.group_id ?? null,
    available_at: slot.nominalAt,
    lease: null,
    attempts: [],
    cancel_requested_at: null,
    limits,
    started_at: null,
    finished_at: fate.status === 'missed' ? now : null,
    duration_ms: null,
    lateness_ms: null,
    http_status: null,
    exit_code: null,
    progress: null,
    response_excerpt: null,
    error: null,
    retry_of: slot.retryOf ?? null,
    created_at: now,
    updated_at: now,
  };
}
