import { Schema, model, type Types } from 'mongoose';

/**
 * A schedule's `errors`, one document per entry, in their own collection rather than an array
 * on the schedule: the tenant-wide errors page filters and pages them like runs, and appending
 * never rewrites the schedule document users edit (FerretDB 1.x updates are read-then-write).
 * Each schedule keeps its newest `limit` entries (see errors.service.ts), so the collection
 * stays bounded by the number of schedules.
 */
export interface ScheduleErrorDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  schedule_name: string;
  /** The schedule's task group, once groups exist; null until then. */
  group_id: Types.ObjectId | null;
  run_id: Types.ObjectId | null;
  nominal_at: Date | null;
  attempt: number | null;
  code: string;
  message: string;
  /** failed, timed_out or missed; null for hook_failed. */
  status: string | null;
  worker: string | null;
  at: Date;
}

const errorSchema = new Schema<ScheduleErrorDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    schedule_name: { type: String, required: true },
    group_id: { type: Schema.Types.ObjectId, default: null },
    run_id: { type: Schema.Types.ObjectId, default: null },
    nominal_at: { type: Date, default: null },
    attempt: { type: Number, default: null },
    code: { type: String, required: true },
    message: { type: String, required: true },
    status: { type: String, default: null },
    worker: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
errorSchema.index({ tenant_id: 1, _id: -1 });
errorSchema.index({ schedule_id: 1, _id: -1 });

export const ScheduleErrorModel = model<ScheduleErrorDoc>('ScheduleError', errorSchema, 'schedule_errors');
