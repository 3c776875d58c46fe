import { finalRunStatuses, type RunLogs } from '@crony/shared';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { RunLogModel, type RunLogDoc } from './run-log.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';

/** How often a log stream looks for new output, in ms. */
const POLL_MS = 1000;

export type LogEvent =
  { type: 'log'; offset: number; data: RunLogs['data']; truncated: boolean } | { type: 'end'; status: string };

/** 404 unless the run is the caller's: checked before a stream starts, so the answer can still be an error. */
export async function checkRunVisible(principal: Principal, runId: string): Promise<void> {
  if (!(await scoped(RunModel, principal).findById(runId).select({ _id: 1, tenant_id: 1 }).lean()))
    throw notFound('Run');
}

/**
 * A run's output as it grows: every new stretch of chunks once, from chunk `from` on, with its
 * offset (so a client that reconnects can splice without duplicates); then `end` once the run is
 * final and its last output was sent. Reads the log document by `_id` (cheap on FerretDB too).
 */
export async function* tailLogs(
  principal: Principal,
  runId: string,
  from: number,
  stopped: () => boolean,
  pollMs = POLL_MS,
): AsyncGenerator<LogEvent> {
  let sent = from;
  let truncatedSent = false;
  while (!stopped()) {
    // The run's state is read before its output, so output written just before it ended is
    // still sent before `end`.
    const run = await scoped(RunModel, principal)
      .findById(runId)
      .select({ status: 1, tenant_id: 1 })
      .lean<Pick<RunDoc, 'status'>>();
    if (!run) return;
    const logs = await scoped(RunLogModel, principal).findById(runId).lean<RunLogDoc>();
    const chunks = logs?.chunks ?? [];
    const truncated = logs?.truncated ?? false;
    if (chunks.length > sent || truncated !== truncatedSent) {
      yield {
        type: 'log',
        offset: sent,
        data: chunks.slice(sent).map((c) => ({ stream: c.stream, text: c.text, at: c.at.toISOString() })),
        truncated,
      };
      sent = chunks.length;
      truncatedSent = truncated;
    }
    if (finalRunStatuses.includes(run.status)) {
      yield { type: 'end', status: run.status };
      return;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
