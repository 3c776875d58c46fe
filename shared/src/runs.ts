import { z } from 'zod';
import { Id, IsoDateTime, PageQuery } from './common.ts';

export const runStatuses = [
  'queued',
  'leased',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'preempted',
  'cancelled',
  'missed',
] as const;
export const RunStatus = z.enum(runStatuses);
export type RunStatus = z.infer<typeof RunStatus>;

/** States a run never leaves. */
export const finalRunStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'missed'];

export const RunTrigger = z.enum(['schedule', 'manual']);

export const Run = z.object({
  id: Id,
  schedule_id: Id,
  schedule_name: z.string(),
  status: RunStatus,
  trigger: RunTrigger,
  /** The slot this run belongs to: the instant the schedule said it should start. */
  nominal_at: IsoDateTime,
  attempt: z.number().int(),
  started_at: IsoDateTime.nullable(),
  finished_at: IsoDateTime.nullable(),
  duration_ms: z.number().int().nullable(),
  /** started_at − nominal_at, in milliseconds. */
  lateness_ms: z.number().int().nullable(),
  http_status: z.number().int().nullable(),
  /** The first bytes of the response body (capped), for a quick look. */
  response_excerpt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  created_at: IsoDateTime,
});
export type Run = z.infer<typeof Run>;

export const ListRunsQuery = PageQuery.extend({
  status: RunStatus.optional(),
  schedule_id: Id.optional(),
});
