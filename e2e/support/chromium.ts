import fs from 'node:fs';
import { chromium } from '@playwright/test';

const candidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/**
 * The Chromium to drive: `CHROMIUM_PATH`, else the system's (Debian's `chromium` here),
 * else Playwright's own download if present. Without any, fail saying how to get one.
 */
export function chromiumExecutable(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const system = candidates.find((p) => fs.existsSync(p));
  if (system) return system;
  try {
    if (fs.existsSync(chromium.executablePath())) return undefined; // Playwright's own browser
  } catch {
    // not installed
  }
  throw new Error(
    'No Chromium found for the end-to-end tests. Install one: `apt-get install chromium` (Debian/Ubuntu), ' +
      'or `npx playwright install chromium`, or set CHROMIUM_PATH to a Chromium/Chrome binary.',
  );
}

/** Flags for a headless Chromium in a closed network, as root in CI. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
