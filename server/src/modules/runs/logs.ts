import type { RunLogs } from '@crony/shared';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { RunLogModel, type RunLogDoc } from './run-log.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';

/** Output kept per run (1 MiB); past it a marker is written and the rest dropped. */
export const LOG_CAP_BYTES = 1024 * 1024;

export async function appendLogs(
  run: Pick<RunDoc, '_id' | 'tenant_id'>,
  output: { stream: 'stdout' | 'stderr' | 'system'; text: string }[],
  now = new Date(),
): Promise<void> {
  if (output.length === 0) return;
  const current = await RunLogModel.findById(run._id).lean<RunLogDoc>();
  if (current?.truncated) return;
  let bytes = current?.bytes ?? 0;
  let truncated = false;
  const chunks: RunLogDoc['chunks'] = [];
  for (const { stream, text } of output) {
    const size = Buffer.byteLength(text);
    if (bytes + size <= LOG_CAP_BYTES) {
      chunks.push({ stream, text, at: now });
      bytes += size;
      continue;
    }
    const room = LOG_CAP_BYTES - bytes;
    if (room > 0) chunks.push({ stream, text: Buffer.from(text).subarray(0, room).toString('utf8'), at: now });
    chunks.push({ stream: 'system', text: `…[output truncated at ${LOG_CAP_BYTES} bytes]`, at: now });
    bytes = LOG_CAP_BYTES;
    truncated = true;
    break;
  }
  await RunLogModel.updateOne(
    { _id: run._id },
    { $push: { chunks: { $each: chunks } }, $set: { bytes, truncated, tenant_id: run.tenant_id } },
    { upsert: true },
  );
}

export async function runLogs(principal: Principal, runId: string): Promise<RunLogs> {
  const run = await scoped(RunModel, principal).findById(runId).select({ _id: 1, tenant_id: 1 }).lean();
  if (!run) throw notFound('Run');
  const logs = await scoped(RunLogModel, principal).findById(runId).lean<RunLogDoc>();
  return {
    data: (logs?.chunks ?? []).map((c) => ({ stream: c.stream, text: c.text, at: c.at.toISOString() })),
    truncated: logs?.truncated ?? false,
  };
}
