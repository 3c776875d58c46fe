import { activeRunStatuses, type Run } from '@crony/shared';
import { Types } from 'mongoose';
import type { Principal } from '../../tenancy/scope.ts';
import { QueueModel } from './queue.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { toRun } from './runs.presenter.ts';

/** How often a stream looks for changes, in ms. */
const POLL_MS = 1000;

const fingerprint = (r: RunDoc) =>
  [
    r.status,
    r.attempt,
    r.epoch,
    r.progress?.at?.getTime() ?? '',
    r.lease?.expires_at.getTime() ?? '',
    r.finished_at?.getTime() ?? '',
    r.wait_reason ?? '',
  ].join('|');

/**
 * Yields the caller's runs as they change: each active run whenever its status, attempt,
 * progress, lease or wait reason moves, and once more when it ends. Works across several server processes
 * without change streams (FerretDB 1.x has none): it polls the small queue of active runs and
 * reads the runs by id.
 *
 * A stream of one run (`runId`) starts with that run as it is now, final or not: a client reads
 * the run, then subscribes, and a run that ended between the two (a target that fails at once)
 * would otherwise never be reported, leaving the client showing it running. A reconnect is a
 * new stream, so it gets the current state too.
 */
export async function* watchRuns(
  principal: Principal,
  filter: { scheduleId?: string; runId?: string },
  stopped: () => boolean,
): AsyncGenerator<Run> {
  const seen = new Map<string, string>();
  /** Runs recorded ahead of their instant, not reported yet. */
  const ahead = new Set<string>();
  const since = new Date();
  // The run a one-run stream reports first whatever its state; only on the first pass.
  let snapshot = filter.runId ?? null;
  while (!stopped()) {
    const active = await QueueModel.find({
      tenant_id: principal.tenantId,
      ...(filter.scheduleId ? { schedule_id: new Types.ObjectId(filter.scheduleId) } : {}),
      ...(filter.runId ? { _id: new Types.ObjectId(filter.runId) } : {}),
    })
      .select({ _id: 1, wait_reason: 1 })
      .lean();
    // The queue scan already holds each waiting run's reason (kept only there): no second read.
    const reasons = new Map(active.map((e) => [e._id.toHexString(), e.wait_reason ?? null]));
    const ids = new Set([...reasons.keys(), ...seen.keys(), ...ahead]);
    if (snapshot) ids.add(snapshot);
    for (const id of ids) {
      const run = await RunModel.findById(id).lean<RunDoc>();
      if (!run || !run.tenant_id.equals(principal.tenantId)) {
        seen.delete(id);
        ahead.delete(id); // withdrawn before its instant
        continue;
      }
      // A queue entry outlives its run's final write by a moment: a run that ended before the
      // stream began is history, not an event.
      if (!seen.has(id) && run.finished_at && run.finished_at < since && id !== snapshot) continue;
      // A slot recorded ahead of its instant (scheduler/fire-ahead.ts) is news from its instant
      // on: until then an edit or a pause can withdraw it, and it would vanish with no final
      // event. It is looked up again after, even if it has ended and left the queue by then.
      if (run.status === 'running' && run.started_at && run.started_at.getTime() > Date.now()) {
        ahead.add(id);
        continue;
      }
      ahead.delete(id);
      const shown = { ...run, wait_reason: reasons.get(id) ?? null };
      const fp = fingerprint(shown);
      if (seen.get(id) !== fp) yield toRun(shown);
      if (activeRunStatuses.includes(run.status)) seen.set(id, fp);
      else seen.delete(id);
    }
    snapshot = null;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
