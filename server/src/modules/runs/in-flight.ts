import type { Types } from 'mongoose';

/** What a list needs of a run queue entry: which schedule's run it is, its trigger and its slot. */
export interface InFlightEntry {
  _id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  trigger?: 'schedule' | 'manual' | 'hook';
  nominal_at: Date;
}

/**
 * The run queue's entries, kept in memory from one read of the queue and every insert and delete
 * this process makes since (queue.model.ts sends them all here), for the schedule lists: each page
 * shows its schedules' runs in flight.
 *
 * Why: the lists read the whole queue (FerretDB scans it for any filter but `_id`), and while the
 * scheduler fires that read waited behind its writes. At 10,000 schedules, 200 lists a second took
 * p50 84 ms and p99 353 ms; without the read, 2 and 81 ms (bench/results/REPORT.md, twenty-second
 * round). Exact only where this process makes every write of the queue, as the copies of
 * db/copies.ts are: on FerretDB, where one `crony serve` runs (README, Operations); elsewhere the
 * lists query the database. Read again from the database when older than `maxAgeMs`, so a write
 * made past this process (a repair by hand) shows within that time.
 */
export class InFlightIndex {
  /** Null until first read. */
  private entries: Entries | null = null;
  private readAt = 0;
  private reading: Promise<void> | null = null;
  /** The writes made while a read is in flight, in order, applied over what it read. */
  private meanwhile: ((entries: Entries) => void)[] | null = null;

  constructor(
    private readonly readAll: () => Promise<InFlightEntry[]>,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** An entry the database has stored. */
  added(entry: InFlightEntry): void {
    this.apply((entries) => entries.add(entry));
  }

  /** An entry the database has deleted (or never stored). */
  removed(id: Types.ObjectId): void {
    this.apply((entries) => entries.remove(id.toHexString()));
  }

  /** The entries of a schedule, which the database has deleted. */
  removedSchedule(scheduleId: Types.ObjectId): void {
    this.apply((entries) => entries.removeSchedule(scheduleId.toHexString()));
  }

  private apply(write: (entries: Entries) => void): void {
    if (this.entries) write(this.entries);
    this.meanwhile?.push(write);
  }

  /**
   * Reads the entries now unless they were read already, so that the first list does not wait
   * for the read: at 100,000 schedules stored, the first page after a start waited 0.2–0.5 s for it
   * while the scheduler wrote (bench/results/REPORT.md, twenty-fourth round).
   */
  async warm(): Promise<void> {
    if (!this.entries) await this.read();
  }

  /**
   * The entries of these schedules: read from the database the first time, and again in the
   * background once the last read is older than `maxAgeMs` (the entries as kept serve meanwhile).
   */
  async of(scheduleIds: readonly Types.ObjectId[]): Promise<InFlightEntry[]> {
    if (!this.entries) await this.read();
    else if (Date.now() - this.readAt > this.maxAgeMs) void this.read().catch(() => undefined); // kept as they are until a read succeeds
    return scheduleIds.flatMap((id) => this.entries!.of(id.toHexString()));
  }

  private read(): Promise<void> {
    this.reading ??= (async () => {
      const meanwhile: typeof this.meanwhile = [];
      this.meanwhile = meanwhile;
      try {
        const entries = new Entries();
        for (const e of await this.readAll()) entries.add(e);
        // A write that finished after the read began may or may not be in it; applied again, it is.
        for (const write of meanwhile) write(entries);
        this.entries = entries;
        this.readAt = Date.now();
      } finally {
        this.meanwhile = null;
        this.reading = null;
      }
    })();
    return this.reading;
  }
}

/**
 * Entries by schedule, so that a page of 50 schedules looks up its own rather than walking every
 * entry (3.5% of the process's time over 200 lists a second when it walked them all).
 */
class Entries {
  private readonly bySchedule = new Map<string, Map<string, InFlightEntry>>();
  /** Run id → schedule id, for deletes by run id. */
  private readonly scheduleOf = new Map<string, string>();

  add(entry: InFlightEntry): void {
    const run = entry._id.toHexString();
    const schedule = entry.schedule_id.toHexString();
    this.scheduleOf.set(run, schedule);
    const runs = this.bySchedule.get(schedule) ?? new Map<string, InFlightEntry>();
    this.bySchedule.set(schedule, runs.set(run, entry));
  }

  remove(run: string): void {
    const schedule = this.scheduleOf.get(run);
    if (schedule === undefined) return;
    this.scheduleOf.delete(run);
    const runs = this.bySchedule.get(schedule)!;
    runs.delete(run);
    if (runs.size === 0) this.bySchedule.delete(schedule);
  }

  removeSchedule(schedule: string): void {
    for (const run of this.bySchedule.get(schedule)?.keys() ?? []) this.scheduleOf.delete(run);
    this.bySchedule.delete(schedule);
  }

  of(schedule: string): InFlightEntry[] {
    return [...(this.bySchedule.get(schedule)?.values() ?? [])];
  }
}
