import { z } from 'zod';
import {
  HookDeliveries,
  ScheduleError,
  WebhookSecret,
  BulkScheduleResult,
  CreatedInvitation,
  InvitationPreview,
  Member,
  MemberList,
  Overview,
  RetryRunsResult,
  type BulkScheduleBody,
  type RetryRunsBody,
  type Role,
  CreatedToken,
  CreatedWorkerToken,
  ErrorEnvelope,
  FireTimes,
  Group,
  Me,
  Profile,
  Run,
  RunLogs,
  Schedule,
  Token,
  Worker,
  WorkerToken,
  page,
  type CreateGroupBody,
  type CreateProfileBody,
  type CreateScheduleBody,
  type CreateTokenBody,
  type CreateWorkerTokenBody,
  type CronPreviewBody,
  type ErrorDetail,
  type LoginBody,
  type RunStatus,
  type SignupBody,
  type UpdateGroupBody,
  type UpdateProfileBody,
  type UpdateScheduleBody,
} from '@crony/shared';

/**
 * The console's only way to reach the API: same-origin `/v1` calls with the session cookie.
 * Runs in the browser only (every page fetches client-side through TanStack Query).
 */

/** An error the API answered with (`status` > 0), or a failure to reach it (`status` 0). */
export class ApiError extends Error {
  readonly status: number;
  /** The API's machine code (see `errorCodes` in `@crony/shared`), or `network_error`. */
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** The message to show for any error a query or mutation produced. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return 'Something went wrong. Try again.';
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send(method: Method, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  // The API refuses cookie-authenticated writes without this header; a cross-site form cannot set it.
  if (method !== 'GET') headers['X-Crony-CSRF'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.', [], {
      cause,
    });
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

async function toApiError(res: Response): Promise<ApiError> {
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    // Not JSON (a proxy's error page, for instance): fall through to a generic message.
  }
  const parsed = ErrorEnvelope.safeParse(json);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(res.status, code, message, details ?? []);
  }
  const loose = json as { error?: { code?: unknown; message?: unknown } } | null;
  const code = typeof loose?.error?.code === 'string' ? loose.error.code : `http_${res.status}`;
  const message =
    typeof loose?.error?.message === 'string'
      ? loose.error.message
      : `The server answered ${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, code, message);
}

async function json<S extends z.ZodType>(
  schema: S,
  method: Method,
  path: string,
  body?: unknown,
): Promise<z.output<S>> {
  const res = await send(method, path, body);
  const data: unknown = await res.json();
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  // A response that drifts from the shared contract is a bug to report, not a reason to blank
  // the page: log it loudly and show what arrived.
  console.error(`Response of ${method} ${path} does not match the shared schema`, parsed.error.issues);
  return data as z.output<S>;
}

async function empty(method: Method, path: string, body?: unknown): Promise<void> {
  await send(method, path, body);
}

const SchedulePage = page(Schedule);
const RunPage = page(Run);
// Accept both a bare array and a page, since the tokens list needs no pagination.
const TokenList = z.union([z.array(Token), page(Token)]);

// Workers and their registration tokens come as one page (`next_cursor: null`).
const WorkerList = page(Worker);
const WorkerTokenList = page(WorkerToken);

const ProfileList = page(Profile);
const GroupList = page(Group);

export type SchedulePage = z.infer<typeof SchedulePage>;
export type RunPage = z.infer<typeof RunPage>;

export type ScheduleSort = 'created' | 'name' | 'next_run_at' | 'last_run';

export interface ListSchedulesParams {
  q?: string;
  paused?: boolean;
  /** Status of the latest run, or `never`. */
  status?: RunStatus | 'never';
  /** A command target label, `key=value`. */
  label?: string;
  /** Only the tasks of this group (id or name). */
  group?: string;
  sort?: ScheduleSort;
  order?: 'asc' | 'desc';
  cursor?: string;
  limit?: number;
}

export interface ListRunsParams {
  status?: RunStatus;
  schedule_id?: string;
  /** ISO instant: runs whose slot (nominal_at) is at or after it. */
  from?: string;
  /** ISO instant: runs whose slot (nominal_at) is before it. */
  to?: string;
  /** A worker id or executor name. */
  worker?: string;
  cursor?: string;
  limit?: number;
}

const id = (value: string) => encodeURIComponent(value);

export const api = {
  me: () => json(Me, 'GET', '/v1/me'),
  signup: (body: z.input<typeof SignupBody>) => json(Me, 'POST', '/v1/auth/signup', body),
  login: (body: z.input<typeof LoginBody>) => json(Me, 'POST', '/v1/auth/login', body),
  logout: () => empty('POST', '/v1/auth/logout'),

  listSchedules: (p: ListSchedulesParams) =>
    json(
      SchedulePage,
      'GET',
      withQuery('/v1/schedules', {
        q: p.q,
        paused: p.paused,
        group: p.group,
        status: p.status,
        label: p.label,
        sort: p.sort,
        order: p.order,
        cursor: p.cursor,
        limit: p.limit,
      }),
    ),
  getSchedule: (scheduleId: string) => json(Schedule, 'GET', `/v1/schedules/${id(scheduleId)}`),
  createSchedule: (body: z.input<typeof CreateScheduleBody>) => json(Schedule, 'POST', '/v1/schedules', body),
  updateSchedule: (scheduleId: string, body: z.input<typeof UpdateScheduleBody>) =>
    json(Schedule, 'PATCH', `/v1/schedules/${id(scheduleId)}`, body),
  deleteSchedule: (scheduleId: string) => empty('DELETE', `/v1/schedules/${id(scheduleId)}`),
  pauseSchedule: (scheduleId: string) => json(Schedule, 'POST', `/v1/schedules/${id(scheduleId)}/pause`),
  resumeSchedule: (scheduleId: string) => json(Schedule, 'POST', `/v1/schedules/${id(scheduleId)}/resume`),
  /** Starts a manual run now, outside the schedule's slots. */
  triggerSchedule: (scheduleId: string) => json(Run, 'POST', `/v1/schedules/${id(scheduleId)}/trigger`),
  nextTimes: (scheduleId: string, count: number) =>
    json(FireTimes, 'GET', withQuery(`/v1/schedules/${id(scheduleId)}/next`, { count })),
  scheduleRuns: (scheduleId: string, p: { cursor?: string; limit?: number }) =>
    json(RunPage, 'GET', withQuery(`/v1/schedules/${id(scheduleId)}/runs`, { cursor: p.cursor, limit: p.limit })),

  listRuns: (p: ListRunsParams) =>
    json(
      RunPage,
      'GET',
      withQuery('/v1/runs', {
        status: p.status,
        schedule_id: p.schedule_id,
        from: p.from,
        to: p.to,
        worker: p.worker,
        cursor: p.cursor,
        limit: p.limit,
      }),
    ),
  getRun: (runId: string) => json(Run, 'GET', `/v1/runs/${id(runId)}`),
  /** Cancels a queued or running run; a finished one answers 409 `conflict`. */
  cancelRun: (runId: string) => json(Run, 'POST', `/v1/runs/${id(runId)}/cancel`),
  /** The run's captured output (stdout, stderr and system lines), in order. */
  runLogs: (runId: string) => json(RunLogs, 'GET', `/v1/runs/${id(runId)}/logs`),

  /** A new manual run of the run's schedule, linked by `retry_of`; once per run (409 after). */
  retryRun: (runId: string) => json(Run, 'POST', `/v1/runs/${id(runId)}/retry`),
  /** Retries up to 100 matching runs that ended without success. */
  retryRuns: (body: z.input<typeof RetryRunsBody>) => json(RetryRunsResult, 'POST', '/v1/runs/retry', body),
  bulkSchedules: (body: z.input<typeof BulkScheduleBody>) =>
    json(BulkScheduleResult, 'POST', '/v1/schedules/bulk', body),
  overview: () => json(Overview, 'GET', '/v1/overview'),

  listMembers: () => json(MemberList, 'GET', '/v1/members'),
  /** Admins; the answer holds the one-time accept link (no email is sent). */
  inviteMember: (body: { email: string; role: Role }) => json(CreatedInvitation, 'POST', '/v1/members', body),
  changeRole: (memberId: string, role: Role) => json(Member, 'PATCH', `/v1/members/${id(memberId)}`, { role }),
  removeMember: (memberId: string) => empty('DELETE', `/v1/members/${id(memberId)}`),
  revokeInvitation: (invitationId: string) => empty('DELETE', `/v1/invitations/${id(invitationId)}`),
  previewInvitation: (token: string) => json(InvitationPreview, 'GET', `/v1/invitations/accept/${id(token)}`),
  acceptInvitation: (token: string, password: string) =>
    json(Me, 'POST', `/v1/invitations/accept/${id(token)}`, { password }),

  preview: (body: z.input<typeof CronPreviewBody>) => json(FireTimes, 'POST', '/v1/cron/preview', body),

  listTokens: async () => {
    const res = await json(TokenList, 'GET', '/v1/tokens');
    return Array.isArray(res) ? res : res.data;
  },
  createToken: (body: z.input<typeof CreateTokenBody>) => json(CreatedToken, 'POST', '/v1/tokens', body),
  revokeToken: (tokenId: string) => empty('DELETE', `/v1/tokens/${id(tokenId)}`),

  listWorkers: async () => (await json(WorkerList, 'GET', '/v1/workers')).data,
  /** Revokes the worker's credential at once (admin/owner): its next call to the API is refused. */
  revokeWorker: (workerId: string) => empty('DELETE', `/v1/workers/${id(workerId)}`),
  listWorkerTokens: async () => (await json(WorkerTokenList, 'GET', '/v1/worker-tokens')).data,
  /** Admin/owner only; the answer holds the secret and the registration command, once. */
  createWorkerToken: (body: z.input<typeof CreateWorkerTokenBody>) =>
    json(CreatedWorkerToken, 'POST', '/v1/worker-tokens', body),
  /** Stops new registrations with the token; workers already registered keep working. */
  revokeWorkerToken: (tokenId: string) => empty('DELETE', `/v1/worker-tokens/${id(tokenId)}`),

  /** All profiles, the default first. */
  listProfiles: async () => (await json(ProfileList, 'GET', '/v1/profiles')).data,
  createProfile: (body: z.input<typeof CreateProfileBody>) => json(Profile, 'POST', '/v1/profiles', body),
  updateProfile: (profileId: string, body: z.input<typeof UpdateProfileBody>) =>
    json(Profile, 'PATCH', `/v1/profiles/${id(profileId)}`, body),
  /** 409 for the default profile or one still named by schedules or groups. */
  deleteProfile: (profileId: string) => empty('DELETE', `/v1/profiles/${id(profileId)}`),

  listGroups: async () => (await json(GroupList, 'GET', withQuery('/v1/groups', { limit: 200 }))).data,
  /** `ref` is the group's id or name. */
  getGroup: (ref: string) => json(Group, 'GET', `/v1/groups/${id(ref)}`),
  createGroup: (body: z.input<typeof CreateGroupBody>) => json(Group, 'POST', '/v1/groups', body),
  updateGroup: (ref: string, body: z.input<typeof UpdateGroupBody>) =>
    json(Group, 'PATCH', `/v1/groups/${id(ref)}`, body),
  pauseGroup: (ref: string) => json(Group, 'POST', `/v1/groups/${id(ref)}/pause`),
  resumeGroup: (ref: string) => json(Group, 'POST', `/v1/groups/${id(ref)}/resume`),
  /** 409 `group_not_empty` while it has tasks, unless `cascade` (which deletes them). */
  deleteGroup: (ref: string, cascade: boolean) =>
    empty('DELETE', withQuery(`/v1/groups/${id(ref)}`, { cascade: cascade ? 'true' : undefined })),
  groupTasks: (ref: string, p: { cursor?: string; limit?: number }) =>
    json(SchedulePage, 'GET', withQuery(`/v1/schedules/${id(ref)}/tasks`, { cursor: p.cursor, limit: p.limit })),
};

const ErrorPage = page(ScheduleError);
export type ErrorPage = z.infer<typeof ErrorPage>;

export interface ListErrorsParams {
  schedule_id?: string;
  group_id?: string;
  code?: string;
  /** ISO instant: entries recorded at or after it. */
  from?: string;
  /** ISO instant: entries recorded before it. */
  to?: string;
  cursor?: string;
  limit?: number;
}

/** Errors, hook deliveries and the webhook secret (issue 6). */
export const hooksApi = {
  listErrors: (p: ListErrorsParams) =>
    json(
      ErrorPage,
      'GET',
      withQuery('/v1/errors', {
        schedule_id: p.schedule_id,
        group_id: p.group_id,
        code: p.code,
        from: p.from,
        to: p.to,
        cursor: p.cursor,
        limit: p.limit,
      }),
    ),
  /** Empties a schedule's `errors` (members and up). */
  clearErrors: (scheduleId: string) => empty('DELETE', `/v1/schedules/${id(scheduleId)}/errors`),
  runDeliveries: async (runId: string) => (await json(HookDeliveries, 'GET', `/v1/runs/${id(runId)}/deliveries`)).data,
  /** Admins only. */
  webhookSecret: () => json(WebhookSecret, 'GET', '/v1/settings/webhooks'),
  /** Admins only; the old secret keeps signing for 24 hours. */
  rotateWebhookSecret: () => json(WebhookSecret, 'POST', '/v1/settings/webhooks/rotate'),
};
