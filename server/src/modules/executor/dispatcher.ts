import type { HttpTarget } from '@crony/shared';
import type { Logger } from 'pino';
import type { Types } from 'mongoose';
import type { TargetPolicy } from '../outbound/policy.ts';
import { RunModel } from '../runs/run.model.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { executeHttp } from './http.executor.ts';

/**
 * Executes queued runs in this process (HTTP targets) and keeps track of them so shutdown can
 * wait for the ones in flight. Workers and leases for command targets come with the worker
 * protocol; this is the server-side executor.
 */
export class Dispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private accepting = true;

  constructor(
    private readonly policy: TargetPolicy,
    private readonly log: Logger,
  ) {}

  dispatch(runId: Types.ObjectId): void {
    if (!this.accepting) return;
    const p: Promise<void> = this.execute(runId)
      .catch((err: unknown) => this.log.error({ err, runId: runId.toString() }, 'run execution failed'))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Stops taking runs and waits (up to `timeoutMs`) for those in flight. */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.accepting = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private async execute(runId: Types.ObjectId): Promise<void> {
    const startedAt = new Date();
    const run = await RunModel.findOneAndUpdate(
      { _id: runId, status: 'queued' },
      { $set: { status: 'running', started_at: startedAt } },
      { returnDocument: 'after' },
    );
    if (!run) return;
    await RunModel.updateOne({ _id: runId }, { $set: { lateness_ms: startedAt.getTime() - run.nominal_at.getTime() } });
    const schedule = await ScheduleModel.findById(run.schedule_id).lean();
    const outcome = schedule
      ? await executeHttp(schedule.target as HttpTarget, this.policy, {
          runId: run._id.toString(),
          scheduleId: run.schedule_id.toString(),
          nominalAt: run.nominal_at,
        })
      : {
          status: 'failed' as const,
          http_status: null,
          response_excerpt: null,
          error: { code: 'schedule_deleted', message: 'the schedule was deleted before the run started' },
        };
    const finishedAt = new Date();
    await RunModel.updateOne(
      { _id: runId, status: 'running' },
      { $set: { ...outcome, finished_at: finishedAt, duration_ms: finishedAt.getTime() - startedAt.getTime() } },
    );
    // last_run only moves forward: a slow older run finishing late does not hide a newer one.
    await ScheduleModel.updateOne(
      { _id: run.schedule_id, $or: [{ last_run: null }, { 'last_run.nominal_at': { $lte: run.nominal_at } }] },
      {
        $set: {
          last_run: { id: run._id, status: outcome.status, nominal_at: run.nominal_at, finished_at: finishedAt },
        },
      },
    );
  }
}
