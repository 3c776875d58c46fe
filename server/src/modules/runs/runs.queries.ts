import type { ListRunsQuery, Run } from '@crony/shared';
import type { z } from 'zod';
import { decodeCursor, paginate } from '../../http/cursor.ts';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { withWaitReasons } from './queue.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { toRun } from './runs.presenter.ts';

export async function listRuns(
  principal: Principal,
  q: z.output<typeof ListRunsQuery>,
): Promise<{ data: Run[]; next_cursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const filter: Record<string, unknown> = {};
  if (q.status) filter.status = q.status;
  if (q.schedule_id) filter.schedule_id = q.schedule_id;
  if (q.from || q.to) {
    filter.nominal_at = {
      ...(q.from ? { $gte: new Date(q.from) } : {}),
      ...(q.to ? { $lt: new Date(q.to) } : {}),
    };
  }
  if (q.worker) filter['attempts.executor'] = executorName(q.worker);
  if (after) filter._id = { $lt: after };
  const docs = await scoped(RunModel, principal)
    .find(filter)
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .lean<RunDoc[]>();
  const { page, next_cursor } = paginate(docs, q.limit);
  return { data: (await withWaitReasons(page)).map(toRun), next_cursor };
}

export async function getRun(principal: Principal, id: string): Promise<Run> {
  const doc = await scoped(RunModel, principal).findById(id).lean<RunDoc>();
  if (!doc) throw notFound('Run');
  const [run] = await withWaitReasons([doc]);
  return toRun(run!);
}

/** A worker id names its executor `worker:<id>`; any other value is an executor name as shown on attempts. */
export function executorName(worker: string): string {
  return /^[0-9a-f]{24}$/.test(worker) ? `worker:${worker}` : worker;
}
