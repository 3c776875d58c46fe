/**
 * The slots this process is firing now, so that the writes that end runs can give way to them
 * (`settled`, used by the HTTP executor before it records an outcome).
 *
 * Why: at 10,000 per-minute schedules spread over the minute, about 167 slots fall due on each
 * second, and the runs fired at the start of a second answer within milliseconds. Their ends
 * (two updates each, the costliest writes a run makes) then queued at SQLite's single writer
 * between the inserts of the firings still under way, and the last firings of each second
 * started 0.5–0.7 s late. Ends held back until the second's firings are done leave the writer to
 * the firings first; the ends follow in the rest of the second. The work is the same, its order
 * is not.
 *
 * Only while the firings keep up. When the scheduler is behind (a firing has waited for its turn
 * longer than BEHIND_MS: a start's catch-up, a burst of thousands) the firings are not done for
 * seconds, and ends held back would only hold executor slots, so that fewer runs find one free
 * and more are queued and claimed, which costs more writes: in a trial without this condition,
 * one of two runs at 10,000 fell behind and stayed seconds late for the whole minute measured.
 * There ends write at once, as before.
 */

/** A firing that waited this long for its turn means the scheduler is behind, in ms. */
export const BEHIND_MS = 1000;

export class FiringActivity {
  /** When each firing under way began waiting for its turn, oldest first (insertion order). */
  private readonly began = new Map<number, number>();
  private nextId = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** A firing takes its turn (waits for a place under the firing limit, then fires); pass the result to `end`. */
  begin(): number {
    const id = this.nextId++;
    this.began.set(id, this.clock());
    return id;
  }

  /** That firing is done, fired or not. */
  end(id: number): void {
    this.began.delete(id);
    if (this.began.size > 0) return;
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }

  /** Firings waiting for their turn or under way now. */
  get backlog(): number {
    return this.began.size;
  }

  /**
   * Resolves once no firing is waiting or under way, or after `maxMs`; at once when none is, or
   * when the scheduler is behind (BEHIND_MS).
   */
  settled(maxMs: number): Promise<void> {
    if (this.began.size === 0 || this.behind()) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, maxMs);
      this.waiters.add(wake);
    });
  }

  /** Whether the oldest firing under way has waited BEHIND_MS or more. */
  private behind(): boolean {
    const oldest = this.began.values().next();
    return !oldest.done && this.clock() - oldest.value >= BEHIND_MS;
  }
}
