/**
 * Waits until every promise has settled or `timeoutMs` has passed, whichever comes first; never
 * rejects. What a component's `drain()` does on shutdown with the work it has under way.
 */
export async function settleWithin(work: Iterable<Promise<unknown>>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(work), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
