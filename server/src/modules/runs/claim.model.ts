import { Schema, model, type Types } from 'mongoose';

/**
 * One document per (run, epoch) that an executor claimed, with `_id` `<run id>:<epoch>`
 * (claimIdOf). Its uniqueness is what makes a claim exclusive: on FerretDB 1.x an update is a
 * read followed by a write, so two executors could both "win" a conditional update, but only one
 * can insert this document. Keyed by `_id` so that the reaper looks a claim up by `_id`: FerretDB
 * answers only `_id` from an index, and claims accumulate with every attempt ever made.
 */
export interface ClaimDoc {
  _id: string;
  run_id: Types.ObjectId;
  /** The run's claim generation; see RunDoc.epoch. */
  epoch: number;
  lease_id: string;
  owner: string;
  claimed_at: Date;
}

const claimSchema = new Schema<ClaimDoc>({
  _id: { type: String, required: true },
  run_id: { type: Schema.Types.ObjectId, required: true },
  epoch: { type: Number, required: true },
  lease_id: { type: String, required: true },
  owner: { type: String, required: true },
  claimed_at: { type: Date, required: true },
});

export const ClaimModel = model<ClaimDoc>('RunClaim', claimSchema, 'run_claims');

export function claimIdOf(runId: Types.ObjectId, epoch: number): string {
  return `${runId.toHexString()}:${epoch}`;
}
