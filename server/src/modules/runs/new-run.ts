import { defaultRetry, parseDuration } from '@crony/shared';
import { Types } from 'mongoose';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { defaultLimits, type RunLimits } from './limits.ts';
import { RunModel, type RunDoc } from './run.model.ts';

/**
 * A run record for one slot of `s`, queued or already `missed`. Not yet inserted. `s` is the
 * schedule as its runs see it (effective retry, target with group defaults: runScheduleFor). `limits`
 * are its effective scheduling limits at fire time (defaults when absent).
 */
export function newRun(
  s: ScheduleDoc,
  slot: { key: string; nominalAt: Date; trigger: RunDoc['trigger']; retryOf?: Types.ObjectId },
  fate: { status: 'queued' } | { status: 'missed'; reason: string },
  now: Date,
  limits: RunLimits = defaultLimits(),
): RunDoc {
  const retry = s.retry ?? defaultRetry;
  const doc = new RunModel({
    _id: new Types.ObjectId(),
    tenant_id: s.tenant_id,
    schedule_id: s._id,
    schedule_name: s.name,
    slot: slot.key,
    trigger: slot.trigger,
    status: fate.status,
    reason:
      fate.status === 'missed' ? fate.reason : slot.retryOf ? 'retry' : slot.trigger === 'manual' ? 'manual' : null,
    retry_of: slot.retryOf ?? null,
    nominal_at: slot.nominalAt,
    attempt: 1,
    max_attempts: retry.max_attempts,
    target: s.target,
    retry: {
      initial_interval_ms: parseDuration(retry.initial_interval) ?? 10_000,
      backoff_coefficient: retry.backoff_coefficient,
      max_interval_ms: parseDuration(retry.max_interval) ?? 300_000,
    },
    group_id: s.group_id ?? null,
    available_at: slot.nominalAt,
    limits,
    finished_at: fate.status === 'missed' ? now : null,
    // Set here because runs are bulk-inserted on the driver, past mongoose's timestamps.
    created_at: now,
    updated_at: now,
  });
  return doc.toObject() as RunDoc;
}
