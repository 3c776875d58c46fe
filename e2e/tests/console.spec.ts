import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { shot } from '../support/receiver.ts';

/**
 * A loopback target: `/ok` answers 200, `/fail` 500, and `/slow` reports progress to the run's
 * X-Crony-Progress-Url twice, holding the request until the test releases it.
 */
async function startTarget() {
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      void (async () => {
        if (req.url?.startsWith('/fail')) return res.writeHead(500).end('broken on purpose');
        if (req.url?.startsWith('/slow')) {
          const url = String(req.headers['x-crony-progress-url']);
          const token = String(req.headers['x-crony-progress-token']);
          const report = (percent: number, message: string) =>
            fetch(url, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ percent, message }),
            });
          await report(40, 'copying rows');
          await released;
          await report(90, 'almost there');
        }
        res.writeHead(200).end('ok');
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    release: () => release(),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function signUp(page: Page, tenant: string): Promise<string> {
  const email = `${tenant.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Tenant name').fill(tenant);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/overview$/);
  return email;
}

/** Creates a schedule through the API with the page's own session (cookie + CSRF header). */
async function createSchedule(request: APIRequestContext, body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await request.post('/v1/schedules', { data: body, headers: { 'X-Crony-CSRF': '1' } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { id: string };
}

test('the dashboard shows real runs and failures; bulk pause from the list', async ({ page }) => {
  const target = await startTarget();
  try {
    await signUp(page, 'Dashboard Team');
    await createSchedule(page.request, {
      name: 'Heartbeat',
      cron: '*/2 * * * * *',
      target: { type: 'http', url: `${target.base}/ok` },
    });
    await createSchedule(page.request, {
      name: 'Broken export',
      cron: '*/3 * * * * *',
      target: { type: 'http', url: `${target.base}/fail` },
      retry: { max_attempts: 1 },
    });
    await createSchedule(page.request, {
      name: 'Nightly',
      cron: '*/10 * * * *',
      target: { type: 'http', url: `${target.base}/ok` },
    });

    await page.goto('/overview');
    await expect(page.getByTestId('failing').getByText('Broken export')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('runs-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
    await expect(page.getByTestId('upcoming').getByText('Nightly').first()).toBeVisible();
    await expect(page.getByTestId('percentiles').locator('td.num.mono').first()).not.toHaveText('—');
    await page.screenshot(shot('10-overview'));

    await page.getByRole('link', { name: 'Schedules', exact: true }).first().click();
    await page.getByLabel('Select Heartbeat').check();
    await page.getByLabel('Select Broken export').check();
    await expect(page.getByText('2 schedules selected')).toBeVisible();
    await page.screenshot(shot('11-schedules-selected'));
    await page.getByRole('region', { name: 'Bulk actions' }).getByRole('button', { name: 'Pause' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText('Heartbeat')).toBeVisible();
    await dialog.getByRole('button', { name: 'Pause 2 schedules' }).click();
    await expect(page.getByTestId('bulk-summary')).toHaveText('Paused 2 schedules.');
    await expect(
      page.locator('tr', { hasText: 'Heartbeat' }).getByRole('button', { name: 'Resume Heartbeat' }),
    ).toBeVisible();
    await expect(
      page.locator('tr', { hasText: 'Nightly' }).getByRole('button', { name: 'Pause Nightly' }),
    ).toBeVisible();
    await page.screenshot(shot('12-schedules-bulk-paused'));
    await page.getByRole('button', { name: 'Resume Heartbeat' }).click();
    await expect(page.getByRole('button', { name: 'Pause Heartbeat' })).toBeVisible();

    // Sorting by name puts the list in order and says so to assistive tech.
    await page.getByRole('button', { name: /^Name/ }).click();
    await expect(page.locator('tbody tr .row-title').first()).toHaveText('Broken export');
    await expect(page.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'ascending');
  } finally {
    await target.close();
  }
});

test('a run reports progress live and ends in success; its failed sibling is retried', async ({ page }) => {
  const target = await startTarget();
  try {
    await signUp(page, 'Live Team');
    const s = await createSchedule(page.request, {
      name: 'Slow import',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: `${target.base}/slow`, timeout_ms: 60_000 },
    });
    await page.goto(`/schedules/${s.id}`);
    await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('next-times').locator('li')).toHaveCount(10);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('link', { name: 'View run' }).click();
    await expect(page.getByTestId('run-progress-percent')).toHaveText('40%', { timeout: 30_000 });
    await expect(page.getByTestId('run-progress-message')).toHaveText('copying rows');
    await expect(page.getByTestId('run-status')).toContainText(/running/i);
    await page.screenshot(shot('13-run-live-progress'));
    target.release();
    await expect(page.getByTestId('run-status')).toContainText(/succeeded/i, { timeout: 30_000 });
    await expect(page.getByTestId('run-progress-percent')).toHaveText('90%');
    await page.screenshot(shot('14-run-succeeded'));

    const failing = await createSchedule(page.request, {
      name: 'Fails once',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: `${target.base}/fail` },
      retry: { max_attempts: 1 },
    });
    await page.goto(`/schedules/${failing.id}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('link', { name: 'View run' }).click();
    await expect(page.getByTestId('run-status')).toContainText(/failed/i, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByRole('link', { name: 'Open the retry' }).click();
    await expect(page.getByText(/Retry of/)).toBeVisible();
    await page.screenshot(shot('15-run-retry'));
  } finally {
    target.release();
    await target.close();
  }
});

test('an admin invites a member, who accepts the link and joins', async ({ page, browser }) => {
  await signUp(page, 'Invite Team');
  await page.getByRole('link', { name: 'Members' }).first().click();
  await expect(page.getByTestId('members').locator('tbody tr')).toHaveCount(1);
  const email = `invitee-${Date.now()}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = (await page.getByTestId('invite-link').textContent())?.trim() ?? '';
  expect(link).toMatch(/\/invite\/crony_inv_/);
  await expect(page.getByTestId('invitations').getByRole('cell', { name: email, exact: true })).toBeVisible();
  await page.screenshot(shot('16-members-invited'));

  const invitee = await browser.newContext();
  try {
    const p = await invitee.newPage();
    await p.goto(link);
    await expect(p.getByRole('heading', { name: 'Join Invite Team' })).toBeVisible();
    await p.getByLabel('Password').fill('short');
    await p.getByRole('button', { name: 'Join Invite Team' }).click();
    await expect(p.getByText('must be at least 10 characters')).toBeVisible();
    await p.screenshot(shot('17-invite-accept'));
    await p.getByLabel('Password').fill('another long password');
    await p.getByRole('button', { name: 'Join Invite Team' }).click();
    await expect(p).toHaveURL(/\/overview$/);
    await expect(p.getByTestId('tenant-name')).toHaveText('Invite Team');
    await expect(p.getByTestId('user-email')).toHaveText(email);
    await p.screenshot(shot('18-invitee-joined'));
    // The link worked once.
    await p.goto(link);
    await expect(p.getByRole('heading', { name: 'Invitation not valid' })).toBeVisible();
  } finally {
    await invitee.close();
  }

  await page.reload();
  await expect(page.getByLabel(`Role of ${email}`)).toHaveValue('viewer');
  await page.getByLabel(`Role of ${email}`).selectOption('member');
  await expect(page.getByLabel(`Role of ${email}`)).toHaveValue('member');
  await page.getByRole('button', { name: `Remove ${email}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
  await expect(page.locator('tr', { hasText: email })).toHaveCount(0);
  await page.screenshot(shot('19-members'));
});
