import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shot } from '../support/receiver.ts';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/src/cli.ts');

test('a registered worker shows on the workers page and streams a command run live', async ({ page, baseURL }) => {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(`workers-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Tenant name').fill('Worker Team');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/overview$/);

  await page.getByRole('link', { name: 'Workers' }).first().click();
  await page.getByLabel('Name').fill('e2e machines');
  await page.getByRole('button', { name: 'Create registration token' }).click();
  const token = (await page.getByTestId('worker-token-secret').textContent())?.trim() ?? '';
  expect(token).toMatch(/^crony_wr_/);

  // The one command a user runs on a machine, as a real process.
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-e2e-worker-'));
  let output = '';
  const worker: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'worker',
      '--api',
      baseURL!,
      '--token',
      token,
      '--name',
      'e2e-box',
      '--state-dir',
      stateDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await expect.poll(() => output, { timeout: 60_000 }).toContain('working for');
    const row = page.locator('tr', { hasText: 'e2e-box' });
    await expect(row.getByText('Online')).toBeVisible({ timeout: 30_000 });
    await page.screenshot(shot('20-workers'));

    const created = await page.request.post('/v1/schedules', {
      headers: { 'X-Crony-CSRF': '1' },
      data: {
        name: 'Build report',
        cron: '0 0 1 1 *',
        target: {
          type: 'command',
          command: ['sh', '-c', 'echo hello from the worker; echo "::progress 50 halfway"; sleep 4; echo all done'],
        },
      },
    });
    expect(created.status()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await page.goto(`/schedules/${id}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('link', { name: 'View run' }).click();
    const logs = page.getByRole('log', { name: 'Run output' });
    await expect(logs).toContainText('hello from the worker', { timeout: 30_000 });
    await expect(page.getByTestId('run-progress-percent')).toHaveText('50%');
    await page.screenshot(shot('21-command-run-live'));
    await expect(page.getByTestId('run-status')).toContainText(/succeeded/i, { timeout: 30_000 });
    await expect(logs).toContainText('all done');

    // Runs filtered by that worker show the run; the filter is in the address.
    await page.goto('/runs');
    await page.getByLabel('Worker').selectOption({ label: 'e2e-box' });
    await expect(page).toHaveURL(/worker=[0-9a-f]{24}/);
    await expect(page.getByText('Build report').first()).toBeVisible();
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await fs.rm(stateDir, { recursive: true, force: true });
  }
});

test('the console works on a narrow screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/signup');
  await page.getByLabel('Email').fill(`narrow-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Tenant name').fill('Narrow Team');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  // Nothing wider than the screen: the page does not scroll sideways.
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  // On failure, name the elements that stick out, outermost first.
  const offenders = (await page.evaluate(`[...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 8)
    .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' ' + Math.round(el.getBoundingClientRect().right))`)) as string[];
  expect(overflow, offenders.join(', ')).toBeLessThanOrEqual(0);
  await page.screenshot(shot('22-overview-narrow'));
  await page.getByRole('link', { name: 'Members' }).first().click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await page.screenshot(shot('23-members-narrow'));
});
