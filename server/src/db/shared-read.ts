/**
 * One read shared by the callers that asked while the read before it was running. Each caller
 * gets a read that began after it asked, so what was written before it asked is in it; callers
 * that ask together share one. At most one read runs and one waits, however many ask: at 200
 * requests a second each scanning a collection, the scans queued behind each other in the
 * database and every request waited for all of them (measured).
 */
export class SharedRead<T> {
  /** The read that will start when the running one ends; new callers join it. */
  private queued: Promise<T> | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.queued) return this.queued;
    const start = () => {
      this.queued = null;
      return this.read();
    };
    const next = this.running.then(start, start);
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }
}
