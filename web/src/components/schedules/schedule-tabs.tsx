import type { ReactNode } from 'react';
import type { Schedule } from '@crony/shared';
import { ScheduleErrors } from '../errors/schedule-errors.tsx';
import { EffectiveSettingsCard } from './effective-settings.tsx';
import { ScheduleHooks } from './schedule-hooks.tsx';
import { ScheduleOverviewTab } from './schedule-overview-tab.tsx';
import { RunHistory } from './schedule-run-history.tsx';

export interface ScheduleTab {
  /** The `?tab=` value; the first tab is the default. */
  id: string;
  label: string;
  render: (schedule: Schedule) => ReactNode;
}

/**
 * The sections of a schedule's page, in order. A feature adds its tab here (for example Errors,
 * Hooks, Settings) with a component that takes the schedule; the page itself does not change.
 */
export const scheduleTabs: readonly ScheduleTab[] = [
  { id: 'overview', label: 'Overview', render: (s) => <ScheduleOverviewTab schedule={s} /> },
  { id: 'runs', label: 'Runs', render: (s) => <RunHistory scheduleId={s.id} /> },
  { id: 'errors', label: 'Errors', render: (s) => <ScheduleErrors schedule={s} /> },
  { id: 'hooks', label: 'Hooks', render: (s) => <ScheduleHooks schedule={s} /> },
  { id: 'limits', label: 'Effective settings', render: (s) => <EffectiveSettingsCard schedule={s} /> },
];
