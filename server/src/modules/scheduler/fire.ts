import { Types } from 'mongoose';
import { activeRunsOf, bornRunning, cancelRun, firedBy, mayBeBornRunning, type Lease } from '../runs/lifecycle.ts';
import { newRun } from '../runs/new-run.ts';
import { noticeQueued } from '../runs/queue-notices.ts';
import { dequeue, enqueue, queueEntryFor, type QueueDoc } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { SettingsLookup } from '../profiles/lookup.ts';
import { runLimitsFor, runScheduleFor } from '../profiles/run-limits.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { MISFIRE_GRACE_MS, planSlots, type Decision } from './plan.ts';
import {
  FIRED_FIELDS,
  nextSlotOf,
  recordLastRun,
  ScheduleStateModel,
  type ScheduleStateDoc,
} from './schedule-state.model.ts';
import type { Due } from './due-index.ts';
import { scheduleCache } from './schedule-cache.ts';
import { slotsBetween } from './slots.ts';
import { compiledOf, whenOf } from './when.ts';
import { findById } from '../../db/by-ids.ts';
import { isDuplicateKey } from '../../db/errors.ts';
import { dropCopy, keepCopy } from '../../db/update-if.ts';
import { batchedInsert } from '../../db/write-batch.ts';
import { runsMissed } from '../hooks/emit.ts';

/** Most slots one firing records; a longer backlog is worked off by the following ticks. */
export const MAX_SLOTS_PER_FIRING = 1000;

/**
 * Fires every due slot of the schedule: each slot gets exactly one ledger record, queued or
 * `missed` with its reason (misfire and concurrency policies decide). The ledger's unique
 * (schedule, slot) index decides who recorded a slot, so two schedulers firing at once cannot
 * duplicate one. Nothing else is written: the caller keeps the next slot (`Fired.next`), and
 * each run records how far firing got when it ends (`fired` in schedule-state.model.ts), so a
 * scheduler that takes over after a crash starts from there and the ledger refuses what was
 * recorded since. Returns the queued runs this call created, for the executor. `ctx` caches the
 * groups and profiles read; the ticker shares one per tick.
 */
export async function fireDue(due: Due, now: Date, ctx = new SettingsLookup()): Promise<Types.ObjectId[]> {
  return (await fire(due, now, ctx)).queued.map((r) => r._id);
}

/**
 * An executor in the firing process that takes fresh runs at once (the server's HTTP
 * dispatcher). A run it reserves is recorded already running under its lease (bornRunning):
 * no claim, and no wait in the queue.
 */
export interface ImmediateExecutor {
  /**
   * This executor's owner name once it has a free slot for `run` (a run that may start now, of
   * a kind it executes), which it may wait a little for unless `wait` is false; null leaves it
   * queued.
   */
  reserve(run: RunDoc, wait?: boolean): Promise<string | null>;
  /** The reserved run was recorded: execute it under `lease`. */
  startRecorded(run: RunDoc, lease: Lease): void;
  /** The reserved run was not recorded (another scheduler had recorded its slot): free the slot. */
  release(): void;
}

/** How a firing is done: see `fire`. */
export interface FireOptions {
  /** How long the slot waited for its turn in this scheduler, in ms. */
  waitedMs?: number;
  /** Takes runs at once; without one (or when it is full) runs are queued for claiming. */
  executor?: ImmediateExecutor;
  /**
   * Records the slot before its instant (it is after `now`), as a run already running under
   * `executor`, which starts it at the slot (`mayFireAhead` says which schedules may be; see
   * ticker.ts). Nothing is recorded unless the executor has a free slot for it at once.
   */
  ahead?: boolean;
}

/** What a firing did: the queued runs it created, and the slot after those it fired. */
export interface Fired {
  /** Runs recorded queued, to be claimed (runs the executor took at once are not among them). */
  queued: RunDoc[];
  /**
   * The schedule's next slot after this firing (null: none, or paused or deleted); undefined
   * when nothing was due, or nothing was recorded ahead.
   */
  next?: Date | null;
}

/**
 * Whether a schedule's slots may be recorded ahead of their instant (FireOptions.ahead): its
 * runs go to the server's HTTP executor, and no policy looks at the runs active at the slot
 * (forbid and replace must see those as they are at the slot's instant).
 */
export function mayFireAhead(s: Pick<ScheduleDoc, 'target' | 'concurrency_policy'>): boolean {
  return s.target.type === 'http' && s.concurrency_policy === 'allow';
}

/**
 * fireDue, returning the queued runs whole (the executor claims them without reading them back).
 * `entry.next_run_at` is the slot the caller holds as next, which may be stale (another process
 * fired it): then the ledger refuses the records, and `next` is still the slot after them.
 * `waitedMs`: how long the slot waited for its turn in this scheduler (the ticker fires a
 * bounded number at once). That wait extends the misfire grace: the scheduler was up and held
 * the slot, so a burst it works through is not an outage, and `skip` must not drop its tail.
 * `executor`: runs it reserves are recorded running and handed to it as soon as they are
 * recorded.
 */
export async function fire(
  entry: Due,
  now: Date,
  ctx = new SettingsLookup(),
  { waitedMs = 0, executor, ahead = false }: FireOptions = {},
): Promise<Fired> {
  const first = entry.next_run_at;
  if (!first) return { queued: [] };
  if (ahead ? first.getTime() <= now.getTime() : first.getTime() > now.getTime()) return { queued: [] };
  const current = await scheduleCache.get(entry._id);
  if (ahead && !(current && executor && mayFireAhead(current))) return { queued: [] };
  const group = current ? await ctx.freshGroup(current.tenant_id, current.group_id ?? null) : null;
  // Deleted, paused, or in a paused group: nothing to fire until a resume sets the next slot
  // (from then) and leaves a change note.
  if (!current || current.paused || group?.paused) return ahead ? { queued: [] } : { queued: [], next: null };

  // Ahead, the one slot `first`; it needs a slot after it, which the ticker checks it against
  // at the instant (a schedule with none, or paused since, has no entry in the due index).
  const { slots: due, next } = dueSlots(current, first, ahead ? first : now);
  if (ahead && !next) return { queued: [] };
  // The profile reads the run records need overlap with the active-run read: a slow firing
  // widens the window in which a pause and the firing race for the same slot.
  const warming = ctx.effective(current, now).catch(() => undefined); // errors surface in record()
  // Only forbid and replace look at runs still active; under allow, every slot runs regardless
  // (and the read scans the run queue, which is long exactly when many slots fall due at once).
  const needActive = current.concurrency_policy !== 'allow';
  const [active] = await Promise.all([needActive ? activeRunsOf(current._id) : Promise.resolve([]), warming]);
  // `first` may be stale (another process fired from a later cursor: due-index.ts). An active
  // run of a slot means every slot up to it was recorded, as firing records all due slots in
  // order; those are left out, so that replace never cancels a run of a slot at or after its own.
  const latest = Math.max(
    Number.NEGATIVE_INFINITY,
    ...active.filter((r) => r.trigger === 'schedule').map((r) => r.nominal_at.getTime()),
  );
  const slots = due.filter((t) => t.getTime() > latest);
  if (slots.length === 0) return { queued: [], next };
  const plan = planSlots({
    slots,
    now,
    misfirePolicy: current.misfire_policy,
    catchupWindowMs: current.catchup_window_ms,
    concurrencyPolicy: current.concurrency_policy,
    activeRun: active.length > 0,
    graceMs: MISFIRE_GRACE_MS + waitedMs,
  });
  if (ahead && plan.decisions.some((d) => d.action !== 'run')) return { queued: [] };
  if (plan.cancelActive) for (const run of active) await cancelRun(run, 'replaced', now);

  const recorded = await record(current, plan.decisions, next, now, ctx, executor, ahead ? first : undefined);
  if (!recorded) return { queued: [] };
  return { queued: recorded, next };
}

/**
 * Before a schedule is paused, the slots that were already due but not yet fired (the
 * scheduler was behind) are recorded as `missed` with reason `paused`, so pausing never makes
 * a past slot vanish. Slots after the pause are not recorded: the paused period is not replayed.
 */
export async function recordDueAsPaused(s: ScheduleDoc, now: Date, ctx = new SettingsLookup()): Promise<void> {
  const state = await findById<ScheduleStateDoc>(ScheduleStateModel, s._id, FIRED_FIELDS);
  // From how far firing got by the stored record: slots fired since that are still in flight
  // are refused by the ledger, not recorded twice.
  const first = nextSlotOf(s, state);
  if (!first || first.getTime() > now.getTime()) return;
  const { slots, next } = dueSlots(s, first, now);
  await record(
    s,
    slots.map((slot) => ({ slot, action: 'missed', reason: 'paused' }) as const),
    next,
    now,
    ctx,
  );
}

/** `first` and the slots after it up to `now`, at most MAX_SLOTS_PER_FIRING; and the slot after those. */
function dueSlots(s: ScheduleDoc, first: Date, now: Date): { slots: Date[]; next: Date | null } {
  const slots = [first, ...slotsBetween(whenOf(s), s.timezone, first, now, MAX_SLOTS_PER_FIRING - 1)];
  return { slots, next: compiledOf(s).nextAfter(slots[slots.length - 1]!) };
}

type Fate = Decision | { slot: Date; action: 'missed'; reason: 'paused' };

/**
 * Writes one ledger record per decision (queue entries and missed records first, then the runs);
 * returns the new queued runs.
 * Each run carries the slot after its own (`next` after the last), which it records in the
 * schedule's `fired` when it ends. Slots recorded missed count and move `fired` at once, in the
 * one write of `last_run`, unless the latest slot's run is one the executor starts now: that run
 * counts them when it ends (`missed_before`), in the write of the state its end makes anyway.
 * Runs `executor` reserves are recorded running and handed to it once recorded. With
 * `startsAt` (a slot recorded ahead), they start then, and unless the executor reserves every
 * run at once nothing is recorded (null).
 *
 * Why the exception: a scheduler catching up (after a restart, or behind at 100,000 schedules)
 * records a missed slot beside a run in many firings, and a write of the state per firing was a
 * quarter of the database's updates then (measured). The executor ends such a run within its
 * target's timeout (unless it fails and is retried), so the counters lag by that long; `fired`
 * lags as it does for any run in flight (a takeover fires those slots again and the ledger
 * refuses them).
 */
async function record(
  s: ScheduleDoc,
  decisions: readonly Fate[],
  next: Date | null,
  now: Date,
  ctx: SettingsLookup,
  executor?: ImmediateExecutor,
  startsAt?: Date,
): Promise<RunDoc[] | null> {
  const runSchedule = await runScheduleFor(s, ctx);
  const docs = await Promise.all(
    decisions.map(async (d, i) =>
      newRun(
        runSchedule,
        {
          key: d.slot.toISOString(),
          nominalAt: d.slot,
          trigger: 'schedule',
          nextSlotAt: decisions[i + 1]?.slot ?? next,
        },
        d.action === 'run' ? { status: 'queued' } : { status: 'missed', reason: d.reason },
        now,
        await runLimitsFor(s, d.slot, ctx),
      ),
    ),
  );
  const started = new Map<string, { run: RunDoc; lease: Lease }>();
  const entries: QueueDoc[] = [];
  // A firing of many slots (a catch-up) waits for a slot once at most: once a run found none,
  // the firing's other runs are queued at once. Ahead of its instant, a run does not wait.
  let wait = !startsAt;
  for (const [i, d] of docs.entries()) {
    if (d.status !== 'queued') continue;
    const asked = performance.now();
    let owner = executor && mayBeBornRunning(d, startsAt ?? now) ? await executor.reserve(d, wait) : null;
    if (!owner) wait = false;
    // It starts when its slot was free, not when the firing began: its deadline may have passed.
    const startAt = startsAt ?? new Date(now.getTime() + Math.round(performance.now() - asked));
    if (owner && !mayBeBornRunning(d, startAt)) {
      executor!.release();
      owner = null;
    }
    if (!owner) {
      entries.push(queueEntryFor(d));
      continue;
    }
    const born = bornRunning(d, owner, startAt);
    keepCopy(RunModel, born.run); // its executor writes the outcome from this copy (completeRun)
    docs[i] = born.run;
    entries.push(born.entry);
    started.set(d._id.toHexString(), born);
  }
  if (startsAt && entries.length > started.size) {
    for (const { run } of started.values()) {
      dropCopy(RunModel, run._id);
      executor!.release();
    }
    return null; // the executor is busy: the slot fires at its instant, as any other
  }
  const carrier = carrierOf(docs, started);
  let inserted = new Set<string>();
  try {
    // Missed records go in beside the queue entries (they have none), the runs after both: a
    // carrier carries how many missed slots this firing recorded (another scheduler may have
    // recorded some, and counts those), so that each is counted once.
    const [, missedIn] = await Promise.all([
      Promise.all(entries.map((e) => enqueue(e))),
      insertNew(docs.filter((d) => d.status === 'missed')),
    ]);
    if (carrier && missedIn.size > 0) carrier.missed_before = missedIn.size;
    inserted = new Set([...missedIn, ...(await insertNew(docs.filter((d) => d.status !== 'missed')))]);
  } finally {
    // Every reservation ends here: a recorded run is executed, the others free their slot.
    for (const [id, { run, lease }] of started) {
      if (inserted.has(id)) executor!.startRecorded(run, lease);
      else {
        dropCopy(RunModel, run._id);
        executor!.release();
      }
    }
  }
  const lost = entries.filter((e) => !inserted.has(e._id.toHexString())).map((e) => e._id);
  await Promise.all(lost.map((id) => dequeue(id))); // someone else recorded those slots
  // noticeQueued passes on only the command runs recorded queued (not those born running).
  for (const e of entries) if (inserted.has(e._id.toHexString())) noticeQueued(e);
  const queued = docs.filter((d) => d.status === 'queued');

  const missed = docs.filter((d) => d.status === 'missed' && inserted.has(d._id.toHexString()));
  await runsMissed(s, missed, now);
  const lastMissed = missed[missed.length - 1];
  if (lastMissed && !(carrier && inserted.has(carrier._id.toHexString()))) {
    await recordLastRun(
      s._id,
      { id: lastMissed._id, status: 'missed', nominal_at: lastMissed.nominal_at, finished_at: now },
      { 'stats.missed': missed.length },
      firedBy(lastMissed),
    );
  }
  return queued.filter((d) => inserted.has(d._id.toHexString()));
}

/**
 * The run of the firing's latest slot when the executor starts it now and slots before it were
 * recorded missed: it counts them when it ends (see record).
 */
function carrierOf(docs: readonly RunDoc[], started: ReadonlyMap<string, unknown>): RunDoc | undefined {
  const last = docs[docs.length - 1];
  if (!last || !started.has(last._id.toHexString())) return undefined;
  return docs.some((d) => d.status === 'missed') ? last : undefined;
}

/**
 * Inserts what is new; slots someone else already recorded are skipped (duplicate key). The
 * inserts ride in one batch with those of the other schedules firing at the same moment.
 */
async function insertNew(docs: RunDoc[]): Promise<Set<string>> {
  const ids = new Set(docs.map((d) => d._id.toHexString()));
  const results = await Promise.allSettled(docs.map((d) => batchedInsert(RunModel, d)));
  const refused = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ doc: docs[i]!, err: r.reason as unknown }] : [],
  );
  const other = refused.find((f) => !isDuplicateKey(f.err));
  if (other) throw other.err;
  for (const f of refused) ids.delete(f.doc._id.toHexString());
  return ids;
}

/**
 * A run started by a person now, outside the schedule's slots and policies (a paused schedule
 * or group may still be run by hand). Its deadline counts from now. `retryOf` makes it the
 * retry of an earlier run.
 */
export async function fireManual(
  s: ScheduleDoc,
  now: Date,
  opts: { retryOf?: Types.ObjectId; ctx?: SettingsLookup } = {},
): Promise<RunDoc> {
  const { retryOf, ctx = new SettingsLookup() } = opts;
  // A retry's slot key names the run it retries, so the ledger's unique (schedule, slot) index
  // allows one retry per run: a double click or two consoles retrying at once make one run.
  const key = retryOf ? `retry:${retryOf.toHexString()}` : `manual:${new Types.ObjectId().toHexString()}`;
  const doc = newRun(
    await runScheduleFor(s, ctx),
    { key, nominalAt: now, trigger: 'manual', retryOf },
    { status: 'queued' },
    now,
    await runLimitsFor(s, now, ctx),
  );
  // Queue entry first, as in record(); both batched with other inserts into their collection
  // (triggers sent together, a burst's firings).
  const entry = queueEntryFor(doc);
  await enqueue(entry);
  try {
    await batchedInsert(RunModel, doc);
  } catch (err) {
    await dequeue(doc._id); // the slot was recorded already (a retry made twice)
    throw err;
  }
  noticeQueued(entry);
  return doc;
}
