import { runStatuses, type RunStatus, type Target } from '@crony/shared';
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
  /** The next slot the scheduler will fire; null when paused or when a one-off has fired. */
  next_run_at: Date | null;
  last_run: { id: Types.ObjectId; status: RunStatus; nominal_at: Date; finished_at: Date | null } | null;
  created_at: Date;
  updated_at: Date;
}

const lastRunSchema = new Schema(
  {
    id: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: runStatuses, required: true },
    nominal_at: { type: Date, required: true },
    finished_at: { type: Date, default: null },
  },
  { _id: false },
);

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
    last_run: { type: lastRunSchema, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' }, minimize: false },
);
scheduleSchema.index({ tenant_id: 1, _id: -1 });
// The scheduler's only query: due slots, earliest first.
scheduleSchema.index({ next_run_at: 1 });

export const ScheduleModel = model<ScheduleDoc>('Schedule', scheduleSchema, 'schedules');
