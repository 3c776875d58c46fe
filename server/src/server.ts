import type { Health } from '@crony/shared';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { syncIndexes } from './db/indexes.ts';
import { createApp } from './http/app.ts';
import { storedSecret } from './modules/auth/bootstrap.ts';
import { Dispatcher } from './modules/executor/dispatcher.ts';
import { TargetPolicy } from './modules/outbound/policy.ts';
import { RequestThread } from './modules/outbound/request-thread.ts';
import { createAgenda, registerJobs, startScheduler } from './modules/scheduler/agenda.ts';
import { Ticker } from './modules/scheduler/ticker.ts';
import { startWatchdog } from './modules/scheduler/watchdog.ts';
import { warmInFlight } from './modules/runs/queue.model.ts';
import { ProgressTokens } from './modules/runs/progress.ts';
import { configureErrors, errorsTrimmed } from './modules/errors/errors.service.ts';
import { Deliverer } from './modules/hooks/deliverer.ts';
import { setHookLogger } from './modules/hooks/emit.ts';
import { RuntimeMonitor } from './observability/runtime.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type NextFactory = (opts: { dev: boolean; dir: string; quiet?: boolean }) => {
  prepare(): Promise<void>;
  getRequestHandler(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  close(): Promise<void>;
};

export interface RunningServer {
  url: string;
  port: number;
  /** Stops taking requests and slots, drains runs in flight; leaves the database connection open. */
  stop(): Promise<void>;
}

// A filter naming a field the schema lacks is a bug, not an empty result. (Operator injection
// is stopped earlier: request input is parsed by zod schemas that accept no objects where
// strings belong, so mongoose's sanitizeFilter, which would also neuter our own operators, is off.)
mongoose.set('strictQuery', 'throw');

/**
 * API, console and scheduler on an already connected mongoose. `crony serve` wraps this with
 * the database; integration tests call it directly on their own database.
 */
export async function startServer(
  config: Pick<
    Config,
    'port' | 'host' | 'allowedTargetHosts' | 'sessionSecret' | 'signupOpen' | 'schedulerEnabled' | 'consoleEnabled'
  > & {
    publicUrl?: string;
    /** Entries kept per schedule in `errors` (default 50). */
    scheduleErrorsLimit?: number;
    /** Hook delivery retry waits in ms (tests shorten them; default HOOK_RETRY_DELAYS_MS). */
    hookRetryDelaysMs?: readonly number[];
  },
  log: Logger,
): Promise<RunningServer> {
  await syncIndexes();
  const policy = new TargetPolicy(config.allowedTargetHosts);
  // HTTP runs and hook deliveries are sent from a thread of their own (request-thread.ts).
  const outbound = new RequestThread(config.allowedTargetHosts);
  configureErrors({ limit: config.scheduleErrorsLimit ?? 50, log });
  setHookLogger(log);
  const deliverer = new Deliverer(outbound, log, {
    ...(config.hookRetryDelaysMs ? { retryDelaysMs: config.hookRetryDelaysMs } : {}),
  });
  // Until the server listens, its own address is unknown; callbacks resolve the URL lazily.
  let publicUrl = config.publicUrl ?? '';
  const progress = new ProgressTokens(await storedSecret('progress_key'), () => publicUrl);
  const dispatcher = new Dispatcher(outbound, progress, log);
  const agenda = createAgenda(mongoose.connection.db!);
  const ticker = new Ticker(dispatcher, log);
  registerJobs(agenda, { ticker });
  agenda.on('fail', (err: unknown, job: { attrs: { name: string } }) =>
    log.error({ err, job: job.attrs.name }, 'scheduler job failed'),
  );
  // Before the first request rather than in it (runs/in-flight.ts); should the read fail, the
  // first list reads again.
  await warmInFlight().catch((err: unknown) => log.warn({ err }, 'reading the run queue for the lists failed'));
  let schedulerRunning = false;
  let stopWatchdog = () => {};
  if (config.schedulerEnabled) {
    await startScheduler(agenda);
    outbound.start();
    dispatcher.start();
    deliverer.start();
    stopWatchdog = startWatchdog(agenda, ticker, log);
    schedulerRunning = true;
  }

  const runtime = new RuntimeMonitor();
  const health = async (verbose: boolean): Promise<Health> => {
    const dbUp = await mongoose.connection.db
      ?.admin()
      .ping()
      .then(
        () => true,
        () => false,
      );
    return {
      status: dbUp && (schedulerRunning || !config.schedulerEnabled) ? 'ok' : 'degraded',
      db: dbUp ? 'up' : 'down',
      scheduler: schedulerRunning ? 'running' : 'stopped',
      ...(verbose ? { runtime: runtime.figures() } : {}),
    };
  };

  let nextApp: ReturnType<NextFactory> | undefined;
  let consoleHandler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  if (config.consoleEnabled) {
    // Next ships CommonJS whose typings model the ESM default import as the module object;
    // at run time the default export is the factory itself.
    const createNext = (await import('next')).default as unknown as NextFactory;
    nextApp = createNext({ dev: false, dir: path.join(repoRoot, 'web'), quiet: true });
    await nextApp.prepare();
    const handle = nextApp.getRequestHandler();
    consoleHandler = (req, res) => void handle(req, res);
  }

  const app = createApp({
    log,
    policy,
    sessionSecret: await storedSecret('session_secret', config.sessionSecret),
    signupOpen: config.signupOpen,
    progress,
    health,
    ...(consoleHandler ? { console: consoleHandler } : {}),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  publicUrl ||= `http://${host}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      schedulerRunning = false;
      stopWatchdog();
      await agenda.drain(10_000);
      await ticker.drain(10_000);
      await dispatcher.drain(30_000);
      await deliverer.drain(10_000);
      await outbound.close();
      await errorsTrimmed();
      server.closeAllConnections();
      await closed;
      await nextApp?.close();
      runtime.stop();
    })());
  return { url: `http://${host}:${port}`, port, stop };
}
