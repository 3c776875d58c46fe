import type { Types } from 'mongoose';
import type { QueueDoc } from './queue.model.ts';

/**
 * What this process changed in the run queue that its workers' lease requests care about:
 * - `queued`: a command run's entry was written queued (a firing, a trigger, a hook run, a
 *   retry, a claim the reaper released), after its run record, so a claim finds the run;
 * - `place_freed`: a run under a concurrency limit gave its place back, so runs of its tenant
 *   that waited for one may start.
 *
 * Why: the lease candidates (workers/lease-candidates.ts) keep one read of a tenant's claimable
 * runs for many requests; with these notices the list stays current with this process's own
 * changes between reads, and a waiting request wakes at once instead of at its next look. Other
 * processes' changes show at the next read.
 */
export type QueueNotice = { kind: 'queued'; entry: QueueDoc } | { kind: 'place_freed'; tenantId: Types.ObjectId };

const listeners = new Set<(n: QueueNotice) => void>();

/** Calls `fn` for each notice of this process; returns the call that stops it. */
export function onQueueNotice(fn: (n: QueueNotice) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** A queue entry this process wrote queued; only command runs concern workers. */
export function noticeQueued(entry: QueueDoc): void {
  if (entry.target_type !== 'command' || entry.status !== 'queued') return;
  for (const fn of listeners) fn({ kind: 'queued', entry });
}

export function noticePlaceFreed(tenantId: Types.ObjectId): void {
  for (const fn of listeners) fn({ kind: 'place_freed', tenantId });
}
