import type { Run } from '@crony/shared';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { cancelRun } from './lifecycle.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { toRun } from './runs.presenter.ts';

/** Cancels a queued or running run of the caller's tenant; a finished run is a 409. */
export async function cancelRunFor(principal: Principal, id: string, now = new Date()): Promise<Run> {
  const runs = scoped(RunModel, principal);
  const run = await runs.findById(id).lean<RunDoc>();
  if (!run) throw notFound('Run');
  if (!(await cancelRun(run, 'user', now))) {
    const fresh = await runs.findById(id).lean<RunDoc>();
    throw new AppError(
      'conflict',
      `The run is already ${fresh?.status ?? run.status}; only queued or running runs can be cancelled`,
    );
  }
  return toRun((await runs.findById(id).lean<RunDoc>())!);
}
