import type { HttpTarget } from '@crony/shared';
import { OutboundError } from '../outbound/http-client.ts';
import type { RequestThread } from '../outbound/request-thread.ts';
import type { Outcome } from '../runs/lifecycle.ts';

const EXCERPT_BYTES = 2048;

/** Calls an HTTP target once. A 2xx answer is success; anything else says why it failed. */
export async function executeHttp(
  target: HttpTarget,
  outbound: RequestThread,
  meta: { runId: string; scheduleId: string; nominalAt: Date; attempt: number; extraHeaders?: Record<string, string> },
  signal?: AbortSignal,
): Promise<Outcome> {
  try {
    const res = await outbound.request(
      {
        url: target.url,
        method: target.method,
        headers: {
          ...(target.body !== undefined && !hasHeader(target.headers, 'content-type')
            ? { 'content-type': 'application/json' }
            : {}),
          ...target.headers,
          'x-crony-run-id': meta.runId,
          'x-crony-schedule-id': meta.scheduleId,
          'x-crony-nominal-time': meta.nominalAt.toISOString(),
          'x-crony-attempt': String(meta.attempt),
          ...meta.extraHeaders,
        },
        body: target.method === 'GET' || target.method === 'HEAD' ? undefined : target.body,
        timeoutMs: target.timeout_ms,
        maxBodyBytes: EXCERPT_BYTES,
      },
      signal,
    );
    const excerpt = res.body + (res.truncated ? '…[truncated]' : '');
    if (res.status >= 200 && res.status < 300) {
      return { status: 'succeeded', http_status: res.status, response_excerpt: excerpt, error: null };
    }
    return {
      status: 'failed',
      http_status: res.status,
      response_excerpt: excerpt,
      error: { code: 'http_status', message: `target answered HTTP ${res.status}` },
    };
  } catch (err) {
    if (err instanceof OutboundError) {
      return {
        status: err.code === 'timeout' ? 'timed_out' : 'failed',
        http_status: null,
        response_excerpt: null,
        error: { code: err.code === 'timeout' ? 'target_timeout' : err.code, message: err.message },
      };
    }
    throw err;
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}
