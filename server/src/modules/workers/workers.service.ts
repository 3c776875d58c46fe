import type {
  CreatedWorkerToken,
  CreateWorkerTokenBody,
  RegisteredWorker,
  RegisterWorkerBody,
  Worker,
  WorkerToken,
} from '@crony/shared';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { HEARTBEAT_MS, LEASE_MS } from '../runs/lifecycle.ts';
import { QueueModel } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { hashToken, newTokenSecret } from '../tokens/secrets.ts';
import { WorkerModel, WorkerTokenModel, type WorkerDoc, type WorkerTokenDoc } from './worker.model.ts';
import { findByIds } from '../../db/by-ids.ts';

export const REGISTRATION_PREFIX = 'crony_wr_';
export const CREDENTIAL_PREFIX = 'crony_w_';
/** A worker silent for longer than this (ms) is shown offline. */
export const OFFLINE_AFTER_MS = 30_000;

const toWorkerToken = (t: WorkerTokenDoc): WorkerToken => ({
  id: t._id.toHexString(),
  name: t.name,
  labels: t.labels ?? {},
  prefix: t.prefix,
  created_at: t.created_at.toISOString(),
  revoked_at: t.revoked_at?.toISOString() ?? null,
});

export async function createWorkerToken(
  principal: Principal,
  input: CreateWorkerTokenBody,
  apiUrl: string,
): Promise<CreatedWorkerToken> {
  const { secret, hash, prefix } = newTokenSecret(REGISTRATION_PREFIX);
  const doc = await scoped(WorkerTokenModel, principal).create({
    name: input.name,
    labels: input.labels,
    prefix,
    hash,
    created_by: principal.userId,
  });
  return { ...toWorkerToken(doc), token: secret, command: `npm run worker -- --api ${apiUrl} --token ${secret}` };
}

export async function listWorkerTokens(principal: Principal): Promise<WorkerToken[]> {
  const docs = await scoped(WorkerTokenModel, principal).find().sort({ _id: -1 }).lean<WorkerTokenDoc[]>();
  return docs.map(toWorkerToken);
}

export async function revokeWorkerToken(principal: Principal, id: string, now = new Date()): Promise<void> {
  const tokens = scoped(WorkerTokenModel, principal);
  if (!(await tokens.findById(id))) throw notFound('Worker token');
  await tokens.updateById(id, { $set: { revoked_at: now } });
}

/** Trades a registration token for the worker's own credential, returned once. */
export async function registerWorker(input: RegisterWorkerBody): Promise<RegisteredWorker> {
  const token = await WorkerTokenModel.findOne({ hash: hashToken(input.token) }).lean<WorkerTokenDoc>();
  if (!token || token.revoked_at) {
    throw new AppError('unauthenticated', 'The registration token is unknown or revoked; create one under Workers');
  }
  const { secret, hash } = newTokenSecret(CREDENTIAL_PREFIX);
  const worker = await WorkerModel.create({
    tenant_id: token.tenant_id,
    name: input.name,
    labels: { ...(token.labels ?? {}), ...input.labels },
    version: input.version,
    concurrency: input.concurrency,
    credential_hash: hash,
    last_heartbeat_at: new Date(),
  });
  return { worker_id: worker._id.toHexString(), credential: secret, lease_ms: LEASE_MS, heartbeat_ms: HEARTBEAT_MS };
}

/** The worker a credential belongs to; null when unknown or revoked. */
export async function workerForCredential(secret: string): Promise<WorkerDoc | null> {
  if (!secret.startsWith(CREDENTIAL_PREFIX)) return null;
  const worker = await WorkerModel.findOne({ credential_hash: hashToken(secret) }).lean<WorkerDoc>();
  return worker && !worker.revoked_at ? worker : null;
}

/** Records that the worker is alive (throttled: at most one write per 2 s per worker). */
export async function markSeen(worker: WorkerDoc, now = new Date()): Promise<void> {
  if (worker.last_heartbeat_at && now.getTime() - worker.last_heartbeat_at.getTime() < 2000) return;
  await WorkerModel.updateOne({ _id: worker._id }, { $set: { last_heartbeat_at: now } });
}

export async function setDraining(worker: WorkerDoc): Promise<void> {
  await WorkerModel.updateOne({ _id: worker._id }, { $set: { draining: true } });
}

export async function listWorkers(principal: Principal, now = new Date()): Promise<Worker[]> {
  const docs = await scoped(WorkerModel, principal).find().sort({ _id: -1 }).lean<WorkerDoc[]>();
  const running = await QueueModel.find({ tenant_id: principal.tenantId, status: 'running' }).select({ _id: 1 }).lean();
  const held = new Map<string, number>();
  if (running.length > 0) {
    const runs = await findByIds<RunDoc>(
      RunModel,
      running.map((r) => r._id),
      { lease: 1 },
    );
    for (const r of runs) {
      const owner = r.lease?.owner;
      if (owner?.startsWith('worker:')) held.set(owner.slice(7), (held.get(owner.slice(7)) ?? 0) + 1);
    }
  }
  return docs.map((w) => ({
    id: w._id.toHexString(),
    name: w.name,
    labels: w.labels ?? {},
    version: w.version,
    concurrency: w.concurrency,
    state: w.revoked_at
      ? 'revoked'
      : !w.last_heartbeat_at || now.getTime() - w.last_heartbeat_at.getTime() > OFFLINE_AFTER_MS
        ? 'offline'
        : w.draining
          ? 'draining'
          : 'online',
    running: held.get(w._id.toHexString()) ?? 0,
    last_heartbeat_at: w.last_heartbeat_at?.toISOString() ?? null,
    created_at: w.created_at.toISOString(),
    revoked_at: w.revoked_at?.toISOString() ?? null,
  }));
}

export async function revokeWorker(principal: Principal, id: string, now = new Date()): Promise<void> {
  const workers = scoped(WorkerModel, principal);
  if (!(await workers.findById(id))) throw notFound('Worker');
  await workers.updateById(id, { $set: { revoked_at: now } });
}
