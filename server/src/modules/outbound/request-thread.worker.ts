import { parentPort, workerData } from 'node:worker_threads';
import { guardedRequest, OutboundError } from './http-client.ts';
import { TargetPolicy } from './policy.ts';
import type { FromThread, ToThread } from './request-thread.ts';

// The thread's side of RequestThread: each request goes through guardedRequest, under the
// policy the server was started with, and its answer or failure goes back by its id.
const port = parentPort!;
const policy = new TargetPolicy((workerData as { allowList: string[] }).allowList);
const aborts = new Map<number, AbortController>();

port.on('message', (m: ToThread) => {
  if (m.type === 'abort') {
    aborts.get(m.id)?.abort();
    return;
  }
  const abort = new AbortController();
  aborts.set(m.id, abort);
  const answer = (a: FromThread) => {
    aborts.delete(m.id);
    port.postMessage(a);
  };
  // guardedRequest may also throw before its promise (a URL it cannot parse): a failure all the same.
  Promise.resolve()
    .then(() => guardedRequest(policy, { ...m.req, signal: abort.signal }))
    .then(
      (res) => answer({ id: m.id, ok: true, res }),
      (err: unknown) =>
        answer({
          id: m.id,
          ok: false,
          code: err instanceof OutboundError ? err.code : null,
          message: err instanceof Error ? err.message : String(err),
        }),
    );
});
