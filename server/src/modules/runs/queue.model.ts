import { Schema, model, type Types } from 'mongoose';

/**
 * The runs that still need an executor: one entry per queued or running run, keyed by the
 * run's id, deleted when the run ends. It stays as small as the work in flight, while the run
 * ledger grows without bound; every scan that must be fast (claimable work, lapsed leases,
 * a schedule's active runs) reads this, and the ledger is only read and written by `_id`.
 * That matters on FerretDB 1.x, where a filter other than `_id` scans the whole collection.
 *
 * The ledger stays the truth: an entry is written before its run record and deleted only
 * after the run is final, and the reaper repairs any entry that disagrees with its run.
 */
export interface QueueDoc {
  /** The run's id. */
  _id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  /** Workers only ever see entries of their own tenant. */
  tenant_id: Types.ObjectId;
  /** Labels a worker must carry to take it (command targets). */
  labels: Record<string, string>;
  status: 'queued' | 'running';
  /** Mirrors the run's epoch, so a stale entry can be told apart. */
  epoch: number;
  available_at: Date;
  lease_expires_at: Date | null;
  /** Which kind of executor may take it (`http` for the server's own executor). */
  target_type: string;
}

const queueSchema = new Schema<QueueDoc>(
  {
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    labels: { type: Schema.Types.Mixed, default: {} },
    status: { type: String, enum: ['queued', 'running'], required: true },
    epoch: { type: Number, required: true },
    available_at: { type: Date, required: true },
    lease_expires_at: { type: Date, default: null },
    target_type: { type: String, required: true },
  },
  { versionKey: false },
);
// Used by MongoDB; FerretDB 1.x scans, which is why this collection is kept small.
queueSchema.index({ status: 1, available_at: 1 });
queueSchema.index({ schedule_id: 1 });

export const QueueModel = model<QueueDoc>('RunQueue', queueSchema, 'run_queue');

export function queueEntryFor(run: {
  _id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  epoch: number;
  available_at: Date;
  target: { type: string; labels?: Record<string, string> };
}): QueueDoc {
  return {
    _id: run._id,
    schedule_id: run.schedule_id,
    tenant_id: run.tenant_id,
    labels: run.target.labels ?? {},
    status: 'queued',
    epoch: run.epoch,
    available_at: run.available_at,
    lease_expires_at: null,
    target_type: run.target.type,
  };
}
