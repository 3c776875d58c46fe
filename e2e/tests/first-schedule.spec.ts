import { expect, test } from '@playwright/test';
import { shot, startReceiver } from '../support/receiver.ts';

test('a new user signs up, creates a schedule and sees it succeed', async ({ page }) => {
  const receiver = await startReceiver();
  try {
    const email = `e2e-${Date.now()}@example.com`;

    await page.goto('/signup');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('Tenant name').fill('E2E Team');
    await page.screenshot(shot('01-signup'));
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect(page).toHaveURL(/\/overview$/);
    await expect(page.getByTestId('tenant-name')).toHaveText('E2E Team');
    await expect(page.getByTestId('user-email')).toHaveText(email);
    await expect(page.getByText('No runs in the last 24 hours.')).toBeVisible();
    await page.screenshot(shot('02-empty-overview'));
    await page.getByRole('link', { name: 'Schedules', exact: true }).first().click();
    await expect(page).toHaveURL(/\/schedules$/);
    await page.screenshot(shot('02-empty-schedules'));

    await page
      .getByRole('link', { name: /New schedule|Create your first schedule/ })
      .first()
      .click();
    await page.getByLabel('Name').fill('Ping the receiver');
    await page.getByLabel('Cron expression').fill('*/3 * * * * *');
    await expect(page.getByText('Every 3 seconds')).toBeVisible();
    await page.getByLabel('URL').fill(receiver.url);
    await expect(page.getByTestId('fire-preview').locator('li')).toHaveCount(5);
    await page.screenshot(shot('03-new-schedule-form'));
    await page.getByRole('button', { name: 'Create schedule' }).click();

    await expect(page).toHaveURL(/\/schedules\/[0-9a-f]{24}$/);
    await page.getByRole('tab', { name: 'Runs' }).click();
    const history = page.getByRole('region', { name: 'Run history' });
    await expect(history.locator('[data-status="succeeded"]').first()).toBeVisible({ timeout: 30_000 });
    expect(receiver.hits()).toBeGreaterThan(0);
    await page.screenshot(shot('04-schedule-detail-with-runs'));

    await page.getByRole('link', { name: 'Runs' }).first().click();
    await expect(page.locator('tbody [data-status="succeeded"]').first()).toBeVisible();
    await expect(page.getByText('Ping the receiver').first()).toBeVisible();
    await page.screenshot(shot('05-runs'));

    await page.getByRole('link', { name: 'Schedules' }).first().click();
    // Until the list replaces the runs page, the runs' rows link to the schedule by name too.
    await expect(page.getByRole('heading', { name: 'Schedules', level: 1, exact: true })).toBeVisible();
    await expect(page.getByText('Ping the receiver')).toBeVisible();
    await page.getByRole('button', { name: 'Pause Ping the receiver' }).click();
    await expect(page.getByRole('button', { name: 'Resume Ping the receiver' })).toBeVisible();
    await page.screenshot(shot('06-schedules-list'));
  } finally {
    await receiver.close();
  }
});

test('a user creates an API token, sees it once, and revokes it', async ({ page, request }) => {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(`tokens-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Tenant name').fill('Token Team');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/overview$/);

  await page.getByRole('link', { name: 'Tokens' }).first().click();
  await page.getByLabel('Name').fill('deploy bot');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^crony_/);
  await page.screenshot(shot('07-token-created'));

  const me = await request.get('/v1/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);

  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('new-token-secret')).toHaveCount(0);
  await page.getByRole('button', { name: 'Revoke deploy bot' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByText('Revoked')).toBeVisible();
  const after = await request.get('/v1/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
});
