/**
 * Runs writes to the same document one after another within this process, and writes to
 * different documents freely. FerretDB 1.x applies an update as a read of the whole document
 * and a separate write of it, so two updates of one document in flight at once can lose one
 * of them (an `$inc` among them). A process that queues its own writes per document loses
 * none of them to itself; writers in other processes can still race it there.
 */
export class PerDocument {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `write` once the earlier writes queued for `key` have settled. */
  run<T>(key: string, write: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const done = before.then(write, write);
    const tail = done.catch(() => undefined);
    this.tails.set(key, tail);
    // The last write for a key removes its entry, so the map holds only documents in use.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return done;
  }
}
