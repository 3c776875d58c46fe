import { runStatuses, type RunStatus, type Target } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';
import type { RunLimits } from './limits.ts';

export interface RunDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  schedule_name: string;
  /**
   * The slot key: the nominal instant in ISO form for scheduled runs, `manual:<id>` for
   * manual ones. Unique per schedule, so a slot can never produce two runs, whichever
   * scheduler process fires it and however often.
   */
  slot: string;
  trigger: 'schedule' | 'manual' | 'hook';
  /** A command hook's run: the run whose event it handles (hooks/command-hooks.ts). */
  parent_run_id?: Types.ObjectId | null;
  /** What the command reads on stdin (a command hook's event JSON). */
  stdin?: string | null;
  status: RunStatus;
  /** Why the run is missed/cancelled, or `manual`; see RunReason in shared/. */
  reason: string | null;
  nominal_at: Date;
  /**
   * A scheduled run's next slot, as the schedule stood when this one was recorded (null: none
   * after it). When the run ends it moves the schedule's `fired` forward (schedule-state.model.ts):
   * the firing itself writes nothing to the schedule. Absent on manual runs and older records.
   */
  next_slot_at?: Date | null;
  /**
   * Slots of the same firing, before this run's, that were recorded `missed`; counted in the
   * schedule's stats when this run ends, in the one write of its state that costs anyway
   * (fire.ts, recordOutcome). Absent: none.
   */
  missed_before?: number;
  /** The current attempt, from 1, as users see it. */
  attempt: number;
  /**
   * Claim generation, from 1: a claim is unique per (run, epoch), and every report must carry
   * the epoch of its lease. It moves on with each attempt, and also when a claim was orphaned
   * (its executor died between claiming and starting), which costs no attempt.
   */
  epoch: number;
  max_attempts: number;
  /** The target as it was when the slot fired; editing the schedule does not change runs in flight. */
  target: Target;
  /** Retry policy copied at fire time, so editing the schedule does not change runs in flight. */
  retry: { initial_interval_ms: number; backoff_coefficient: number; max_interval_ms: number };
  /** The schedule's task group when the slot fired; null: ungrouped. */
  group_id: Types.ObjectId | null;
  /** A queued run is not claimed before this instant (retry backoff). */
  available_at: Date;
  lease: { id: string; epoch: number; owner: string; expires_at: Date } | null;
  attempts: {
    attempt: number;
    status: RunStatus;
    started_at: Date | null;
    finished_at: Date | null;
    executor: string | null;
    /** The lease this attempt ran under, so a worker told to stop can learn why. */
    lease_id?: string | null;
    http_status: number | null;
    error: { code: string; message: string } | null;
  }[];
  cancel_requested_at: Date | null;
  /** Scheduling limits snapshotted at fire time; absent on runs stored before they existed. */
  limits?: RunLimits | null;
  /**
   * Why a queued run has not started although it is due. Not stored on the run: it is kept on
   * the run's queue entry and filled in on reads (withWaitReasons in queue.model.ts).
   */
  wait_reason?: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  lateness_ms: number | null;
  http_status: number | null;
  exit_code: number | null;
  progress: { percent: number; message: string; at: Date } | null;
  response_excerpt: string | null;
  error: { code: string; message: string } | null;
  /** For a retry (`POST /v1/runs/{id}/retry`): the run it retries. */
  retry_of: Types.ObjectId | null;
  created_at: Date;
  updated_at: Date;
}

const attemptSchema = new Schema(
  {
    attempt: { type: Number, required: true },
    status: { type: String, enum: runStatuses, required: true },
    started_at: { type: Date, default: null },
    finished_at: { type: Date, default: null },
    executor: { type: String, default: null },
    lease_id: { type: String, default: null },
    http_status: { type: Number, default: null },
    error: { type: new Schema({ code: String, message: String }, { _id: false }), default: null },
  },
  { _id: false },
);

const runSchema = new Schema<RunDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    schedule_name: { type: String, required: true },
    slot: { type: String, required: true },
    trigger: { type: String, enum: ['schedule', 'manual', 'hook'], required: true },
    parent_run_id: { type: Schema.Types.ObjectId, default: null },
    stdin: { type: String, default: null },
    status: { type: String, enum: runStatuses, required: true },
    reason: { type: String, default: null },
    nominal_at: { type: Date, required: true },
    next_slot_at: { type: Date, default: undefined },
    missed_before: { type: Number, default: undefined },
    attempt: { type: Number, required: true, default: 1 },
    epoch: { type: Number, required: true, default: 1 },
    max_attempts: { type: Number, required: true, default: 1 },
    target: { type: Schema.Types.Mixed, required: true },
    retry: { type: Schema.Types.Mixed, required: true },
    group_id: { type: Schema.Types.ObjectId, default: null },
    available_at: { type: Date, required: true },
    lease: {
      type: new Schema({ id: String, epoch: Number, owner: String, expires_at: Date }, { _id: false }),
      default: null,
    },
    attempts: { type: [attemptSchema], default: [] },
    cancel_requested_at: { type: Date, default: null },
    limits: {
      type: new Schema(
        {
          priority: Number,
          deadline_at: Date,
          max_runtime_ms: Number,
          profile_id: Schema.Types.ObjectId,
          max_concurrent: Number,
          allow_preemption: Boolean,
          profile_name: String,
        },
        { _id: false },
      ),
      default: null,
    },
    started_at: { type: Date, default: null },
    finished_at: { type: Date, default: null },
    duration_ms: { type: Number, default: null },
    lateness_ms: { type: Number, default: null },
    http_status: { type: Number, default: null },
    exit_code: { type: Number, default: null },
    progress: { type: new Schema({ percent: Number, message: String, at: Date }, { _id: false }), default: null },
    response_excerpt: { type: String, default: null },
    error: { type: new Schema({ code: String, message: String }, { _id: false }), default: null },
    retry_of: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' }, minimize: false },
);
runSchema.index({ schedule_id: 1, slot: 1 }, { unique: true });
runSchema.index({ tenant_id: 1, _id: -1 });
runSchema.index({ tenant_id: 1, schedule_id: 1, _id: -1 });
// Executors look for claimable work; the reaper for lapsed leases; fire for active runs.
runSchema.index({ status: 1, available_at: 1 });
runSchema.index({ schedule_id: 1, status: 1 });

export const RunModel = model<RunDoc>('Run', runSchema, 'runs');
