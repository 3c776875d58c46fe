import { Schema, model, type Types } from 'mongoose';

/**
 * One document per (run, epoch) that an executor claimed. Its unique index is what makes a
 * claim exclusive: on FerretDB 1.x an update is a read followed by a write, so two executors
 * could both "win" a conditional update, but only one can insert this document.
 */
export interface ClaimDoc {
  _id: Types.ObjectId;
  run_id: Types.ObjectId;
  /** The run's claim generation; see RunDoc.epoch. */
  epoch: number;
  lease_id: string;
  owner: string;
  claimed_at: Date;
}

const claimSchema = new Schema<ClaimDoc>({
  run_id: { type: Schema.Types.ObjectId, required: true },
  epoch: { type: Number, required: true },
  lease_id: { type: String, required: true },
  owner: { type: String, required: true },
  claimed_at: { type: Date, required: true },
});
claimSchema.index({ run_id: 1, epoch: 1 }, { unique: true });

export const ClaimModel = model<ClaimDoc>('RunClaim', claimSchema, 'run_claims');
