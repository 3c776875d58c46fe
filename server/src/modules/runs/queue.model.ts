import { Schema, model, type Types } from 'mongoose';
import { limitsOf, stopAt, type RunLimits } from './limits.ts';
import { idOnlyFilters } from '../../db/engine.ts';
import { inTurn } from '../../db/update-if.ts';
import { batchedDelete, batchedInsert } from '../../db/write-batch.ts';
import { InFlightIndex, type InFlightEntry } from './in-flight.ts';

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
  /** The run's trigger: a command hook's run is not one of the schedule's active runs. Absent on older entries. */
  trigger?: 'schedule' | 'manual' | 'hook';
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
  /** Dispatch order (dispatch-order.ts): mirrors the run's limits and slot. */
  priority: number;
  deadline_at: Date | null;
  nominal_at: Date;
  /** Concurrency limit the run counts against (see concurrency.ts); null = none. */
  profile_id: Types.ObjectId | null;
  max_concurrent: number | null;
  profile_name: string | null;
  /** Why this queued run waits (profile full); kept only here, joined into the run on reads. */
  wait_reason: string | null;
  /** While running: when the attempt must be stopped, and which limit that is (realtime.ts). */
  stop_at: Date | null;
  stop_code: 'deadline_exceeded' | 'max_runtime_exceeded' | null;
}

const queueSchema = new Schema<QueueDoc>(
  {
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    trigger: { type: String, default: undefined },
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    labels: { type: Schema.Types.Mixed, default: {} },
    status: { type: String, enum: ['queued', 'running'], required: true },
    epoch: { type: Number, required: true },
    available_at: { type: Date, required: true },
    lease_expires_at: { type: Date, default: null },
    target_type: { type: String, required: true },
    priority: { type: Number, default: 100 },
    deadline_at: { type: Date, default: null },
    nominal_at: { type: Date, default: null },
    profile_id: { type: Schema.Types.ObjectId, default: null },
    max_concurrent: { type: Number, default: null },
    profile_name: { type: String, default: null },
    wait_reason: { type: String, default: null },
    stop_at: { type: Date, default: null },
    stop_code: { type: String, default: null },
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
  trigger: QueueDoc['trigger'];
  tenant_id: Types.ObjectId;
  epoch: number;
  available_at: Date;
  nominal_at: Date;
  target: { type: string; labels?: Record<string, string> };
  limits?: RunLimits | null;
}): QueueDoc {
  const l = limitsOf(run);
  return {
    _id: run._id,
    schedule_id: run.schedule_id,
    trigger: run.trigger,
    tenant_id: run.tenant_id,
    labels: run.target.labels ?? {},
    status: 'queued',
    epoch: run.epoch,
    available_at: run.available_at,
    lease_expires_at: null,
    target_type: run.target.type,
    priority: l.priority,
    deadline_at: l.deadline_at,
    nominal_at: run.nominal_at,
    profile_id: l.profile_id,
    max_concurrent: l.max_concurrent,
    profile_name: l.profile_name ?? null,
    wait_reason: null,
    stop_at: null,
    stop_code: null,
  };
}

/** A schedule's runs in flight: how many, and the latest slot among its scheduled ones (null: none). */
export interface InFlight {
  count: number;
  latestSlot: Date | null;
}

/**
 * Each schedule's active runs (queued or running), its command hooks' runs left out. The
 * queue holds exactly the runs in flight: on FerretDB as this process keeps it in memory
 * (in-flight.ts), elsewhere from one indexed read. Schedules with none are absent.
 */
export async function inFlightOf(scheduleIds: readonly Types.ObjectId[]): Promise<Map<string, InFlight>> {
  const found = new Map<string, InFlight>();
  if (scheduleIds.length === 0) return found;
  const entries = (await idOnlyFilters())
    ? await inFlightIndex.of(scheduleIds)
    : await QueueModel.find(
        scheduleIds.length === 1 ? { schedule_id: scheduleIds[0] } : { schedule_id: { $in: scheduleIds } },
      )
        .select(IN_FLIGHT_FIELDS)
        .lean<InFlightEntry[]>();
  for (const e of entries) {
    if (e.trigger === 'hook') continue;
    const key = e.schedule_id.toHexString();
    const f = found.get(key) ?? { count: 0, latestSlot: null };
    f.count++;
    if (e.trigger === 'schedule' && (!f.latestSlot || e.nominal_at > f.latestSlot)) f.latestSlot = e.nominal_at;
    found.set(key, f);
  }
  return found;
}

const IN_FLIGHT_FIELDS = { schedule_id: 1, trigger: 1, nominal_at: 1 } as const;
const inFlightIndex = new InFlightIndex(() => QueueModel.find({}).select(IN_FLIGHT_FIELDS).lean<InFlightEntry[]>());

/** Reads the run queue's entries for the lists now, where lists use them (FerretDB), rather than at the first list. */
export async function warmInFlight(): Promise<void> {
  if (await idOnlyFilters()) await inFlightIndex.warm();
}

/*
 * Every insert and delete of a queue entry goes through the three functions below, so that the
 * entries kept in memory (inFlightIndex) follow the database.
 */

/** Stores a run's queue entry, batched with the other inserts issued at once (write-batch.ts). */
export async function enqueue(entry: QueueDoc): Promise<void> {
  await batchedInsert(QueueModel, entry);
  const { _id, schedule_id, trigger, nominal_at } = entry;
  inFlightIndex.added({ _id, schedule_id, trigger, nominal_at }); // what a list needs, not the whole entry
}

/** Deletes a run's queue entry, batched with the other deletes issued at once. */
export async function dequeue(runId: Types.ObjectId): Promise<void> {
  await batchedDelete(QueueModel, runId);
  inFlightIndex.removed(runId);
}

/** Deletes the queue entries of a deleted schedule's runs. */
export async function dequeueSchedule(scheduleId: Types.ObjectId): Promise<void> {
  await QueueModel.deleteMany({ schedule_id: scheduleId });
  inFlightIndex.removedSchedule(scheduleId);
}

/**
 * Sets fields of a queue entry, in its turn (`inTurn`): FerretDB applies an update as a read
 * and a write of the whole entry, so two of this process's updates in flight at once could
 * undo each other (a heartbeat's lease expiry writing back a requeue's status).
 */
export async function setQueueFields(id: Types.ObjectId, fields: Partial<Omit<QueueDoc, '_id'>>): Promise<void> {
  await inTurn(QueueModel, id, () => QueueModel.updateOne({ _id: id }, { $set: fields }));
}

/** The queue fields a running attempt gets: when the sweep must stop it (realtime.ts). */
export function runningFields(limits: RunLimits, startedAt: Date) {
  const stop = stopAt(limits, startedAt);
  return { stop_at: stop?.at ?? null, stop_code: stop?.code ?? null, wait_reason: null };
}

/**
 * Fills in why each queued run waits, from its queue entry: that reason is kept only there
 * (see noteWaiting in concurrency.ts). One `_id` lookup for the whole page.
 */
export async function withWaitReasons<R extends { _id: Types.ObjectId; status: string; wait_reason?: string | null }>(
  runs: R[],
): Promise<R[]> {
  const queued = runs.filter((r) => r.status === 'queued').map((r) => r._id);
  if (queued.length === 0) return runs;
  const entries = await QueueModel.find({ _id: { $in: queued } })
    .select({ wait_reason: 1 })
    .lean<Pick<QueueDoc, '_id' | 'wait_reason'>[]>();
  const reasons = new Map(entries.map((e) => [e._id.toHexString(), e.wait_reason ?? null]));
  return runs.map((r) => (r.status === 'queued' ? { ...r, wait_reason: reasons.get(r._id.toHexString()) ?? null } : r));
}
