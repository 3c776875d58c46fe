import type { ListErrorsParams, ListRunsParams, ListSchedulesParams } from './api.ts';

/** Every TanStack Query key the console uses, so invalidations cannot drift from the reads. */
export const queryKeys = {
  me: ['me'] as const,
  schedules: ['schedules'] as const,
  scheduleList: (p: Omit<ListSchedulesParams, 'cursor' | 'limit'>) => ['schedules', 'list', p] as const,
  schedule: (id: string) => ['schedules', 'detail', id] as const,
  nextTimes: (id: string, count: number) => ['schedules', 'detail', id, 'next', count] as const,
  scheduleRuns: (id: string) => ['schedules', 'detail', id, 'runs'] as const,
  runs: ['runs'] as const,
  runList: (p: Pick<ListRunsParams, 'status' | 'schedule_id' | 'from' | 'to' | 'worker'>) =>
    ['runs', 'list', p] as const,
  run: (id: string) => ['runs', 'detail', id] as const,
  runLogs: (id: string) => ['runs', 'detail', id, 'logs'] as const,
  preview: (body: string) => ['preview', body] as const,
  tokens: ['tokens'] as const,
  overview: ['overview'] as const,
  members: ['members'] as const,
  invitation: (token: string) => ['invitation', token] as const,
  workers: ['workers'] as const,
  workerTokens: ['worker-tokens'] as const,
  profiles: ['profiles'] as const,
  groups: ['groups'] as const,
  group: (ref: string) => ['groups', 'detail', ref] as const,
  groupTasks: (ref: string) => ['groups', 'detail', ref, 'tasks'] as const,
};

/** Keys of the errors, deliveries and webhook settings views (issue 6). */
export const hookKeys = {
  errors: ['errors'] as const,
  errorList: (p: Omit<ListErrorsParams, 'cursor' | 'limit'>) => ['errors', 'list', p] as const,
  deliveries: (runId: string) => ['runs', 'detail', runId, 'deliveries'] as const,
  webhookSecret: ['settings', 'webhooks'] as const,
};
