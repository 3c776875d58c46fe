import type { Types } from 'mongoose';

/** What the dispatch order looks at; queue entries carry exactly this. */
export interface Dispatchable {
  _id: Types.ObjectId;
  priority: number;
  deadline_at: Date | null;
  nominal_at: Date;
}

/**
 * Which of two runs an executor should take first: higher priority; then the earlier
 * deadline (a run without one goes after every run with one, as it can never be late); then
 * the earlier slot (fairness among equals, first come first served); then the id, so the
 * order is total and every executor agrees on it.
 */
export function dispatchOrder(a: Dispatchable, b: Dispatchable): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const da = a.deadline_at?.getTime() ?? Infinity;
  const db = b.deadline_at?.getTime() ?? Infinity;
  if (da !== db) return da < db ? -1 : 1;
  const na = a.nominal_at.getTime();
  const nb = b.nominal_at.getTime();
  if (na !== nb) return na - nb;
  return a._id.toHexString().localeCompare(b._id.toHexString());
}
