import { Schema, model, type Types } from 'mongoose';

/**
 * A run's output, one document per run keyed by the run's id, so reading it is an `_id`
 * lookup (on FerretDB 1.x any other filter scans the collection). Only the executor holding
 * the run's lease appends, so appends are sequential. Capped: see logs.ts.
 */
export interface RunLogDoc {
  /** The run's id. */
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  chunks: { stream: 'stdout' | 'stderr' | 'system'; text: string; at: Date }[];
  bytes: number;
  truncated: boolean;
}

const runLogSchema = new Schema<RunLogDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    chunks: { type: [new Schema({ stream: String, text: String, at: Date }, { _id: false })], default: [] },
    bytes: { type: Number, default: 0 },
    truncated: { type: Boolean, default: false },
  },
  { versionKey: false },
);
export const RunLogModel = model<RunLogDoc>('RunLog', runLogSchema, 'run_logs');
