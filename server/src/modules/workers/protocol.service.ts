import type { LeasedRun, WorkerCompleteBody, WorkerHeartbeatBody } from '@crony/shared';
import { Types } from 'mongoose';
import { findById } from '../../db/by-ids.ts';
import { peekCopy, updateIf } from '../../db/update-if.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { claimRun, completeRun, giveBack, heartbeat, HEARTBEAT_MS, LEASE_MS, type Lease } from '../runs/lifecycle.ts';
import { appendLogs } from '../runs/logs.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { progressReported } from '../hooks/emit.ts';
import { onQueueNotice } from '../runs/queue-notices.ts';
import { LeaseCandidates, LOOK_MS } from './lease-candidates.ts';
import { WorkerModel, type WorkerDoc } from './worker.model.ts';
import { setDraining } from './workers.service.ts';

/** Most candidates one look tries to claim (all taken: it looks again after LOOK_MS). */
const TRIES_PER_LOOK = 5;

const candidates = new LeaseCandidates();
// The runs this process queues join the candidates at once and wake the requests waiting.
onQueueNotice((n) => candidates.notice(n));

/**
 * Lease requests in progress in this process, per worker id: a drain ends the worker's
 * requests waiting for work at once (they answer 204), so the worker need not abort them. An
 * aborted request could lose the answer of a claim already made, and that run would sit
 * leased until its lease lapsed.
 */
const waitingOf = new Map<string, Set<{ drained: boolean }>>();

export const ownerOf = (worker: WorkerDoc) => `worker:${worker._id.toHexString()}`;

/**
 * Long-poll for work: returns the first command run of the worker's tenant whose required
 * labels the worker carries, claimed under a lease, or null after `waitMs` without work.
 */
export async function leaseFor(worker: WorkerDoc, waitMs: number, gone: () => boolean): Promise<LeasedRun | null> {
  const deadline = Date.now() + waitMs;
  const request = { drained: worker.draining };
  const key = worker._id.toHexString();
  const mine = waitingOf.get(key) ?? new Set();
  waitingOf.set(key, mine.add(request));
  try {
    for (let round = 0; ; round++) {
      // A worker that went away takes nothing: the run would sit leased until its lease lapsed,
      // and that costs it an attempt. An announcement can wake a request right after its worker
      // died, before anything else would have noticed.
      if (request.drained || gone()) return null;
      // Revocation takes effect at once, also for a worker already waiting here; a drain sent to
      // another process is seen here within 8 rounds.
      if (round > 0 && round % 8 === 0) {
        const stored = await WorkerModel.findById(worker._id).select({ revoked_at: 1, draining: 1 }).lean<WorkerDoc>();
        if (!stored || stored.revoked_at) throw new AppError('unauthenticated', 'This worker was revoked');
        if (stored.draining) return null;
      }
      const run = await leaseOnce(worker, gone);
      if (run) return run;
      if (Date.now() >= deadline) return null; // a worker gone meanwhile is seen at the loop's top
      // A run queued by this process, or a place freed, wakes the request at once; other
      // processes' work shows when the list is read again (LIST_MS).
      await candidates.nextChance(worker.tenant_id, Math.min(LOOK_MS, Math.max(0, deadline - Date.now())));
    }
  } finally {
    mine.delete(request);
    if (mine.size === 0 && waitingOf.get(key) === mine) waitingOf.delete(key);
  }
}

/** Takes no new runs for the worker (shown as draining); its waiting lease requests end with none. */
export async function drainFor(worker: WorkerDoc): Promise<void> {
  await setDraining(worker);
  const mine = waitingOf.get(worker._id.toHexString());
  if (!mine) return;
  for (const request of mine) request.drained = true;
  candidates.interrupt(worker.tenant_id);
}

/** One look at the candidates: the first the worker may run and could claim, or null. */
async function leaseOnce(worker: WorkerDoc, gone: () => boolean): Promise<LeasedRun | null> {
  for (let tries = 0; tries < TRIES_PER_LOOK; tries++) {
    const id = await candidates.take(worker.tenant_id, worker.labels ?? {});
    if (!id) break;
    const claimed = await claimRun(id, ownerOf(worker)).finally(() => candidates.settled(id));
    if (!claimed) continue;
    const { run, lease } = claimed;
    if (run.target.type !== 'command') continue;
    // The request went away while the claim was made: nobody would run it, and its lease would
    // lapse only after LEASE_MS, costing it an attempt. Given back, it is claimable again at once.
    if (gone()) {
      await giveBack(run, lease);
      return null;
    }
    return {
      run_id: run._id.toHexString(),
      lease_id: lease.leaseId,
      epoch: lease.epoch,
      attempt: run.attempt,
      schedule_id: run.schedule_id.toHexString(),
      schedule_name: run.schedule_name,
      nominal_at: run.nominal_at.toISOString(),
      target: run.target,
      stdin: run.stdin ?? null,
      lease_ms: LEASE_MS,
      heartbeat_ms: HEARTBEAT_MS,
    };
  }
  return null;
}

/**
 * Tells a worker to stop the command. When the server itself ended the attempt (preemption,
 * a time limit) the code says so, so the worker can log why; the attempt is already recorded.
 */
function lost(run: RunDoc, leaseId: string): AppError {
  const ended = run.attempts.find((a) => a.lease_id === leaseId);
  if (ended?.status === 'preempted') {
    return new AppError(
      'run_preempted',
      'This run was preempted by a run of higher priority; stop the command. It runs again as its next attempt.',
    );
  }
  if (ended?.status === 'timed_out' && ended.error) {
    return new AppError('run_timed_out', `This run hit a time limit (${ended.error.code}); stop the command.`);
  }
  return new AppError(
    'conflict',
    'This lease is no longer yours: the run was cancelled, finished, or given to another worker after your heartbeats stopped. Stop the command.',
  );
}

/** Reads the run again to say why its lease is gone. */
const lostNow = async (runId: Types.ObjectId, leaseId: string) => {
  const run = await RunModel.findById(runId).lean<RunDoc>();
  return run ? lost(run, leaseId) : notFound('Run');
};

/**
 * The run, when it is the worker's tenant's. The copy its claim kept (claimRun) serves when
 * nothing has written the run since: a no-op command's result then reads nothing before its
 * write. A run's tenant never changes, and the lease checked here is checked again by the
 * guarded write that ends the attempt.
 */
async function ownRun(worker: WorkerDoc, runId: string): Promise<RunDoc> {
  if (!Types.ObjectId.isValid(runId)) throw notFound('Run');
  const id = new Types.ObjectId(runId);
  const run = peekCopy<RunDoc>(RunModel, id) ?? (await findById<RunDoc>(RunModel, id));
  // Another tenant's run is a 404, as everywhere.
  if (!run || !run.tenant_id.equals(worker.tenant_id)) throw notFound('Run');
  return run;
}

const leaseOf = (worker: WorkerDoc, run: RunDoc, ref: { lease_id: string; epoch: number }): Lease => ({
  runId: run._id,
  leaseId: ref.lease_id,
  epoch: ref.epoch,
  owner: ownerOf(worker),
});

/** Extends the lease and records progress and output; a 409 tells the worker to stop. */
export async function heartbeatFor(worker: WorkerDoc, runId: string, body: WorkerHeartbeatBody, now = new Date()) {
  const run = await ownRun(worker, runId);
  if (!(await heartbeat(leaseOf(worker, run, body), now))) throw await lostNow(run._id, body.lease_id);
  if (body.progress) await recordProgress(run, body.lease_id, body.progress, now);
  await appendLogs(run, body.output, now);
}

async function recordProgress(run: RunDoc, leaseId: string, p: { percent: number; message: string }, now: Date) {
  if (await updateIf(RunModel, run._id, { 'lease.id': leaseId }, { $set: { progress: { ...p, at: now } } })) {
    await progressReported(run, p, now);
  }
}

/** Records the attempt's outcome; retries follow the run's policy. A stale lease is a 409. */
export async function completeFor(worker: WorkerDoc, runId: string, body: WorkerCompleteBody, now = new Date()) {
  const run = await ownRun(worker, runId);
  if (run.lease?.id !== body.lease_id || run.epoch !== body.epoch) throw lost(run, body.lease_id);
  await appendLogs(run, body.output, now);
  if (body.progress) await recordProgress(run, body.lease_id, body.progress, now);
  const tail =
    body.output
      .map((o) => o.text)
      .join('')
      .slice(-2048) || null;
  const ok = await completeRun(
    leaseOf(worker, run, body),
    { status: body.status, http_status: null, exit_code: body.exit_code, response_excerpt: tail, error: body.error },
    now,
  );
  if (!ok) throw await lostNow(run._id, body.lease_id);
}
