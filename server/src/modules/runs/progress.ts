import type { ProgressReportBody } from '@crony/shared';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';
import { updateIf } from '../../db/update-if.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { progressReported } from '../hooks/emit.ts';

const PREFIX = 'crony_p_';

/**
 * Progress callbacks for HTTP targets. Each request to a target carries a per-run URL and a
 * token; the target may POST `{percent, message}` there while it works. The token is an HMAC
 * of the run id and its epoch under a server key, so nothing is stored, and it stops working
 * when the attempt ends (the epoch moves on, or the run is no longer running).
 */
export class ProgressTokens {
  constructor(
    private readonly key: string,
    private readonly publicUrl: () => string,
  ) {}

  token(runId: Types.ObjectId, epoch: number): string {
    return PREFIX + createHmac('sha256', this.key).update(`${runId.toHexString()}:${epoch}`).digest('base64url');
  }

  headers(run: Pick<RunDoc, '_id' | 'epoch'>): Record<string, string> {
    return {
      'x-crony-progress-url': `${this.publicUrl()}/v1/runs/${run._id.toHexString()}/progress`,
      'x-crony-progress-token': this.token(run._id, run.epoch),
    };
  }

  /** Records a target's progress report; 401 for a wrong token, 409 once the attempt is over. */
  async report(runId: string, bearer: string, body: ProgressReportBody, now = new Date()): Promise<void> {
    if (!Types.ObjectId.isValid(runId)) throw notFound('Run');
    const run = await RunModel.findById(runId).lean<RunDoc>();
    if (!run) throw notFound('Run');
    const expected = Buffer.from(this.token(run._id, run.epoch));
    const given = Buffer.from(bearer);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('unauthenticated', 'The progress token does not belong to this run attempt');
    }
    const recorded = await updateIf(
      RunModel,
      run._id,
      { epoch: run.epoch, status: 'running' },
      { $set: { progress: { percent: body.percent, message: body.message, at: now } } },
    );
    if (!recorded) throw new AppError('conflict', 'The run attempt is over; progress is no longer accepted');
    await progressReported(run, body, now);
  }
}
