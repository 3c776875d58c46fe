import { summarize, type Summary } from './stats.ts';

export interface OpenLoopResult {
  rate_per_s: number;
  duration_s: number;
  sent: number;
  /** Answers outside 2xx, and requests that failed outright. */
  errors: number;
  /** The errors by kind: `status 500`, or the failure's code (`ECONNRESET`, `ABORT_ERR`, ...). */
  error_kinds: Record<string, number>;
  /** From the moment each request was due to be sent (not when it was sent) to its answer, in ms. */
  latency_ms: Summary;
}

/**
 * Constant-arrival load: request k is due at start + k/rate whether or not earlier ones have
 * answered (open loop), and its latency counts from when it was due, so a stalled server shows
 * up as latency instead of as fewer requests (no coordinated omission). `request` resolves once
 * the whole answer has arrived (load-client.ts).
 */
export async function openLoop(
  ratePerS: number,
  durationS: number,
  request: (k: number) => Promise<{ status: number }>,
): Promise<OpenLoopResult> {
  const total = Math.round(ratePerS * durationS);
  const start = performance.now() + 50;
  const latencies: number[] = [];
  const errorKinds: Record<string, number> = {};
  const failed = (kind: string) => (errorKinds[kind] = (errorKinds[kind] ?? 0) + 1);
  const pending: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      request(k).then(
        (res) => {
          latencies.push(performance.now() - due);
          if (res.status < 200 || res.status >= 300) failed(`status ${res.status}`);
        },
        (err: Error & { code?: string }) => {
          latencies.push(performance.now() - due);
          failed(err.code ?? err.name);
        },
      ),
    );
  }
  await Promise.all(pending);
  return {
    rate_per_s: ratePerS,
    duration_s: durationS,
    sent: total,
    errors: Object.values(errorKinds).reduce((sum, n) => sum + n, 0),
    error_kinds: errorKinds,
    latency_ms: summarize(latencies),
  };
}
