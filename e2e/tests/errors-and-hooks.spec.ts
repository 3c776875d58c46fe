import { expect, test } from '@playwright/test';
import { shot, startReceiver } from '../support/receiver.ts';

test('a failing schedule shows its errors, the error hook delivery, and the webhook secret can be rotated', async ({
  page,
}) => {
  const target = await startReceiver(500);
  const errorHook = await startReceiver(200);
  try {
    await page.goto('/signup');
    await page.getByLabel('Email').fill(`errors-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('Tenant name').fill('Errors Team');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/overview$/);
    await page.getByRole('link', { name: 'Schedules', exact: true }).first().click();

    await page
      .getByRole('link', { name: /New schedule|Create your first schedule/ })
      .first()
      .click();
    await page.getByLabel('Name').fill('Always fails');
    await page.getByLabel('Cron expression').fill('0 0 1 1 *');
    await page.getByLabel('URL').fill(target.url);
    await page.locator('summary', { hasText: 'Advanced' }).click();
    await page.getByLabel('Max attempts').fill('1');
    await page.getByLabel('Error hook').fill(errorHook.url);
    await page.screenshot(shot('41-errors-form-with-hook'));
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await expect(page).toHaveURL(/\/schedules\/[0-9a-f]{24}$/);

    await page
      .getByRole('button', { name: /Run now|Trigger/ })
      .first()
      .click();
    await page.getByRole('tab', { name: 'Errors' }).click();
    const errors = page.getByTestId('schedule-errors');
    await expect(errors.getByTestId('error-row')).toHaveCount(1, { timeout: 30_000 });
    await expect(errors.getByText('http_status')).toBeVisible();
    await page.screenshot(shot('42-errors-schedule-errors'));
    await page.getByRole('tab', { name: 'Hooks' }).click();
    await expect(page.getByTestId('hook-error_hook')).toContainText(errorHook.url);
    await expect(page.getByTestId('hook-success_hook')).toContainText('None');

    await page.getByRole('link', { name: 'Errors', exact: true }).click();
    await expect(page).toHaveURL(/\/errors$/);
    const row = page.getByTestId('error-row').first();
    await expect(row.getByText('Always fails')).toBeVisible();
    await page.getByLabel('Code').selectOption('missed');
    await expect(page.getByText('No errors match these filters.')).toBeVisible();
    await page.getByLabel('Code').selectOption('http_status');
    await expect(page.getByTestId('error-row')).toHaveCount(1);
    await page.screenshot(shot('43-errors-errors-page'));

    await page.getByTestId('error-row').first().getByRole('link').last().click();
    await expect(page).toHaveURL(/\/runs\/[0-9a-f]{24}$/);
    const deliveries = page.getByTestId('hook-deliveries');
    await expect(deliveries.locator('[data-testid="delivery-row"][data-status="succeeded"]')).toHaveCount(1, {
      timeout: 30_000,
    });
    await expect(deliveries.getByText('run.failed')).toBeVisible();
    expect(errorHook.hits()).toBe(1);
    await page.screenshot(shot('44-errors-run-deliveries'));

    await page.getByRole('link', { name: 'Errors', exact: true }).click();
    await page.getByRole('link', { name: 'Always fails' }).first().click();
    await page.getByRole('tab', { name: 'Errors' }).click();
    await page.getByTestId('schedule-errors').getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Clear errors' }).click();
    await expect(page.getByTestId('schedule-errors').getByText('No errors.')).toBeVisible();

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const secret = page.getByTestId('webhook-secret');
    await expect(secret).toContainText('•');
    await page.getByRole('button', { name: 'Reveal' }).click();
    await expect(secret).toHaveText(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const before = await secret.textContent();
    await page.getByRole('button', { name: 'Rotate…' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await expect(page.getByText('A new secret is in use')).toBeVisible();
    await expect(secret).not.toHaveText(before ?? '');
    await expect(page.getByText('The previous secret also signs until')).toBeVisible();
    await page.screenshot(shot('45-errors-settings'));
  } finally {
    await target.close();
    await errorHook.close();
  }
});
