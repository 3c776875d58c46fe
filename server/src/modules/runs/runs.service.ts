import { retryableRunStatuses, type RetryRunsBody, type RetryRunsResult, type Run } from '@crony/shared';
import { isDuplicateKey } from '../../db/errors.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { cancelRun } from './lifecycle.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { toRun } from './runs.presenter.ts';
import { executorName } from './runs.queries.ts';
import { fireManual } from '../scheduler/fire.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';

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

const retryable = new Set<string>(retryableRunStatuses);

/**
 * Retries a run that ended without succeeding: a new manual run of its schedule, now, with the
 * schedule's current target and retry policy, linked by `retry_of`. A run can be retried once
 * (the ledger's unique slot `retry:<id>` says so); to try again, retry the retry.
 */
export async function retryRunFor(principal: Principal, id: string, now = new Date()): Promise<Run> {
  const run = await scoped(RunModel, principal).findById(id).lean<RunDoc>();
  if (!run) throw notFound('Run');
  return toRun(await retryOne(principal, run, now));
}

async function retryOne(principal: Principal, run: RunDoc, now: Date): Promise<RunDoc> {
  if (!retryable.has(run.status)) {
    throw new AppError(
      'conflict',
      `The run is ${run.status}; only failed, timed_out, cancelled or missed runs can be retried`,
    );
  }
  const schedule = await scoped(ScheduleModel, principal).findById(run.schedule_id).lean<ScheduleDoc>();
  if (!schedule) throw new AppError('conflict', 'The run’s schedule was deleted; there is nothing to retry');
  try {
    return await fireManual(schedule, now, { retryOf: run._id });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await RunModel.findOne({ schedule_id: run.schedule_id, slot: `retry:${run._id.toHexString()}` })
      .select({ _id: 1 })
      .lean();
    throw new AppError('conflict', `The run was already retried as run ${existing?._id.toHexString() ?? '(unknown)'}`);
  }
}

/**
 * "Retry all" for a filter: the newest `limit` matching runs that ended without succeeding,
 * each retried once. Runs already retried, or of deleted schedules, are counted as skipped.
 */
export async function retryRuns(
  principal: Principal,
  input: RetryRunsBody,
  now = new Date(),
): Promise<RetryRunsResult> {
  const statuses = input.status ? [input.status] : [...retryableRunStatuses];
  const filter: Record<string, unknown> = { status: { $in: statuses } };
  if (input.schedule_id) filter.schedule_id = input.schedule_id;
  if (input.worker) filter['attempts.executor'] = executorName(input.worker);
  if (input.from || input.to) {
    filter.nominal_at = {
      ...(input.from ? { $gte: new Date(input.from) } : {}),
      ...(input.to ? { $lt: new Date(input.to) } : {}),
    };
  }
  const matches = await scoped(RunModel, principal)
    .find(filter)
    .sort({ _id: -1 })
    .limit(input.limit + 1)
    .lean<RunDoc[]>();
  const batch = matches.slice(0, input.limit);
  const result: RetryRunsResult = { retried: 0, skipped: 0, more: matches.length > input.limit, runs: [] };
  for (const run of batch) {
    try {
      const retry = await retryOne(principal, run, now);
      result.retried += 1;
      result.runs.push({ retry_of: run._id.toHexString(), run_id: retry._id.toHexString() });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'conflict') throw err;
      result.skipped += 1;
    }
  }
  return result;
}
