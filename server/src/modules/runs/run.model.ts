import { runStatuses, type RunStatus } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

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
  trigger: 'schedule' | 'manual';
  status: RunStatus;
  nominal_at: Date;
  attempt: number;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  lateness_ms: number | null;
  http_status: number | null;
  response_excerpt: string | null;
  error: { code: string; message: string } | null;
  created_at: Date;
  updated_at: Date;
}

const runSchema = new Schema<RunDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    schedule_name: { type: String, required: true },
    slot: { type: String, required: true },
    trigger: { type: String, enum: ['schedule', 'manual'], required: true },
    status: { type: String, enum: runStatuses, required: true },
    nominal_at: { type: Date, required: true },
    attempt: { type: Number, required: true, default: 1 },
    started_at: { type: Date, default: null },
    finished_at: { type: Date, default: null },
    duration_ms: { type: Number, default: null },
    lateness_ms: { type: Number, default: null },
    http_status: { type: Number, default: null },
    response_excerpt: { type: String, default: null },
    error: { type: new Schema({ code: String, message: String }, { _id: false }), default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' }, minimize: false },
);
runSchema.index({ schedule_id: 1, slot: 1 }, { unique: true });
runSchema.index({ tenant_id: 1, _id: -1 });
runSchema.index({ tenant_id: 1, schedule_id: 1, _id: -1 });

export const RunModel = model<RunDoc>('Run', runSchema, 'runs');
