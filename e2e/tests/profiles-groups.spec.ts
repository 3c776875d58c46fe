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
  await expect(page).toHaveURL(/\/overview$/);

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
  await page.screenshot(shot('30-profiles'));

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

  await page.getByRole('tab', { name: 'Effective settings' }).click();
  const effective = page.getByTestId('effective-settings');
  await expect(effective).toContainText('batch');
  await expect(effective).toContainText('from its group');
  await expect(page.getByTestId('effective-priority')).toContainText('10');
  await expect(page.getByTestId('effective-priority')).toContainText('from its profile');
  await expect(page.getByTestId('effective-max-concurrent')).toContainText('2 runs');
  await expect(page.getByTestId('effective-deadline')).toContainText('48 minutes');
  await page.screenshot(shot('31-effective-settings'));

  // Pausing the group holds the task.
  await effective.getByRole('link', { name: 'nightly-etl' }).click();
  const tasks = page.getByRole('table', { name: 'Tasks' });
  await expect(tasks.getByRole('link', { name: 'load orders' })).toBeVisible();
  await page.getByRole('button', { name: 'Pause group' }).click();
  await expect(page.getByRole('button', { name: 'Resume group' })).toBeVisible();
  await expect(tasks.locator('tr', { hasText: 'load orders' })).toContainText('Paused');
  await page.screenshot(shot('32-group-paused'));

  // The schedule list filters by group and names each task's group.
  await page.getByRole('link', { name: 'Schedules', exact: true }).first().click();
  await page.getByLabel('Group', { exact: true }).selectOption('nightly-etl');
  await expect(page).toHaveURL(/group=nightly-etl/);
  const row = page.locator('tr', { hasText: 'load orders' });
  await expect(row).toBeVisible();
  await expect(row.getByRole('link', { name: 'nightly-etl' })).toBeVisible();
});

test('an admin edits a profile; a member sees profiles read only and is refused an edit', async ({ page, browser }) => {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(`profiles-admin-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Tenant name').fill('Profile Team');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/overview$/);

  // The admin creates a profile, then edits it.
  await page.getByRole('link', { name: 'Profiles' }).first().click();
  const profiles = page.getByRole('table', { name: 'Profiles' });
  const create = page.getByRole('form', { name: 'New profile' });
  await create.getByLabel('Name').fill('reports');
  await create.getByLabel('Default priority').fill('50');
  await create.getByRole('button', { name: 'Create profile' }).click();
  const row = profiles.locator('tr', { hasText: 'reports' });
  await expect(row).toContainText('50');
  const profileId = await row.getAttribute('data-profile-id');
  await page.getByRole('button', { name: 'Edit profile reports' }).click();
  const edit = page.getByRole('form', { name: 'Edit profile reports' });
  await edit.getByLabel('Default priority').fill('70');
  await edit.getByRole('button', { name: 'Save profile' }).click();
  await expect(row).toContainText('70');

  // A member joins through an invitation.
  await page.getByRole('link', { name: 'Members' }).first().click();
  await page.getByLabel('Email').fill(`profiles-member-${Date.now()}@example.com`);
  await page.getByLabel('Role', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = (await page.getByTestId('invite-link').textContent())?.trim() ?? '';
  expect(link).toMatch(/\/invite\//);

  const member = await browser.newContext();
  try {
    const p = await member.newPage();
    await p.goto(link);
    await p.getByLabel('Password').fill('another long password');
    await p.getByRole('button', { name: 'Join Profile Team' }).click();
    await expect(p).toHaveURL(/\/overview$/);
    await p.getByRole('link', { name: 'Profiles' }).first().click();
    await expect(p.getByText(/Read only: profiles bound every team member/)).toBeVisible();
    await expect(p.getByRole('table', { name: 'Profiles' }).locator('tr', { hasText: 'reports' })).toContainText('70');
    await expect(p.getByRole('button', { name: 'Edit profile reports' })).toHaveCount(0);
    await expect(p.getByRole('form', { name: 'New profile' })).toHaveCount(0);
    await p.screenshot(shot('33-profiles-member-read-only'));
    // The API refuses the member's edit as well, with the console's own session.
    const refused = await p.request.patch(`/v1/profiles/${profileId}`, {
      data: { default_priority: 1 },
      headers: { 'X-Crony-CSRF': '1' },
    });
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  } finally {
    await member.close();
  }
});
