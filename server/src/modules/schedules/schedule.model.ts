import { concurrencyPolicies, misfirePolicies, type HookTarget, type RetryPolicy, type Target } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

export interface ScheduleDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  name: string;
  description: string | null;
  /** Exactly one of cron, every, at is set (enforced by the shared schemas). */
  cron: string | null;
  every: string | null;
  /** `every` in milliseconds, parsed once. */
  every_ms: number | null;
  /** Start of the `every` grid: slots fall at anchor + k·every_ms. Reset when `every` changes. */
  anchor: Date;
  at: Date | null;
  timezone: string;
  target: Target;
  paused: boolean;
  /**
   * The next slot as set by the last write that retimed the schedule (create, edit, pause,
   * resume, its group's pause or resume); null when paused or a one-off is over. Kept here, in
   * the document only users write, and never written by the scheduler: firings keep their
   * cursor in memory and ending runs record how far firing got on the schedule's state. Read
   * the next slot with `nextSlotOf` (schedule-state.model.ts), never from here alone.
   */
  next_run_at: Date | null;
  concurrency_policy: (typeof concurrencyPolicies)[number];
  misfire_policy: (typeof misfirePolicies)[number];
  catchup_window: string;
  /** `catchup_window` in milliseconds, parsed once. */
  catchup_window_ms: number;
  /** The schedule's own retry policy; null: its profile's. */
  retry: RetryPolicy | null;
  /** The task group; null: ungrouped. */
  group_id: Types.ObjectId | null;
  /** Null: the group's profile, else the tenant default. */
  profile_id: Types.ObjectId | null;
  /** Null: the profile's default priority. */
  priority: number | null;
  /** As written: `"300s"` after the nominal time or `"80%"` of the period; null: none. */
  deadline: string | null;
  /** Null: the profile's limit. */
  max_runtime_seconds: number | null;
  /** Hooks (null = off); see modules/hooks. */
  progress_hook: HookTarget | null;
  error_hook: HookTarget | null;
  success_hook: HookTarget | null;
  missed_hook: HookTarget | null;
  created_at: Date;
  updated_at: Date;
}

const scheduleSchema = new Schema<ScheduleDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    description: { type: String, default: null },
    cron: { type: String, default: null },
    every: { type: String, default: null },
    every_ms: { type: Number, default: null },
    anchor: { type: Date, required: true },
    at: { type: Date, default: null },
    timezone: { type: String, required: true, default: 'UTC' },
    target: { type: Schema.Types.Mixed, required: true },
    paused: { type: Boolean, required: true, default: false },
    next_run_at: { type: Date, default: null },
    concurrency_policy: { type: String, enum: concurrencyPolicies, required: true, default: 'allow' },
    misfire_policy: { type: String, enum: misfirePolicies, required: true, default: 'run_once' },
    catchup_window: { type: String, required: true, default: '24h' },
    catchup_window_ms: { type: Number, required: true, default: 86_400_000 },
    retry: { type: Schema.Types.Mixed, default: null },
    group_id: { type: Schema.Types.ObjectId, default: null },
    profile_id: { type: Schema.Types.ObjectId, default: null },
    priority: { type: Number, default: null },
    deadline: { type: String, default: null },
    max_runtime_seconds: { type: Number, default: null },
    progress_hook: { type: Schema.Types.Mixed, default: null },
    error_hook: { type: Schema.Types.Mixed, default: null },
    success_hook: { type: Schema.Types.Mixed, default: null },
    missed_hook: { type: Schema.Types.Mixed, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' }, minimize: false },
);
scheduleSchema.index({ tenant_id: 1, _id: -1 });
scheduleSchema.index({ tenant_id: 1, group_id: 1 });

export const ScheduleModel = model<ScheduleDoc>('Schedule', scheduleSchema, 'schedules');
