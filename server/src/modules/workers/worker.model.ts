import { Copies } from '../../db/copies.ts';
import { Schema, model, type Types } from 'mongoose';

/** A registration token: lets `crony worker` register a worker of this tenant. Stored hashed. */
export interface WorkerTokenDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  name: string;
  labels: Record<string, string>;
  prefix: string;
  hash: string;
  created_by: Types.ObjectId | null;
  created_at: Date;
  revoked_at: Date | null;
}

const workerTokenSchema = new Schema<WorkerTokenDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    labels: { type: Schema.Types.Mixed, default: {} },
    prefix: { type: String, required: true },
    hash: { type: String, required: true },
    created_by: { type: Schema.Types.ObjectId, default: null },
    revoked_at: { type: Date, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: false }, minimize: false },
);
workerTokenSchema.index({ hash: 1 }, { unique: true });
workerTokenSchema.index({ tenant_id: 1 });
export const WorkerTokenModel = model<WorkerTokenDoc>('WorkerToken', workerTokenSchema, 'worker_tokens');

/**
 * A registered worker. Its credential is stored hashed; revoking it refuses the worker at once.
 * When it was last heard from is on its `worker_seen` document (worker-seen.model.ts).
 */
export interface WorkerDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  name: string;
  labels: Record<string, string>;
  /**
   * The labels of the token it registered with, which each start adds to its own (`online`).
   * Absent on workers registered before: their labels then stay as the base.
   */
  token_labels?: Record<string, string>;
  version: string;
  concurrency: number;
  credential_hash: string;
  draining: boolean;
  created_at: Date;
  revoked_at: Date | null;
}

const workerSchema = new Schema<WorkerDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    labels: { type: Schema.Types.Mixed, default: {} },
    token_labels: { type: Schema.Types.Mixed, default: undefined },
    version: { type: String, required: true },
    concurrency: { type: Number, required: true },
    credential_hash: { type: String, required: true },
    draining: { type: Boolean, default: false },
    revoked_at: { type: Date, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: false }, minimize: false },
);
workerSchema.index({ credential_hash: 1 }, { unique: true });
workerSchema.index({ tenant_id: 1 });
export const WorkerModel = model<WorkerDoc>('Worker', workerSchema, 'workers');

/**
 * Workers by `credential_hash`, as every request of the worker protocol authenticates (FerretDB
 * scans the collection for a filter on the hash: one scan per lease, heartbeat and result).
 * Every write of a worker goes through it, so a revocation or a drain applies to the worker's
 * next request (db/copies.ts).
 */
export const workerCopies = new Copies<WorkerDoc>();
