import { Schema, model, type Types } from 'mongoose';

/**
 * When a worker was last heard from, on a document of its own rather than on the worker's.
 * Nearly every worker request refreshes it, while revocation and draining are written to the
 * worker document. FerretDB 1.x applies an update as a read of the whole document and a
 * separate write of it, so a heartbeat written to the worker document at the moment of a
 * revocation could write back `revoked_at: null` and keep a revoked worker working. Here the
 * only writer is `markSeen`, and a heartbeat lost to another is harmless.
 */
export interface WorkerSeenDoc {
  /** The worker's id. */
  _id: Types.ObjectId;
  at: Date;
}

const workerSeenSchema = new Schema<WorkerSeenDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
// Read and written by _id only.

export const WorkerSeenModel = model<WorkerSeenDoc>('WorkerSeen', workerSeenSchema, 'worker_seen');
