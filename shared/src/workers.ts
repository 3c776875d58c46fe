import { z } from 'zod';
import { Id, IsoDateTime } from './common.ts';
import { CommandTarget, Labels } from './schedules.ts';

export const CreateWorkerTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  /** Labels every worker registered with this token carries (merged under its own). */
  labels: Labels.default({}),
});
export type CreateWorkerTokenBody = z.infer<typeof CreateWorkerTokenBody>;

export const WorkerToken = z.object({
  id: Id,
  name: z.string(),
  labels: Labels,
  prefix: z.string(),
  created_at: IsoDateTime,
  revoked_at: IsoDateTime.nullable(),
});
export type WorkerToken = z.infer<typeof WorkerToken>;

export const CreatedWorkerToken = WorkerToken.extend({
  /** The registration secret (`crony_wr_...`), returned once. */
  token: z.string(),
  /** The one-line command that registers a worker with it. */
  command: z.string(),
});
export type CreatedWorkerToken = z.infer<typeof CreatedWorkerToken>;

export const workerStates = ['online', 'draining', 'offline', 'revoked'] as const;
export const Worker = z.object({
  id: Id,
  name: z.string(),
  labels: Labels,
  version: z.string(),
  concurrency: z.number().int(),
  state: z.enum(workerStates),
  /** Runs this worker holds a lease on now. */
  running: z.number().int(),
  last_heartbeat_at: IsoDateTime.nullable(),
  created_at: IsoDateTime,
  revoked_at: IsoDateTime.nullable(),
});
export type Worker = z.infer<typeof Worker>;

// The worker protocol: what `crony worker` and the API say to each other.

export const RegisterWorkerBody = z.strictObject({
  token: z.string().min(1).max(200),
  name: z.string().trim().min(1).max(80),
  labels: Labels.default({}),
  version: z.string().max(40).default('unknown'),
  concurrency: z.number().int().min(1).max(64).default(1),
});
export type RegisterWorkerBody = z.infer<typeof RegisterWorkerBody>;

/**
 * What a worker says first on every start: it takes work again (a drain before its restart is
 * over), with this version, number of slots and labels (its own: the registration token's
 * labels are added, and its own win on the same key, as at registration).
 */
export const WorkerOnlineBody = RegisterWorkerBody.pick({ version: true, concurrency: true, labels: true });
export type WorkerOnlineBody = z.infer<typeof WorkerOnlineBody>;

/** The answer: the worker's id and the labels it now carries. */
export const WorkerOnline = z.object({ worker_id: Id, labels: Labels });
export type WorkerOnline = z.infer<typeof WorkerOnline>;

export const RegisteredWorker = z.object({
  worker_id: Id,
  /** The worker's own credential (`crony_w_...`), returned once; the worker stores it. */
  credential: z.string(),
  lease_ms: z.number().int(),
  heartbeat_ms: z.number().int(),
});
export type RegisteredWorker = z.infer<typeof RegisteredWorker>;

export const LeaseRequestBody = z.strictObject({
  /** How long the API may hold the request open waiting for work, in ms (0–25 000, default 20 000). */
  wait_ms: z.number().int().min(0).max(25_000).default(20_000),
});

export const LeasedRun = z.object({
  run_id: Id,
  lease_id: z.string(),
  epoch: z.number().int(),
  attempt: z.number().int(),
  schedule_id: Id,
  schedule_name: z.string(),
  nominal_at: IsoDateTime,
  target: CommandTarget,
  /** Bytes for the command's stdin (a command hook's event JSON); absent: no stdin. */
  stdin: z.string().nullable().optional(),
  lease_ms: z.number().int(),
  heartbeat_ms: z.number().int(),
});
export type LeasedRun = z.infer<typeof LeasedRun>;

const LeaseRef = { lease_id: z.string().min(1).max(100), epoch: z.number().int().min(1) };

export const WorkerHeartbeatBody = z.strictObject({
  ...LeaseRef,
  progress: z
    .strictObject({ percent: z.number().min(0).max(100), message: z.string().max(500).default('') })
    .optional(),
  /** Output since the last heartbeat, in order. */
  output: z
    .array(z.strictObject({ stream: z.enum(['stdout', 'stderr']), text: z.string().max(65_536) }))
    .max(1000)
    .default([]),
});
export type WorkerHeartbeatBody = z.infer<typeof WorkerHeartbeatBody>;

export const WorkerCompleteBody = z.strictObject({
  ...LeaseRef,
  status: z.enum(['succeeded', 'failed', 'timed_out']),
  exit_code: z.number().int().nullable(),
  error: z
    .strictObject({ code: z.string().max(60), message: z.string().max(2000) })
    .nullable()
    .default(null),
  /** Output not yet sent by a heartbeat. */
  output: WorkerHeartbeatBody.shape.output,
  /** The last progress reported, if a heartbeat did not carry it yet. */
  progress: WorkerHeartbeatBody.shape.progress,
});
export type WorkerCompleteBody = z.infer<typeof WorkerCompleteBody>;
