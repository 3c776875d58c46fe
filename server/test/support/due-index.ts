import type { DueIndex } from '../../src/modules/scheduler/due-index.ts';

/** A refresh of the index that waits for the load it began, if any, to end; what it did. */
export async function refreshed(index: DueIndex): Promise<{ loaded: boolean; applied: number }> {
  const { applied, load } = await index.refresh();
  if (load) await load;
  return { loaded: load !== null, applied };
}
