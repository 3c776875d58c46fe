import { expect, test } from '@playwright/test';
import { shot } from '../support/receiver.ts';

test('an admin sets up a profile and a group, adds a task, sees its effective settings, and pauses the group', async ({
  page,
}) => {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(`groups-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Tenant name').fill('Groups Team');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/schedules$/);

  // Profiles: the default exists; a new one is validated by the shared schema, then created.
  await page.getByRole('link', { name: 'Profiles' }).first().click();
  const profiles = page.getByRole('table', { name: 'Profiles' });
  await expect(profiles.getByText('default', { exact: true }).first()).toBeVisible();
  const form = page.getByRole('form', { name: 'New profile' });
  await form.getByLabel('Name').fill('batch');
  await form.getByLabel('Default priority').fill('5000');
  await form.getByRole('button', { name: 'Create profile' }).click();
  await expect(form.getByText('Must be at most 1000')).toBeVisible();
  await form.getByLabel('Default priority').fill('10');
  await form.getByLabel('Max concurrent runs').fill('2');
  await form.getByRole('button', { name: 'Create profile' }).click();
  await expect(profiles.locator('tr', { hasText: 'batch' })).toContainText('10');
  await page.screenshot(shot('20-profiles'));

  // Groups: one using that profile.
  await page.getByRole('link', { name: 'Groups' }).first().click();
  const newGroup = page.getByRole('form', { name: 'New group' });
  await newGroup.getByLabel('Name').fill('nightly-etl');
  await newGroup.getByLabel('Profile').selectOption({ label: 'batch' });
  await newGroup.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('link', { name: 'nightly-etl' }).click();
  await expect(page).toHaveURL(/\/groups\/nightly-etl$/);
  await expect(page.getByText('No tasks in this group yet.')).toBeVisible();

  // A task created from the group page starts in the group.
  await page.getByRole('link', { name: 'New task' }).click();
  await expect(page.getByLabel('Group', { exact: true })).toHaveValue(/[0-9a-f]{24}/);
  await page.getByLabel('Name').first().fill('load orders');
  await page.getByLabel('Cron expression').fill('0 * * * *');
  await page.getByLabel('URL').fill('https://example.com/hook');
  await page.getByLabel('Deadline').fill('80%');
  await page.getByRole('button', { name: 'Create schedule' }).click();
  await expect(page).toHaveURL(/\/schedules\/[0-9a-f]{24}$/);

  const effective = page.getByTestId('effective-settings');
  await expect(effective).toContainText('batch');
  await expect(effective).toContainText('from its group');
  await expect(page.getByTestId('effective-priority')).toContainText('10');
  await expect(page.getByTestId('effective-priority')).toContainText('from its profile');
  await expect(page.getByTestId('effective-max-concurrent')).toContainText('2 runs');
  await expect(page.getByTestId('effective-deadline')).toContainText('48 minutes');
  await page.screenshot(shot('21-effective-settings'));

  // Pausing the group holds the task.
  await effective.getByRole('link', { name: 'nightly-etl' }).click();
  const tasks = page.getByRole('table', { name: 'Tasks' });
  await expect(tasks.getByRole('link', { name: 'load orders' })).toBeVisible();
  await page.getByRole('button', { name: 'Pause group' }).click();
  await expect(page.getByRole('button', { name: 'Resume group' })).toBeVisible();
  await expect(tasks.locator('tr', { hasText: 'load orders' })).toContainText('Paused');
  await page.screenshot(shot('22-group-paused'));
});
