import { z } from 'zod';
import { Id, IsoDateTime, PageQuery } from './common.ts';

/** The hook fields of a schedule; each is null (off) or a hook target. */
export const hookKinds = ['progress_hook', 'error_hook', 'success_hook', 'missed_hook'] as const;
export type HookKind = (typeof hookKinds)[number];

export const hookEventTypes = ['run.progress', 'run.failed', 'run.succeeded', 'run.missed'] as const;
export const HookEventType = z.enum(hookEventTypes);
export type HookEventType = z.infer<typeof HookEventType>;

/** Which hook field receives which event. */
export const hookForEvent: Record<HookEventType, HookKind> = {
  'run.progress': 'progress_hook',
  'run.failed': 'error_hook',
  'run.succeeded': 'success_hook',
  'run.missed': 'missed_hook',
};

/**
 * The JSON every hook receives (the POST body). `run.failed` is sent once per failed or
 * timed-out attempt (`final` says whether a retry follows); `run.missed` when a slot was
 * recorded as missed; `run.progress` for each progress report, in order.
 */
export const HookEvent = z.object({
  /** Stable per event: the same id on every delivery attempt, also sent as `webhook-id`. */
  id: z.string(),
  type: HookEventType,
  tenant_id: Id,
  run_id: Id,
  schedule_id: Id,
  schedule_name: z.string(),
  nominal_at: IsoDateTime,
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  /** The run's status when the event was made (`running`, `failed`, `timed_out`, `queued` for a pending retry…). */
  status: z.string(),
  /** True when no further attempt follows (failed events), always true for succeeded/missed. */
  final: z.boolean(),
  progress: z.object({ percent: z.number(), message: z.string() }).nullable(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      http_status: z.number().int().nullable(),
      exit_code: z.number().int().nullable(),
    })
    .nullable(),
  /** Which executor ran the attempt: `server:host:pid` or `worker:<id>`. */
  executor: z.string().nullable(),
  at: IsoDateTime,
});
export type HookEvent = z.infer<typeof HookEvent>;

export const deliveryStatuses = ['pending', 'succeeded', 'failed', 'superseded'] as const;

/** One try at delivering an event. */
export const DeliveryAttempt = z.object({
  at: IsoDateTime,
  http_status: z.number().int().nullable(),
  latency_ms: z.number().int(),
  /** Why the try failed (null when the receiver answered 2xx). */
  error: z.string().nullable(),
});

export const HookDelivery = z.object({
  id: z.string(),
  run_id: Id,
  schedule_id: Id,
  hook: z.enum(hookKinds),
  event_type: HookEventType,
  /** Where an HTTP hook posts; null for a command hook. */
  url: z.string().nullable(),
  /** A command hook's argv; null for an HTTP hook. */
  command: z.array(z.string()).nullable(),
  /** A command hook's run (on a worker), whose outcome is the delivery's. */
  hook_run_id: Id.nullable(),
  /** `superseded`: a newer progress event replaced it before it was delivered. */
  status: z.enum(deliveryStatuses),
  attempts: z.array(DeliveryAttempt),
  /** When the next try is due (pending only). */
  next_attempt_at: IsoDateTime.nullable(),
  event: HookEvent,
  created_at: IsoDateTime,
});
export type HookDelivery = z.infer<typeof HookDelivery>;

export const HookDeliveries = z.object({ data: z.array(HookDelivery) });

/**
 * An entry of a schedule's `errors`: a run that ended failed or timed out, a missed slot, or
 * an error hook that could not be delivered (`hook_failed`).
 */
export const ScheduleError = z.object({
  id: Id,
  schedule_id: Id,
  schedule_name: z.string(),
  group_id: Id.nullable(),
  run_id: Id.nullable(),
  nominal_at: IsoDateTime.nullable(),
  attempt: z.number().int().nullable(),
  code: z.string(),
  message: z.string(),
  /** The run's final status: failed, timed_out or missed (null for hook_failed). */
  status: z.string().nullable(),
  worker: z.string().nullable(),
  at: IsoDateTime,
});
export type ScheduleError = z.infer<typeof ScheduleError>;

export const ListErrorsQuery = PageQuery.extend({
  schedule_id: Id.optional(),
  group_id: Id.optional(),
  code: z.string().max(64).optional(),
  /** Entries recorded at or after this instant. */
  from: IsoDateTime.optional(),
  /** Entries recorded before this instant. */
  to: IsoDateTime.optional(),
});

/** The tenant's webhook signing secret (admins). */
export const WebhookSecret = z.object({
  /** `whsec_` + base64 key, as Standard Webhooks libraries take it. */
  secret: z.string(),
  created_at: IsoDateTime,
  /** After a rotation, the old secret also signs until this instant (24 hours). */
  previous_valid_until: IsoDateTime.nullable(),
});
export type WebhookSecret = z.infer<typeof WebhookSecret>;
