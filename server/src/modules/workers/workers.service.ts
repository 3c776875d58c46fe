import type {
  CreatedWorkerToken,
  CreateWorkerTokenBody,
  RegisteredWorker,
  RegisterWorkerBody,
  Worker,
  WorkerOnline,
  WorkerOnlineBody,
  WorkerToken,
} from '@crony/shared';
import { Types } from 'mongoose';
import { findByIds } from '../../db/by-ids.ts';
import { WriteThrottle } from '../../db/throttle.ts';
import { inTurn } from '../../db/update-if.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { HEARTBEAT_MS, LEASE_MS } from '../runs/lifecycle.ts';
import { QueueModel } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { hashToken, newTokenSecret } from '../tokens/secrets.ts';
import { WorkerSeenModel, type WorkerSeenDoc } from './worker-seen.model.ts';
import { workerCopies, WorkerModel, WorkerTokenModel, type WorkerDoc, type WorkerTokenDoc } from './worker.model.ts';

export const REGISTRATION_PREFIX = 'crony_wr_';
export const CREDENTIAL_PREFIX = 'crony_w_';
/** A worker silent for longer than this (ms) is shown offline. */
export const OFFLINE_AFTER_MS = 30_000;
/** A worker's liveness is written at most this often (ms) per worker by one process. */
export const SEEN_EVERY_MS = 2000;

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

/** A worker's labels: its registration token's, and its own over them (its own win on the same key). */
const labelsOf = (tokenLabels: Record<string, string>, own: Record<string, string>) => ({ ...tokenLabels, ...own });

/** Trades a registration token for the worker's own credential, returned once. */
export async function registerWorker(input: RegisterWorkerBody): Promise<RegisteredWorker> {
  const token = await WorkerTokenModel.findOne({ hash: hashToken(input.token) }).lean<WorkerTokenDoc>();
  if (!token || token.revoked_at) {
    throw new AppError('unauthenticated', 'The registration token is unknown or revoked; create one under Workers');
  }
  const { secret, hash } = newTokenSecret(CREDENTIAL_PREFIX);
  // Seen first: a registration that fails after it leaves a stray worker_seen document, which
  // nothing shows, rather than a worker without one.
  const _id = new Types.ObjectId();
  await markSeen({ _id });
  const worker = await WorkerModel.create({
    _id,
    tenant_id: token.tenant_id,
    name: input.name,
    labels: labelsOf(token.labels ?? {}, input.labels),
    token_labels: token.labels ?? {},
    version: input.version,
    concurrency: input.concurrency,
    credential_hash: hash,
  });
  return { worker_id: worker._id.toHexString(), credential: secret, lease_ms: LEASE_MS, heartbeat_ms: HEARTBEAT_MS };
}

/** The worker a credential belongs to; null when unknown or revoked. */
export async function workerForCredential(secret: string): Promise<WorkerDoc | null> {
  if (!secret.startsWith(CREDENTIAL_PREFIX)) return null;
  const hash = hashToken(secret);
  const worker = await workerCopies.readOne(hash, () =>
    WorkerModel.findOne({ credential_hash: hash }).lean<WorkerDoc>(),
  );
  return worker && !worker.revoked_at ? worker : null;
}

/** This process's liveness writes: when it last wrote each worker's (see markSeen). */
const seenWrites = new WriteThrottle(SEEN_EVERY_MS);

/**
 * Records that the worker is alive, in `worker_seen` (see worker-seen.model.ts for why not on
 * the worker document): at most one write per worker per SEEN_EVERY_MS in this process,
 * decided without a read.
 */
export async function markSeen(worker: Pick<WorkerDoc, '_id'>, now = new Date()): Promise<void> {
  await seenWrites.writeLatest(WorkerSeenModel.collection, worker._id, 'at', now);
}

/**
 * After the worker's registration, its document is written only here (drain, online) and by `revokeWorker`,
 * each in the document's turn (`inTurn`): FerretDB applies an update as a read and a write of
 * the whole document, so a drain and a revocation in flight at once could write back the other's
 * field unset (worker-seen.test.ts: a drain 2-6 ms into a revocation was lost). Writers in
 * other processes can still race these (README, Operations: one process on FerretDB).
 */
export async function setDraining(worker: WorkerDoc): Promise<void> {
  await writeWorker(worker, { draining: true });
}

/**
 * A worker (re)starting: a drain before it is over, and it carries the version, slots and
 * labels it starts with, as a restarted agent's configuration is expected to apply. Its token's
 * labels stay under its own.
 */
export async function setOnline(worker: WorkerDoc, body: WorkerOnlineBody): Promise<WorkerOnline> {
  const labels = labelsOf(worker.token_labels ?? worker.labels ?? {}, body.labels);
  await writeWorker(worker, { draining: false, version: body.version, concurrency: body.concurrency, labels });
  return { worker_id: worker._id.toHexString(), labels };
}

function writeWorker(worker: WorkerDoc, fields: Partial<WorkerDoc>) {
  return workerCopies.write([worker.credential_hash], () =>
    inTurn(WorkerModel, worker._id, () => WorkerModel.updateOne({ _id: worker._id }, { $set: fields })),
  );
}

export async function listWorkers(principal: Principal, now = new Date()): Promise<Worker[]> {
  const docs = await scoped(WorkerModel, principal).find().sort({ _id: -1 }).lean<(WorkerDoc & Legacy)[]>();
  const [seenDocs, running] = await Promise.all([
    findByIds<WorkerSeenDoc>(
      WorkerSeenModel,
      docs.map((w) => w._id),
    ),
    QueueModel.find({ tenant_id: principal.tenantId, status: 'running' }).select({ _id: 1 }).lean(),
  ]);
  const seen = new Map(seenDocs.map((s) => [s._id.toHexString(), s.at]));
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
  return docs.map((w): Worker => {
    const lastSeen = seen.get(w._id.toHexString()) ?? w.last_heartbeat_at ?? null;
    return {
      id: w._id.toHexString(),
      name: w.name,
      labels: w.labels ?? {},
      version: w.version,
      concurrency: w.concurrency,
      state: w.revoked_at
        ? 'revoked'
        : !lastSeen || now.getTime() - lastSeen.getTime() > OFFLINE_AFTER_MS
          ? 'offline'
          : w.draining
            ? 'draining'
            : 'online',
      running: held.get(w._id.toHexString()) ?? 0,
      last_heartbeat_at: lastSeen?.toISOString() ?? null,
      created_at: w.created_at.toISOString(),
      revoked_at: w.revoked_at?.toISOString() ?? null,
    };
  });
}

/** Left on worker documents by versions before `worker_seen`; read only until the worker is next seen. */
interface Legacy {
  last_heartbeat_at?: Date | null;
}

export async function revokeWorker(principal: Principal, id: string, now = new Date()): Promise<void> {
  const workers = scoped(WorkerModel, principal);
  if (!(await workers.findById(id))) throw notFound('Worker');
  // In the document's turn, as setDraining's write (see there).
  await workerCopies.write('all', () =>
    inTurn(WorkerModel, id, () => workers.updateById(id, { $set: { revoked_at: now } })),
  );
}
