import { activeRunStatuses, type RunStatus } from '@crony/shared';
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { recordLastRun, type FiredSlot } from '../scheduler/schedule-state.model.ts';
import { ClaimModel, claimIdOf, type ClaimDoc } from './claim.model.ts';
import { admit, releasePlace, returnPlace } from './concurrency.ts';
import { dispatchable } from './dispatchable.ts';
import { isLimited, limitsOf } from './limits.ts';
import { nextAttemptAt } from './retry-rule.ts';
import { noticeQueued } from './queue-notices.ts';
import { dequeue, QueueModel, queueEntryFor, runningFields, setQueueFields, type QueueDoc } from './queue.model.ts';
import { signalStop, type StopCode } from './stop-signals.ts';
import { findById, findByIds } from '../../db/by-ids.ts';
import { isDuplicateKey } from '../../db/errors.ts';
import { dropCopy, inTurn, keepCopy, peekCopy, takeCopy, updateIf, updateIfJustRead } from '../../db/update-if.ts';
import { batchedInsert } from '../../db/write-batch.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { attemptEnded, runCancelled } from '../hooks/emit.ts';

/**
 * The life of a run after its slot fired: claimed under a lease, kept alive by heartbeats,
 * completed (or retried), requeued when its lease lapses, cancelled. Every report carries the
 * lease id and epoch; a report from an older attempt, or from an executor whose lease was
 * taken away, matches nothing and is refused.
 *
 * Nothing here relies on an update being atomic (FerretDB 1.x reads then writes): exclusive
 * claims come from the unique (run, epoch) index on run_claims; every later write is
 * conditional on the lease id and epoch, so a stale writer changes nothing.
 *
 * Two collections move together: the run ledger (the truth, touched by `_id` only) and the
 * queue of active runs (small, scanned). The ledger is written first and a queue entry is
 * removed only once its run is final, so a crash between the two leaves an entry that
 * disagrees with its run; `reapQueue` repairs such entries from the ledger.
 *
 * Scheduling limits live in their own modules: dispatch order (dispatch-order.ts), places in
 * a profile's concurrency limit and preemption (concurrency.ts), deadlines and runtime limits
 * (time-limits.ts). A limited run takes its place between claim and start, and every end of
 * an attempt gives it back after the ledger write.
 */

/** How long a lease lasts without a heartbeat, in ms. */
export const LEASE_MS = 15_000;
/** How often an executor renews its lease, in ms. */
export const HEARTBEAT_MS = 5_000;

export interface Lease {
  runId: Types.ObjectId;
  leaseId: string;
  epoch: number;
  owner: string;
}

export interface Outcome {
  /** `preempted` only from stopAttempt: the server, not the executor, ends such attempts. */
  status: 'succeeded' | 'failed' | 'timed_out' | 'preempted';
  http_status: number | null;
  /** Command targets: the exit code. */
  exit_code?: number | null;
  response_excerpt: string | null;
  error: { code: string; message: string } | null;
}

/** States in which an executor holds the run's lease. */
const LEASED: RunStatus[] = ['leased', 'running'];

/** Delay before attempt `attempt + 1`, after `attempt` failed. */
export function retryDelayMs(attempt: number, retry: RunDoc['retry']): number {
  const d = retry.initial_interval_ms * Math.pow(retry.backoff_coefficient, Math.max(0, attempt - 1));
  return Math.round(Math.min(d, retry.max_interval_ms));
}

/** Most queue entries one look for work reads; the queue holds only active runs. */
export const SCAN_BOUND = 500;

/**
 * Queued runs an executor may take now, in dispatch order (dispatch-order.ts), at most
 * SCAN_BOUND read: `http` runs for the server's own executor, or a tenant's `command` runs for
 * its workers (who pick those whose labels they carry, lease-candidates.ts). Runs that could not
 * start (their profile is full and nothing may be preempted) are left out, so they do not hide
 * startable work behind them.
 */
export async function claimableEntries(
  filter: { targetType: 'http' } | { targetType: 'command'; tenantId: Types.ObjectId },
  now = new Date(),
): Promise<QueueDoc[]> {
  const entries = await QueueModel.find({
    status: 'queued',
    available_at: { $lte: now },
    target_type: filter.targetType,
    ...(filter.targetType === 'command' ? { tenant_id: filter.tenantId } : {}),
  })
    // Within the bound the order is exact; past it, the highest priorities are still read first.
    .sort({ priority: -1, available_at: 1 })
    .limit(SCAN_BOUND)
    .lean<QueueDoc[]>();
  return dispatchable(entries, now);
}

/** The first `limit` queued `http` runs the server's executor may take now (claimableEntries). */
export async function claimable(limit: number, now = new Date()): Promise<Types.ObjectId[]> {
  return (await claimableEntries({ targetType: 'http' }, now)).slice(0, limit).map((e) => e._id);
}

/** Whether the schedule has a queued or running run (for concurrency policies). */
export async function activeRunsOf(scheduleId: Types.ObjectId): Promise<RunDoc[]> {
  const entries = await QueueModel.find({ schedule_id: scheduleId }).select({ _id: 1 }).lean<Pick<QueueDoc, '_id'>[]>();
  if (entries.length === 0) return [];
  const runs = await findByIds<RunDoc>(
    RunModel,
    entries.map((e) => e._id),
  );
  // A command hook's run is no overlap: concurrency policies concern the schedule's own runs.
  return runs.filter((r) => activeRunStatuses.includes(r.status) && r.trigger !== 'hook');
}

/**
 * Takes a queued run for `owner`; null when someone else has it, or it is not claimable.
 * Given the run's record as just written (a fresh firing), it is not read back first: the
 * guarded write that starts the attempt reads it anyway and refuses a run that moved on.
 * Given its id, the run is read once, in its turn (`inTurn`), and the claim written from that
 * read; the run as stored then is kept for the executor's report (`keepCopy`, completeRun), so
 * a worker's run costs no read between its claim and its result (there were four: two in the
 * claim, two in the result).
 */
export async function claimRun(
  runOrId: RunDoc | Types.ObjectId,
  owner: string,
  now = new Date(),
): Promise<{ run: RunDoc; lease: Lease } | null> {
  if (!(runOrId instanceof Types.ObjectId)) {
    return startClaimed(runOrId, owner, now, (guard, update) => updateIf(RunModel, runOrId._id, guard, update));
  }
  return inTurn(RunModel, runOrId, async () => {
    const run = await findById<RunDoc>(RunModel, runOrId);
    if (!run) return null;
    const claimed = await startClaimed(run, owner, now, (guard, update) =>
      updateIfJustRead(RunModel, run, guard, update),
    );
    if (claimed) keepCopy(RunModel, claimed.run);
    return claimed;
  });
}

/** claimRun's claim of `run` (as read or as written), whose attempt starts through `write`. */
async function startClaimed(
  run: RunDoc,
  owner: string,
  now: Date,
  write: GuardedWrite,
): Promise<{ run: RunDoc; lease: Lease } | null> {
  if (run.status !== 'queued' || run.available_at.getTime() > now.getTime()) return null;
  const limits = limitsOf(run);
  // Past its deadline it may no longer start; the time-limits sweep records it missed.
  if (limits.deadline_at && limits.deadline_at.getTime() <= now.getTime()) return null;
  const leaseId = randomUUID();
  const claimId = claimIdOf(run._id, run.epoch);
  try {
    await batchedInsert(ClaimModel, {
      _id: claimId,
      run_id: run._id,
      epoch: run.epoch,
      lease_id: leaseId,
      owner,
      claimed_at: now,
    });
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
  // Only the claim's winner asks for a place in its profile's concurrency limit (concurrency.ts).
  const place = await admit(run, now, (victim) => stopAttempt(victim, 'preempted', now));
  if (!place) {
    await ClaimModel.deleteOne({ _id: claimId }); // no place: the run stays queued, claimable later
    return null;
  }
  const start = attemptStart(run, leaseId, owner, now);
  // Stored form, as updateIfJustRead needs: the fields are plain values, and updated_at is set here.
  const fields = { ...start.fields, updated_at: now };
  const started = await write({ status: 'queued', epoch: run.epoch }, { $set: fields });
  // Cancelled between our read and our write: the claim stays, unused, and blocks nobody else.
  if (!started) {
    if (place !== 'unlimited') await returnPlace(place);
    return null;
  }
  await setQueueFields(run._id, start.queueFields);
  return { run: { ...run, ...fields }, lease: start.lease };
}

/**
 * What starting attempt `run.attempt` under a new lease writes: the run's fields, its queue
 * entry's, and the lease the executor reports with. Shared by a claim and by a run born running.
 */
function attemptStart(run: RunDoc, leaseId: string, owner: string, now: Date) {
  const expires = new Date(now.getTime() + LEASE_MS);
  const attempts = [
    ...run.attempts,
    {
      attempt: run.attempt,
      status: 'running' as const,
      started_at: now,
      finished_at: null,
      executor: owner,
      lease_id: leaseId,
      http_status: null,
      error: null,
    },
  ];
  return {
    fields: {
      status: 'running' as const,
      lease: { id: leaseId, epoch: run.epoch, owner, expires_at: expires },
      attempts,
      ...(run.started_at ? {} : { started_at: now, lateness_ms: now.getTime() - run.nominal_at.getTime() }),
    },
    queueFields: { status: 'running' as const, lease_expires_at: expires, ...runningFields(limitsOf(run), now) },
    lease: { runId: run._id, leaseId, epoch: run.epoch, owner },
  };
}

/** Whether a fresh run may start the moment it is recorded: due, before its deadline, under no concurrency limit. */
export function mayBeBornRunning(run: RunDoc, now: Date): boolean {
  const l = limitsOf(run);
  return (
    run.status === 'queued' &&
    run.available_at.getTime() <= now.getTime() &&
    !(l.deadline_at && l.deadline_at.getTime() <= now.getTime()) &&
    !isLimited(l)
  );
}

/**
 * A fresh run, not yet inserted, as it is recorded when an executor in the firing process has a
 * free slot for it: already running under that executor's lease, with its queue entry. It skips
 * the claim (a run never queued cannot be claimed by anyone else, and its epoch moves on with
 * any retry, which is claimed as usual), and so three writes and a read per run, and the wait
 * between being queued and being claimed. Only for runs that need no place in a concurrency
 * limit: `admit` decides those, under its claim.
 */
export function bornRunning(run: RunDoc, owner: string, now: Date): { run: RunDoc; entry: QueueDoc; lease: Lease } {
  if (!mayBeBornRunning(run, now)) throw new Error('this run must be queued and claimed');
  const start = attemptStart(run, randomUUID(), owner, now);
  return {
    run: { ...run, ...start.fields },
    entry: { ...queueEntryFor(run), ...start.queueFields },
    lease: start.lease,
  };
}

/**
 * Whether a run recorded running under `lease` before its start (a slot recorded ahead,
 * ticker.ts) is still as recorded: no write since, such as a cancel, a preemption or a time
 * limit. Without a write of this process since, the copy kept when it was recorded says so
 * without a read.
 */
export async function stillUnstarted(lease: Lease): Promise<boolean> {
  const run =
    peekCopy<RunDoc>(RunModel, lease.runId) ??
    (await findById<RunDoc>(RunModel, lease.runId, { status: 1, epoch: 1, lease: 1 }));
  return !!run && run.status === 'running' && run.epoch === lease.epoch && run.lease?.id === lease.leaseId;
}

/**
 * Takes back a run recorded ahead of its slot that never started, as if the slot had not been
 * fired: its run and then its queue entry are deleted (an entry left by a crash in between is
 * the reaper's to drop), so the slot fires again as the schedule now stands. Not when anything
 * wrote the run since it was recorded (a cancel): what that wrote stays. True when withdrawn.
 */
export async function withdrawUnstarted(lease: Lease): Promise<boolean> {
  dropCopy(RunModel, lease.runId);
  const gone = await inTurn(RunModel, lease.runId, () =>
    RunModel.deleteOne({ _id: lease.runId, status: 'running', epoch: lease.epoch, 'lease.id': lease.leaseId }),
  );
  if (gone.deletedCount !== 1) return false;
  await dequeue(lease.runId);
  return true;
}

/**
 * Undoes a claim whose executor never received the run (a worker's lease request that went
 * away while the claim was made): the run is queued again at a new epoch, without the attempt
 * entry, which never started, and without a start time if this claim set it. Its attempt is not
 * used up, and it can be claimed again at once instead of waiting for its lease to lapse. Not
 * when anything wrote the run since the claim (a cancel): what that wrote stays. True when given back.
 */
export async function giveBack(run: RunDoc, lease: Lease, now = new Date()): Promise<boolean> {
  const attempts = run.attempts.filter((a) => a.lease_id !== lease.leaseId);
  // A run's start time is its first attempt's: with no attempt before, this claim set it.
  const firstStart = attempts.length === 0;
  const ok = await updateIf(
    RunModel,
    run._id,
    { 'lease.id': lease.leaseId, epoch: lease.epoch, status: 'running' },
    {
      $set: {
        status: 'queued',
        epoch: run.epoch + 1,
        lease: null,
        attempts,
        ...(firstStart ? { started_at: null, lateness_ms: null } : {}),
        updated_at: now,
      },
    },
  );
  if (!ok) return false;
  await queuedAgain(run, run.available_at);
  return true;
}

/** Extends the lease; false when it is no longer ours (requeued, cancelled, finished). */
export async function heartbeat(lease: Lease, now = new Date()): Promise<boolean> {
  const expires = new Date(now.getTime() + LEASE_MS);
  const ours = await updateIf(
    RunModel,
    lease.runId,
    { 'lease.id': lease.leaseId, epoch: lease.epoch, status: { $in: LEASED } },
    { $set: { 'lease.expires_at': expires } },
  );
  if (!ours) return false;
  await setQueueFields(lease.runId, { lease_expires_at: expires });
  return true;
}

/**
 * Records the attempt's outcome. A failure with attempts left requeues the run as the next
 * attempt after its backoff; otherwise the run ends. False when the lease is stale. The read
 * and the write that ends the attempt go in the run's turn (`inTurn`): a heartbeat or a cancel
 * of this process cannot come in between. A run born running in this process and written by
 * nothing here since is not read at all: the copy kept when it was recorded is the run as
 * stored (`keepCopy`), one read fewer for most runs.
 */
export async function completeRun(lease: Lease, outcome: Outcome, now = new Date()): Promise<boolean> {
  const ended = await inTurn(RunModel, lease.runId, async () => {
    const run = takeCopy<RunDoc>(RunModel, lease.runId) ?? (await findById<RunDoc>(RunModel, lease.runId));
    if (!run || run.lease?.id !== lease.leaseId || run.epoch !== lease.epoch || !LEASED.includes(run.status)) {
      return null;
    }
    const end = await writeAttemptEnd(run, outcome, now, (guard, update) =>
      updateIfJustRead(RunModel, run, guard, update),
    );
    return end ? { run, end } : null;
  });
  if (!ended) return false;
  await afterAttemptEnd(ended.run, outcome, ended.end, now);
  return true;
}

/** Ends the attempt `run` is on; false when it already ended. */
async function finishAttempt(run: RunDoc, outcome: Outcome, now: Date): Promise<boolean> {
  const end = await writeAttemptEnd(run, outcome, now, (guard, update) => updateIf(RunModel, run._id, guard, update));
  if (!end) return false;
  await afterAttemptEnd(run, outcome, end, now);
  return true;
}

type GuardedWrite = (guard: Record<string, unknown>, update: { $set: Record<string, unknown> }) => Promise<boolean>;
/** How an attempt ended: its run requeued as the next attempt (from `requeuedAt`), or ended (null). */
type AttemptEnd = { requeuedAt: Date | null };

/**
 * The guarded write that ends the attempt `run` is on, through `write`; null when the attempt
 * had already ended.
 */
async function writeAttemptEnd(
  run: RunDoc,
  outcome: Outcome,
  now: Date,
  write: GuardedWrite,
): Promise<AttemptEnd | null> {
  // Values in their stored form, field for field as the schema has them: completeRun's write
  // goes through the driver uncast (updateIfJustRead).
  const error = outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null;
  const httpStatus = outcome.http_status ?? null;
  const attempts = run.attempts.map((a) =>
    a.attempt === run.attempt ? { ...a, status: outcome.status, finished_at: now, http_status: httpStatus, error } : a,
  );
  const availableAt = nextAttemptAt(run, outcome, now, retryDelayMs(run.attempt, run.retry));
  const guard = { 'lease.id': run.lease?.id, epoch: run.epoch, status: { $in: LEASED } };
  const common = {
    attempts,
    lease: null,
    exit_code: outcome.exit_code ?? null,
    http_status: httpStatus,
    response_excerpt: outcome.response_excerpt ?? null,
    error,
    updated_at: now,
  };
  if (availableAt) {
    const requeued = await write(guard, {
      $set: { ...common, status: 'queued', attempt: run.attempt + 1, epoch: run.epoch + 1, available_at: availableAt },
    });
    return requeued ? { requeuedAt: availableAt } : null;
  }
  const ended = await write(guard, {
    $set: {
      ...common,
      status: outcome.status,
      finished_at: now,
      duration_ms: run.started_at ? now.getTime() - run.started_at.getTime() : null,
    },
  });
  return ended ? { requeuedAt: null } : null;
}

/**
 * What follows a run's write back to `queued` at its next epoch, from `availableAt`: its queue
 * entry follows, its concurrency place is freed, and the lease requests of this process hear of it.
 */
async function queuedAgain(run: RunDoc, availableAt: Date): Promise<void> {
  await setQueueFields(run._id, {
    status: 'queued',
    epoch: run.epoch + 1,
    available_at: availableAt,
    lease_expires_at: null,
    stop_at: null,
    stop_code: null,
  });
  await releasePlace(run, run.epoch);
  noticeQueued(queueEntryFor({ ...run, epoch: run.epoch + 1, available_at: availableAt }));
}

/** What follows an attempt's end: its queue entry, its place, the counters and the hooks. */
async function afterAttemptEnd(run: RunDoc, outcome: Outcome, { requeuedAt }: AttemptEnd, now: Date): Promise<void> {
  if (requeuedAt) {
    await queuedAgain(run, requeuedAt);
    await attemptEnded(run, outcome, false, now);
    return;
  }
  await recordOutcome(run, outcome.status, now);
  await dequeue(run._id);
  await releasePlace(run, run.epoch);
  await attemptEnded(run, outcome, true, now);
}

/**
 * Ends a running attempt the server decided to stop: `preempted` (requeued at once as the
 * next attempt, which costs none of max_attempts) or over a time limit (`timed_out`, with the
 * limit as error code). Its executor learns at once in this process, else from its next
 * heartbeat. False when the attempt already ended.
 */
export async function stopAttempt(run: RunDoc, code: StopCode, now = new Date()): Promise<boolean> {
  if (!LEASED.includes(run.status)) return false;
  const l = limitsOf(run);
  const message = {
    preempted: 'stopped to make room for a run of higher priority; it runs again as its next attempt',
    deadline_exceeded: `still running at its deadline (${l.deadline_at?.toISOString()})`,
    max_runtime_exceeded: `ran longer than its maximum runtime of ${l.max_runtime_ms} ms`,
  }[code];
  const stopped = await finishAttempt(
    run,
    {
      status: code === 'preempted' ? 'preempted' : 'timed_out',
      http_status: null,
      response_excerpt: null,
      error: { code, message },
    },
    now,
  );
  if (stopped) signalStop(run._id.toHexString(), run.epoch, code);
  return stopped;
}

/**
 * Walks the queue for entries that need attention and returns what it did:
 * - `requeued`: runs whose executor stopped heartbeating (killed, partitioned) are requeued as
 *   their next attempt; a lapsed last attempt fails the run;
 * - `released`: runs whose claimer died between claiming and starting move to a new epoch (no
 *   attempt is used up: they never started) so they can be claimed again;
 * - `repaired`: entries that disagree with their run (a crash between the two writes) are
 *   brought in line with the ledger.
 */
export async function reapQueue(now = new Date()): Promise<{ requeued: number; released: number; repaired: number }> {
  const stale = new Date(now.getTime() - LEASE_MS);
  const entries = await QueueModel.find({
    $or: [
      { status: 'running', lease_expires_at: { $lt: now } },
      { status: 'queued', available_at: { $lt: stale } },
    ],
  })
    .limit(500)
    .lean<QueueDoc[]>();
  const out = { requeued: 0, released: 0, repaired: 0 };
  if (entries.length === 0) return out;
  for (const entry of entries) {
    const run = await findById<RunDoc>(RunModel, entry._id);
    if (!run || !activeRunStatuses.includes(run.status)) {
      await dequeue(entry._id); // the run ended (or is gone): drop the leftover entry
      out.repaired++;
    } else if (LEASED.includes(run.status) && run.lease && run.lease.expires_at < now) {
      const lapsed = {
        status: 'failed' as const,
        http_status: null,
        response_excerpt: null,
        error: {
          code: 'lease_expired',
          message: `executor ${run.lease.owner} stopped heartbeating; the attempt was abandoned`,
        },
      };
      if (await finishAttempt(run, lapsed, now)) out.requeued++;
    } else if (run.status === 'queued' && (await claimedBefore(run, stale))) {
      if (
        await updateIf(RunModel, run._id, { status: 'queued', epoch: run.epoch }, { $set: { epoch: run.epoch + 1 } })
      ) {
        await setQueueFields(run._id, { epoch: run.epoch + 1 });
        noticeQueued({ ...entry, epoch: run.epoch + 1 });
        out.released++;
      }
    } else if (entry.status !== (run.status === 'queued' ? 'queued' : 'running') || entry.epoch !== run.epoch) {
      await setQueueFields(run._id, {
        status: run.status === 'queued' ? 'queued' : 'running',
        epoch: run.epoch,
        available_at: run.available_at,
        lease_expires_at: run.lease?.expires_at ?? null,
        ...(run.status === 'queued'
          ? { stop_at: null, stop_code: null }
          : runningFields(limitsOf(run), run.attempts.at(-1)?.started_at ?? now)),
      });
      out.repaired++;
    }
  }
  return out;
}

/** Whether the run's current epoch was claimed before `stale`: its claimer died between claim and start. */
async function claimedBefore(run: RunDoc, stale: Date): Promise<boolean> {
  const claim = await ClaimModel.findById(claimIdOf(run._id, run.epoch)).lean<ClaimDoc>();
  return claim !== null && claim.claimed_at < stale;
}

/**
 * Cancels a queued or running run at once; its executor learns on its next heartbeat (or at
 * once, in-process) and stops. A cancelled run is never retried. False when already final.
 */
export async function cancelRun(run: RunDoc, reason: 'user' | 'replaced', now = new Date()): Promise<boolean> {
  if (!activeRunStatuses.includes(run.status)) return false;
  const attempts = run.attempts.map((a) =>
    a.attempt === run.attempt && a.status === 'running' ? { ...a, status: 'cancelled' as const, finished_at: now } : a,
  );
  const cancelled = await updateIf(
    RunModel,
    run._id,
    { status: run.status, epoch: run.epoch },
    {
      $set: {
        status: 'cancelled',
        reason,
        lease: null,
        attempts,
        cancel_requested_at: now,
        finished_at: now,
        // A run recorded ahead of its slot (ticker.ts) can be cancelled before its start.
        duration_ms: run.started_at ? Math.max(0, now.getTime() - run.started_at.getTime()) : null,
      },
    },
  );
  if (!cancelled) return false;
  await recordOutcome(run, 'cancelled', now);
  await dequeue(run._id);
  await releasePlace(run, run.epoch);
  await runCancelled(run, now);
  return true;
}

/**
 * Counts the final outcome on the schedule's state (with the missed slots the run carries,
 * RunDoc.missed_before) and moves its last_run forward, and for a scheduled run its `fired`
 * (how far firing got), all in one write.
 */
export async function recordOutcome(run: RunDoc, status: RunStatus, now: Date): Promise<void> {
  if (run.trigger === 'hook') return; // a command hook's run is not one of the schedule's runs
  const inc: Record<string, number> = { [`stats.${status}`]: 1 };
  if (run.missed_before) inc['stats.missed'] = (inc['stats.missed'] ?? 0) + run.missed_before;
  await recordLastRun(
    run.schedule_id,
    { id: run._id, status, nominal_at: run.nominal_at, finished_at: now },
    inc,
    firedBy(run),
  );
}

/** The `fired` a scheduled run records when it ends; none for manual runs and older records. */
export function firedBy(run: Pick<RunDoc, 'trigger' | 'nominal_at' | 'next_slot_at'>): FiredSlot | undefined {
  if (run.trigger !== 'schedule' || run.next_slot_at === undefined) return undefined;
  return { slot: run.nominal_at, next: run.next_slot_at };
}
