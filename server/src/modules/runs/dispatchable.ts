import { noteWaiting, pickVictim, placesByProfile, waitReason } from './concurrency.ts';
import { dispatchOrder } from './dispatch-order.ts';
import { isLimited } from './limits.ts';
import { DEFAULT_PRIORITY } from '@crony/shared';
import type { QueueDoc } from './queue.model.ts';

/**
 * The queued entries that could start now, in dispatch order. Left out: runs past their
 * deadline (the time-limits sweep records them missed) and runs whose profile is full with
 * nothing they may preempt; those get a `wait_reason` saying so, written only when it changes.
 * A run left in may still find its place taken by the time it is claimed: claimRun decides.
 */
export async function dispatchable(entries: QueueDoc[], now: Date): Promise<QueueDoc[]> {
  // Entries queued before limits existed lack the fields: they read as the defaults.
  const normal = entries.map((e) => ({
    ...e,
    priority: e.priority ?? DEFAULT_PRIORITY,
    deadline_at: e.deadline_at ?? null,
    nominal_at: e.nominal_at ?? e.available_at,
  }));
  const limited = normal.some(isLimited);
  const places = limited ? await placesByProfile() : new Map();
  const out: QueueDoc[] = [];
  for (const e of normal) {
    if (e.deadline_at && e.deadline_at.getTime() <= now.getTime()) continue;
    if (isLimited(e)) {
      const holders = places.get(e.profile_id.toHexString()) ?? [];
      if (holders.length >= e.max_concurrent && !pickVictim(holders, e.priority)) {
        const reason = waitReason(e, holders.length);
        if (e.wait_reason !== reason) await noteWaiting(e._id, reason);
        continue;
      }
    }
    out.push(e);
  }
  return out.sort(dispatchOrder);
}
