import mongoose from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { startCommandCensus } from './db/command-census.ts';
import { requireUsableDatabase } from './db/engine.ts';
import { startDatabase } from './db/launcher.ts';
import { poolOptionsFor } from './db/pool.ts';
import { createLogger } from './log.ts';
import { firstRun } from './modules/auth/bootstrap.ts';
import { startServer } from './server.ts';

/**
 * Recovery from a database restart must be quick and must not depend on the server's support
 * for streaming topology updates (FerretDB 1.x): poll the server every 2 s, and give up on an
 * operation after 10 s instead of queueing it for the driver's default 30 s.
 */
const connectionOptions = {
  // startServer brings the indexes in line itself (db/indexes.ts): left on, mongoose would build
  // every index of the schemas on connecting, on FerretDB only for syncIndexes to drop the
  // non-unique ones again, at every start (over every run recorded).
  autoIndex: false,
  serverMonitoringMode: 'poll',
  heartbeatFrequencyMS: 2000,
  serverSelectionTimeoutMS: 10_000,
} as const;

/** `crony serve`: the database (embedded unless MONGODB_URI), then API, console and scheduler. */
export async function serve(config: Config, log: Logger = createLogger(config.logLevel)) {
  const db = await startDatabase({ uri: config.mongodbUri, dataDir: config.dataDir, log: (m) => log.info(m) });
  log.info({ kind: db.kind }, 'database ready');
  // On the embedded database the data lives in `crony`; an operator's URI names its own.
  await mongoose.connect(db.uri, {
    ...(config.mongodbUri ? {} : { dbName: 'crony' }),
    ...connectionOptions,
    ...(await poolOptionsFor(db.uri, db.kind)),
    ...(config.dbCensusFile ? { monitorCommands: true } : {}),
  });
  if (config.dbCensusFile) startCommandCensus(mongoose.connection.getClient(), config.dbCensusFile);
  await requireUsableDatabase().catch(async (err: unknown) => {
    await mongoose.disconnect();
    await db.stop();
    throw err;
  });
  const server = await startServer(config, log);

  const first = await firstRun(config.dataDir);
  log.info({ url: server.url }, 'Cloud Crony is serving');
  // Printed plainly rather than as a log line, so a new user sees it in the terminal.
  process.stdout.write(
    first
      ? `\n  Cloud Crony is ready at ${server.url}\n\n` +
          `  Console login:    ${first.email}\n` +
          `  Password:         ${first.password}\n` +
          `  Tenant API token: ${first.token}\n\n` +
          `  (also saved to ${first.file})\n\n`
      : `\n  Cloud Crony is ready at ${server.url}\n\n`,
  );

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    stop: () =>
      (stopping ??= (async () => {
        log.info('shutting down: draining the scheduler and runs in flight');
        await server.stop();
        await mongoose.disconnect();
        await db.stop();
        log.info('stopped');
      })()),
  };
}
