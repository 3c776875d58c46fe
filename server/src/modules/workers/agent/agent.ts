import type { LeasedRun, WorkerCompleteBody } from '@crony/shared';
import type { SandboxHooks, SandboxResult, SandboxSpec } from '../sandbox/sandbox.ts';
import { ApiRefusal, type WorkerClient } from './client.ts';

type Runner = (spec: SandboxSpec, hooks?: SandboxHooks) => Promise<SandboxResult>;
type Output = { stream: 'stdout' | 'stderr'; text: string };

export interface AgentOptions {
  client: WorkerClient;
  concurrency: number;
  /** runInSandbox, or runUnsandboxed under --insecure-no-sandbox. */
  run: Runner;
  log: (msg: string) => void;
  /** How long one lease request may wait for work, in ms (default 20 000). */
  waitMs?: number;
}

/**
 * `crony worker`'s loop: `concurrency` slots each long-poll for a run, execute it in the
 * sandbox while heartbeats carry progress and output, and report the outcome. A lost lease
 * (the run was cancelled or given away) stops the command. `drain()` takes no new work and
 * resolves once the runs in hand have finished.
 */
export class WorkerAgent {
  private draining = false;
  private readonly polls = new AbortController();
  private slots: Promise<void>[] = [];
  /** Results on their way to the API: a slot leases its next run meanwhile. */
  private readonly reports = new Set<Promise<void>>();

  constructor(private readonly opts: AgentOptions) {}

  start(): void {
    this.slots = Array.from({ length: this.opts.concurrency }, (_, i) => this.slot(i));
  }

  /** Resolves when every slot has stopped and every result was sent; rejects if the worker was revoked. */
  async done(): Promise<void> {
    try {
      await Promise.all(this.slots);
    } finally {
      await Promise.allSettled([...this.reports]);
    }
  }

  /**
   * Tells the API first, which answers the lease requests waiting with no run; a request it is
   * answering with a run meanwhile still arrives, and that run is executed. Aborting the requests
   * instead could drop a run the API had just leased to us: it would sit leased until its lease
   * lapsed, and be retried as `lease_expired`. Only when the API cannot be told are they aborted.
   */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    await this.opts.client.drain().catch(() => this.polls.abort());
    await Promise.allSettled(this.slots);
    await Promise.allSettled([...this.reports]);
  }

  private async slot(i: number): Promise<void> {
    let backoff = 500;
    while (!this.draining) {
      let leased: LeasedRun | null;
      try {
        leased = await this.opts.client.lease(this.opts.waitMs ?? 20_000, this.polls.signal);
        backoff = 500;
      } catch (err) {
        if (this.draining) return;
        if (err instanceof ApiRefusal && err.status === 401) throw err; // revoked: stop the worker
        this.opts.log(`slot ${i}: cannot reach the API (${(err as Error).message}); retrying in ${backoff} ms`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
        continue;
      }
      if (leased) await this.execute(leased);
    }
  }

  /**
   * Runs the command and sends its result without waiting for the answer: the slot leases its
   * next run meanwhile (with no-op commands, the result's round trip was a quarter of a slot's
   * time, measured).
   */
  private async execute(job: LeasedRun): Promise<void> {
    const { client, log } = this.opts;
    const lease = { lease_id: job.lease_id, epoch: job.epoch };
    log(`run ${job.run_id} (${job.schedule_name}, attempt ${job.attempt}): ${job.target.command.join(' ')}`);
    const stop = new AbortController();
    let output: Output[] = [];
    let progress: { percent: number; message: string } | undefined;
    const takeOutput = () => {
      const out = output;
      output = [];
      return out.flatMap(split);
    };
    // Heartbeats renew the lease every heartbeat_ms; new progress or output is also sent about a
    // second after it appears, so the console's live view does not wait for the next renewal.
    let sentProgress: typeof progress;
    // One heartbeat at a time, and the result only after the last one has been answered: the
    // embedded database applies an update as a read and a separate write of the whole run, so a
    // heartbeat still in flight when the result lands could write the run back to `running`.
    let inFlight: Promise<void> = Promise.resolve();
    const send = () => {
      inFlight = inFlight.then(() => {
        if (stop.signal.aborted) return;
        const fresh = progress !== sentProgress ? progress : undefined;
        sentProgress = progress;
        return client
          .heartbeat(job.run_id, { ...lease, output: takeOutput(), ...(fresh ? { progress: fresh } : {}) })
          .catch((err: unknown) => {
            if (err instanceof ApiRefusal && (err.status === 409 || err.status === 404)) {
              const why = { run_preempted: 'preempted', run_timed_out: 'timed out' }[err.code] ?? 'lease lost';
              log(`run ${job.run_id}: ${why}: ${err.message}`);
              stop.abort();
            }
          });
      });
    };
    let flush: NodeJS.Timeout | undefined;
    const soon = () => {
      flush ??= setTimeout(() => {
        flush = undefined;
        send();
      }, 1000);
    };
    const beat = setInterval(send, job.heartbeat_ms);

    let result: SandboxResult;
    try {
      result = await this.opts.run(
        {
          command: job.target.command,
          env: job.target.env,
          network: job.target.network,
          limits: { wallClockMs: job.target.timeout_ms },
          ...(job.stdin != null ? { stdin: job.stdin } : {}),
        },
        {
          onProgress: (percent, message) => {
            progress = { percent, message };
            soon();
          },
          onOutput: (stream, text) => {
            output.push({ stream, text });
            soon();
          },
          signal: stop.signal,
        },
      );
    } finally {
      clearInterval(beat);
      clearTimeout(flush);
    }
    await inFlight;
    if (stop.signal.aborted) return; // the lease is gone: nothing to report
    const body: WorkerCompleteBody = {
      ...lease,
      ...outcomeOf(result),
      output: takeOutput(),
      ...(progress && progress !== sentProgress ? { progress } : {}),
    };
    const report = client.complete(job.run_id, body).then(
      () => log(`run ${job.run_id}: ${body.status} (exit ${result.exitCode ?? result.signal})`),
      (err: unknown) => log(`run ${job.run_id}: the API refused the result (${(err as Error).message})`),
    );
    this.reports.add(report);
    void report.finally(() => this.reports.delete(report));
  }
}

function outcomeOf(r: SandboxResult): Pick<WorkerCompleteBody, 'status' | 'exit_code' | 'error'> {
  if (r.ending === 'exited' && r.exitCode === 0) return { status: 'succeeded', exit_code: 0, error: null };
  if (r.ending === 'wall_clock') {
    return {
      status: 'timed_out',
      exit_code: r.exitCode,
      error: { code: 'wall_clock', message: 'stopped at its time limit' },
    };
  }
  const messages: Record<SandboxResult['ending'], string> = {
    exited: `exited with code ${r.exitCode}`,
    wall_clock: 'stopped at its time limit',
    cancelled: 'cancelled',
    memory: 'killed: over its memory limit',
    cpu: 'killed: over its CPU-time limit',
    file_size: 'killed: wrote a file over its size limit',
    spawn_error: `could not start: ${r.stderr.slice(0, 300)}`,
  };
  return {
    status: 'failed',
    exit_code: r.exitCode,
    error: { code: r.ending === 'exited' ? 'exit_code' : r.ending, message: messages[r.ending] },
  };
}

/** Heartbeat bodies carry at most 64 KiB per output item. */
function split(o: Output): Output[] {
  const parts: Output[] = [];
  for (let i = 0; i < o.text.length; i += 60_000) parts.push({ stream: o.stream, text: o.text.slice(i, i + 60_000) });
  return parts;
}
