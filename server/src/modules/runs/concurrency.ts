import { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/errors.ts';
import { isLimited, limitsOf, type RunLimits } from './limits.ts';
import { noticePlaceFreed } from './queue-notices.ts';
import { PlaceModel, type PlaceDoc } from './place.model.ts';
import { QueueModel, setQueueFields } from './queue.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';

/**
 * A profile's `max_concurrent`, held across every worker and server process.
 *
 * Why no race lets it be exceeded: a limited run becomes `running` only after it inserted a
 * place document (profile, slot_no) with slot_no < max_concurrent, and the unique index on
 * (profile, slot_no) admits one document per key whatever the interleaving, on FerretDB as on
 * MongoDB (an insert is checked against the index; it is not a read-then-write). A place is
 * deleted only after its run's attempt is recorded as ended, so at any instant the running
 * runs of a profile are at most its places, which are at most max_concurrent. Two claimers of
 * the same run never both take a place: the claim document (run, epoch) is inserted first and
 * only its winner asks for a place. The one assumption (shared with claim release in the
 * reaper): a claimer finishes claiming within LEASE_MS, after which its place may be reaped.
 *
 * Each run carries the limit in force when its slot fired; after a profile is edited, runs of
 * both snapshots count the same places, each against its own limit.
 *
 * Preemption hands a place over as "record the victim's attempt, delete its place, insert the
 * preemptor's": another claimer may take the freed place in between, which never breaks the
 * limit (the preemptor then waits; the newcomer had a free place fair and square). A victim
 * on a worker is recorded at once but its command stops at the worker's next heartbeat (at
 * most HEARTBEAT_MS later); the in-process HTTP executor aborts at once.
 */

/** The words users see on a queued run that waits for a place. */
export function waitReason(
  l: { profile_id: Types.ObjectId; profile_name?: string | null; max_concurrent: number },
  taken: number,
) {
  const name = l.profile_name ? `'${l.profile_name}'` : l.profile_id.toHexString();
  return `waiting for a place: profile ${name} runs ${taken} of ${l.max_concurrent}`;
}

/**
 * The place a run of priority `priority` may take from `holders` by preemption: the
 * lowest-priority preemptible holder of strictly lower priority; among equals the one that
 * started last (it loses the least work). Null when none may be preempted.
 */
export function pickVictim(holders: PlaceDoc[], priority: number): PlaceDoc | null {
  let victim: PlaceDoc | null = null;
  for (const h of holders) {
    if (!h.preemptible || h.priority >= priority) continue;
    if (
      !victim ||
      h.priority < victim.priority ||
      (h.priority === victim.priority && h.taken_at.getTime() > victim.taken_at.getTime())
    ) {
      victim = h;
    }
  }
  return victim;
}

async function tryTake(run: RunDoc, l: RunLimits & { profile_id: Types.ObjectId }, slotNo: number, now: Date) {
  const place: PlaceDoc = {
    _id: new Types.ObjectId(),
    profile_id: l.profile_id,
    slot_no: slotNo,
    run_id: run._id,
    epoch: run.epoch,
    priority: l.priority,
    preemptible: l.allow_preemption,
    taken_at: now,
  };
  try {
    await PlaceModel.collection.insertOne(place);
    return place;
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

/**
 * Takes a place for `run` (which its caller has exclusively claimed) in its profile's limit.
 * When the limit is full and a lower-priority preemptible run holds a place, `preempt` stops
 * that run (recording its attempt before its place is released) and the place goes to `run`.
 * Returns the place, or null with the wait reason noted on the run's queue entry. Unlimited runs need none.
 */
export async function admit(
  run: RunDoc,
  now: Date,
  preempt: (victim: RunDoc) => Promise<boolean>,
): Promise<PlaceDoc | 'unlimited' | null> {
  const l = limitsOf(run);
  if (!isLimited(l)) return 'unlimited';
  const holders = await PlaceModel.find({ profile_id: l.profile_id }).lean<PlaceDoc[]>();
  const taken = new Set(holders.map((h) => h.slot_no));
  for (let slotNo = 0; slotNo < l.max_concurrent; slotNo++) {
    if (taken.has(slotNo)) continue;
    const place = await tryTake(run, l, slotNo, now);
    if (place) return place;
  }
  const victim = pickVictim(holders, l.priority);
  if (victim && victim.slot_no < l.max_concurrent) {
    const victimRun = await RunModel.findById(victim.run_id).lean<RunDoc>();
    // Only a victim still in the attempt that took the place; else it is ending on its own.
    if (victimRun && victimRun.status === 'running' && victimRun.epoch === victim.epoch && (await preempt(victimRun))) {
      const place = await tryTake(run, l, victim.slot_no, now);
      if (place) return place;
    }
  }
  const holding = await PlaceModel.countDocuments({ profile_id: l.profile_id });
  await noteWaiting(run._id, waitReason(l, holding));
  return null;
}

/**
 * Records why a queued run waits, on its queue entry only, when it changed. Never on the run:
 * the caller holds no claim, and on FerretDB (where an update is a read and a separate write of
 * the whole document) a write racing a claimer's would undo its lease. Reads join the entry's
 * reason into the run (withWaitReasons); a stale entry is repaired by the reaper.
 */
export async function noteWaiting(runId: Types.ObjectId, reason: string): Promise<void> {
  const entry = await QueueModel.findById(runId).select({ wait_reason: 1, status: 1 }).lean();
  if (!entry || entry.status !== 'queued' || entry.wait_reason === reason) return;
  await setQueueFields(runId, { wait_reason: reason });
}

/**
 * Gives back the place taken by the attempt `epoch` of the run, once that attempt is recorded
 * as ended (a crash before this leaves the place to reapPlaces). Unlimited runs never take one.
 */
export async function releasePlace(run: Pick<RunDoc, '_id' | 'tenant_id' | 'limits'>, epoch: number): Promise<void> {
  if (!isLimited(limitsOf(run))) return;
  await PlaceModel.deleteMany({ run_id: run._id, epoch });
  noticePlaceFreed(run.tenant_id);
}

/** Gives back one place by id (its claim fell through before the run started). */
export async function returnPlace(place: PlaceDoc): Promise<void> {
  await PlaceModel.deleteOne({ _id: place._id });
}

/**
 * Frees places whose run no longer runs the attempt that took them (its process crashed
 * between recording the end and releasing, or between taking the place and starting).
 * Places younger than `graceMs` are left alone: their claim may still be under way.
 */
export async function reapPlaces(now: Date, graceMs: number): Promise<number> {
  const old = await PlaceModel.find({ taken_at: { $lt: new Date(now.getTime() - graceMs) } }).lean<PlaceDoc[]>();
  let freed = 0;
  for (const p of old) {
    const run = await RunModel.findById(p.run_id).select({ status: 1, epoch: 1 }).lean<RunDoc>();
    const holds = run && (run.status === 'running' || run.status === 'leased') && run.epoch === p.epoch;
    if (!holds) freed += (await PlaceModel.deleteOne({ _id: p._id })).deletedCount;
  }
  return freed;
}

/** Places held per profile, to leave out of dispatch the runs that could not start anyway. */
export async function placesByProfile(): Promise<Map<string, PlaceDoc[]>> {
  const all = await PlaceModel.find({}).lean<PlaceDoc[]>();
  const by = new Map<string, PlaceDoc[]>();
  for (const p of all) {
    const k = p.profile_id.toHexString();
    by.set(k, [...(by.get(k) ?? []), p]);
  }
  return by;
}
