import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads `process.env`. Everything else receives the parsed config (or
 * the part it needs) as an argument.
 */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  MONGODB_URI: z.string().url().optional(),
  CRONY_DATA_DIR: z.string().default('.crony'),
  CRONY_SIGNUP: z.enum(['open', 'closed']).optional(),
  CRONY_ALLOWED_TARGET_HOSTS: z.string().default(''),
  CRONY_SESSION_SECRET: z.string().min(32).optional(),
  CRONY_PUBLIC_URL: z.string().url().optional(),
  CRONY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Set to `false` to run an API-only process that never fires schedules. */
  CRONY_SCHEDULER: z.enum(['true', 'false']).default('true'),
  /** Set to `false` to skip the Next.js console (API-only process, faster start in tests). */
  CRONY_CONSOLE: z.enum(['true', 'false']).default('true'),
  /** Entries kept in each schedule's `errors` (newest first). */
  CRONY_SCHEDULE_ERRORS_LIMIT: z.coerce.number().int().min(1).max(10_000).default(50),
  /** A file to tally the database commands this process sends into (db/command-census.ts); off by default. */
  CRONY_DB_CENSUS: z.string().min(1).optional(),
  NODE_ENV: z.string().default('production'),
});

export interface Config {
  port: number;
  host: string;
  /** Set when the operator runs their own MongoDB; otherwise the embedded database is started. */
  mongodbUri: string | undefined;
  dataDir: string;
  /** Whether `POST /v1/auth/signup` creates tenants. Open by default on the embedded database. */
  signupOpen: boolean;
  /** Hosts and CIDRs that HTTP targets may reach although they are private or loopback. */
  allowedTargetHosts: string[];
  /** Secret for the session cookie; generated and kept in the database when not given. */
  sessionSecret: string | undefined;
  /**
   * The URL HTTP targets can reach this API at, for progress callbacks
   * (default `http://localhost:PORT`).
   */
  publicUrl: string;
  logLevel: string;
  schedulerEnabled: boolean;
  consoleEnabled: boolean;
  /** Entries kept in each schedule's `errors`, newest first (default 50). */
  scheduleErrorsLimit: number;
  /** Where to tally the database commands sent (`CRONY_DB_CENSUS`), for benchmarks; usually unset. */
  dbCensusFile: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration in the environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    dataDir: path.resolve(e.CRONY_DATA_DIR),
    signupOpen: (e.CRONY_SIGNUP ?? (e.MONGODB_URI ? 'closed' : 'open')) === 'open',
    allowedTargetHosts: e.CRONY_ALLOWED_TARGET_HOSTS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sessionSecret: e.CRONY_SESSION_SECRET,
    publicUrl: (e.CRONY_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    logLevel: e.CRONY_LOG_LEVEL,
    schedulerEnabled: e.CRONY_SCHEDULER === 'true',
    consoleEnabled: e.CRONY_CONSOLE === 'true',
    scheduleErrorsLimit: e.CRONY_SCHEDULE_ERRORS_LIMIT,
    dbCensusFile: e.CRONY_DB_CENSUS,
  };
}
