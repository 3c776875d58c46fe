import { Worker } from 'node:worker_threads';
import { OutboundError, type OutboundRequest, type OutboundResponse } from './http-client.ts';

/** What crosses to the thread: a request without its signal (aborts follow as messages) or name resolution. */
export type ThreadRequest = Omit<OutboundRequest, 'signal' | 'dnsLookup'>;

/** Main thread → request thread. */
export type ToThread = { type: 'request'; id: number; req: ThreadRequest } | { type: 'abort'; id: number };
/** Request thread → main thread: the response, or why there is none (an OutboundError's code; null for anything else). */
export type FromThread =
  | { id: number; ok: true; res: OutboundResponse }
  | { id: number; ok: false; code: OutboundError['code'] | null; message: string };

interface Pending {
  resolve: (res: OutboundResponse) => void;
  reject: (err: Error) => void;
  unlisten: () => void;
}

/**
 * Sends outbound HTTP requests (`guardedRequest`, under the same target policy) from a thread of
 * its own, so that the server's thread only posts each request and reads its answer.
 *
 * Why: the slots of a second fall due together, and the server starts their HTTP runs at once.
 * Building each request, writing it and reading its answer was more than a quarter of the
 * server thread's long busy stretches at the top of each second, when API requests that arrived
 * waited for it; with it here the server's thread did a fifth less over 10,000 spread schedules
 * and its event loop's delay p99 halved (bench/results/REPORT.md, twenty-ninth round).
 *
 * The thread starts with `start` or the first request. Should it stop, the requests it had fail
 * as connection errors (they may or may not have reached their target), and the next request
 * starts another. It keeps the process alive only while requests are out.
 */
export class RequestThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly allowList: readonly string[]) {}

  /** Starts the thread now rather than with the first request (it takes a few hundred ms). */
  start(): void {
    this.thread();
  }

  request(req: ThreadRequest, signal?: AbortSignal): Promise<OutboundResponse> {
    if (signal?.aborted) return Promise.reject(new OutboundError('aborted', 'the request was aborted'));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<OutboundResponse>((resolve, reject) => {
      const abort = () => worker.postMessage({ type: 'abort', id } satisfies ToThread);
      signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, { resolve, reject, unlisten: () => signal?.removeEventListener('abort', abort) });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ type: 'request', id, req } satisfies ToThread);
    });
  }

  /**
   * Stops the thread once no request is out. With requests still out (a drain that timed out)
   * it is left to finish them and no longer keeps the process alive: as before the thread, a
   * run cut off by the process's exit is not recorded as failed, its lease lapses and it is
   * tried again.
   */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    if (this.pending.size > 0) {
      worker.unref();
      return;
    }
    this.worker = undefined;
    await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // The server runs its TypeScript through tsx, whose loader a worker does not inherit
    // (privatenumber/tsx#354): the thread registers it before loading its module.
    // Both by absolute URL: an eval'd thread resolves names from the working directory.
    const entry = new URL('./request-thread.worker.ts', import.meta.url).href;
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { allowList: [...this.allowList] } });
    worker.unref();
    worker.on('message', (m: FromThread) => this.settle(m));
    const stopped = (why: string) => {
      if (this.worker !== worker) return; // set aside by close, or reported by 'error' already
      this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.forget(id, p);
        p.reject(new OutboundError('connection_error', `the outbound request thread stopped: ${why}`));
      }
    };
    worker.on('error', (err) => stopped(err.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private settle(m: FromThread): void {
    const p = this.pending.get(m.id);
    if (!p) return; // failed already, when its thread stopped
    this.forget(m.id, p);
    if (m.ok) p.resolve(m.res);
    else p.reject(m.code ? new OutboundError(m.code, m.message) : new Error(m.message));
  }

  private forget(id: number, p: Pending): void {
    this.pending.delete(id);
    p.unlisten();
    if (this.pending.size === 0) this.worker?.unref();
  }
}
