import { defineConfig } from '@playwright/test';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { chromiumArgs, chromiumExecutable } from './support/chromium.ts';

const port = Number(process.env.CRONY_E2E_PORT ?? 18765);
const baseURL = `http://127.0.0.1:${port}`;

// `npm test` passes one database server for the whole run; the e2e server gets its own
// database on it. Run alone, the server starts its own embedded database.
const testDb = process.env.CRONY_TEST_MONGODB_URI;
function withDatabase(uri: string, name: string): string {
  const u = new URL(uri);
  u.pathname = `/${name}`;
  return u.toString();
}
process.env.CRONY_E2E_DB ??= `e2e_${crypto.randomBytes(4).toString('hex')}`;
process.env.CRONY_E2E_DATA ??= path.join(os.tmpdir(), `crony-e2e-${process.env.CRONY_E2E_DB}`);

export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL,
    viewport: { width: 1280, height: 860 },
    launchOptions: { executablePath: chromiumExecutable(), args: chromiumArgs },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  webServer: {
    // The same command a user runs: builds the console when stale, then serves.
    command: 'node --import tsx ../scripts/start.ts',
    url: `${baseURL}/v1/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      CRONY_DATA_DIR: process.env.CRONY_E2E_DATA,
      CRONY_SIGNUP: 'open',
      CRONY_ALLOWED_TARGET_HOSTS: '127.0.0.1',
      CRONY_LOG_LEVEL: 'warn',
      ...(testDb ? { MONGODB_URI: withDatabase(testDb, process.env.CRONY_E2E_DB) } : {}),
    },
  },
});
