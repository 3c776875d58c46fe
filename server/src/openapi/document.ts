import {
  CreateGroupBody,
  CreateProfileBody,
  Group,
  Profile,
  UpdateGroupBody,
  UpdateProfileBody,
  AcceptInvitationBody,
  BulkScheduleBody,
  BulkScheduleResult,
  CreatedInvitation,
  InvitationPreview,
  InviteMemberBody,
  Member,
  MemberList,
  Overview,
  RetryRunsBody,
  RetryRunsResult,
  UpdateMemberBody,
  CreatedToken,
  CreateScheduleBody,
  CreateTokenBody,
  CreatedWorkerToken,
  CreateWorkerTokenBody,
  CronPreviewBody,
  LeasedRun,
  LeaseRequestBody,
  RegisteredWorker,
  RegisterWorkerBody,
  ProgressReportBody,
  RunLogs,
  Worker,
  WorkerCompleteBody,
  WorkerHeartbeatBody,
  WorkerOnline,
  WorkerOnlineBody,
  WorkerToken,
  ErrorEnvelope,
  FireTimes,
  Health,
  LoginBody,
  Me,
  page,
  Run,
  Schedule,
  SignupBody,
  Token,
  UpdateScheduleBody,
  HookDeliveries,
  ScheduleError,
  WebhookSecret,
} from '@crony/shared';
import { z } from 'zod';

type Op = {
  summary: string;
  tag: string;
  body?: z.ZodType;
  ok?: { status: number; schema?: z.ZodType };
  params?: { name: string; in: 'path' | 'query'; description: string; schema?: object }[];
  public?: boolean;
};

const idParam = { name: 'id', in: 'path' as const, description: 'Object id' };
const groupParam = { name: 'group', in: 'path' as const, description: 'Group id or name' };
const tokenParam = { name: 'token', in: 'path' as const, description: 'The secret from the invitation link' };
const pageParams = [
  { name: 'limit', in: 'query' as const, description: '1–200, default 50', schema: { type: 'integer' } },
  { name: 'cursor', in: 'query' as const, description: 'next_cursor from the previous page' },
];

type Param = NonNullable<Op['params']>[number];

/**
 * The usual routes of one kind of object, so the table below says only what differs: list and
 * create on the collection, get, change and delete on one item. `scope` are the path parameters
 * of the collection itself (a group's tasks), `item` those that name one object.
 */
function resource(tag: string, schema: z.ZodType, { scope = [], item }: { scope?: Param[]; item: Param[] }) {
  const withParams = (params: Param[]) => (params.length ? { params } : {});
  return {
    list: (summary: string, query: Param[] = []): Op => ({
      summary,
      tag,
      ...withParams([...scope, ...query]),
      ok: { status: 200, schema: page(schema) },
    }),
    create: (summary: string, body: z.ZodType): Op => ({
      summary,
      tag,
      ...withParams(scope),
      body,
      ok: { status: 201, schema },
    }),
    get: (summary: string): Op => ({ summary, tag, params: item, ok: { status: 200, schema } }),
    update: (summary: string, body: z.ZodType): Op => ({
      summary,
      tag,
      params: item,
      body,
      ok: { status: 200, schema },
    }),
    remove: (summary: string, query: Param[] = []): Op => ({
      summary,
      tag,
      params: [...item, ...query],
      ok: { status: 204 },
    }),
  };
}

const schedules = resource('schedules', Schedule, { item: [idParam] });
const groupTasks = resource('groups', Schedule, { scope: [groupParam], item: [groupParam, idParam] });
const profiles = resource('profiles', Profile, { item: [idParam] });
const groups = resource('groups', Group, { item: [groupParam] });

const ops: Record<string, Record<string, Op>> = {
  '/health': {
    get: {
      summary: 'Service health; with verbose=true also memory and event-loop delay',
      tag: 'system',
      params: [
        { name: 'verbose', in: 'query', description: '`true` adds `runtime` figures', schema: { type: 'boolean' } },
      ],
      ok: { status: 200, schema: Health },
      public: true,
    },
  },
  '/auth/signup': {
    post: {
      summary: 'Create a tenant and its owner; starts a console session (send no Authorization header)',
      tag: 'auth',
      body: SignupBody,
      ok: { status: 201, schema: Me },
      public: true,
    },
  },
  '/auth/login': {
    post: {
      summary: 'Log in to the console (session cookie; send no Authorization header)',
      tag: 'auth',
      body: LoginBody,
      ok: { status: 200, schema: Me },
      public: true,
    },
  },
  '/auth/logout': { post: { summary: 'End the console session', tag: 'auth', ok: { status: 204 }, public: true } },
  '/me': { get: { summary: 'Who the credential belongs to', tag: 'auth', ok: { status: 200, schema: Me } } },
  '/tokens': {
    get: { summary: 'List API tokens', tag: 'tokens', ok: { status: 200, schema: page(Token) } },
    post: {
      summary: 'Create an API token (the secret is returned once)',
      tag: 'tokens',
      body: CreateTokenBody,
      ok: { status: 201, schema: CreatedToken },
    },
  },
  '/tokens/{id}': { delete: { summary: 'Revoke a token', tag: 'tokens', params: [idParam], ok: { status: 204 } } },
  '/cron/preview': {
    post: {
      summary: 'Next fire times of an expression',
      tag: 'schedules',
      body: CronPreviewBody,
      ok: { status: 200, schema: FireTimes },
    },
  },
  '/schedules': {
    get: schedules.list('List schedules, newest first', [
      ...pageParams,
      { name: 'q', in: 'query', description: 'Name contains' },
      { name: 'paused', in: 'query', description: 'true or false' },
      { name: 'group', in: 'query', description: "Only this group's tasks (group id or name)" },
      { name: 'status', in: 'query', description: 'Status of the latest run, or "never"' },
      { name: 'label', in: 'query', description: 'Command target label, key=value' },
      {
        name: 'sort',
        in: 'query',
        description:
          'created (default, cursor pages), name, next_run_at or last_run (joined in memory over at most 2000 schedules)',
      },
      { name: 'order', in: 'query', description: 'asc or desc' },
    ]),
    post: schedules.create('Create a schedule', CreateScheduleBody),
  },
  '/schedules/bulk': {
    post: {
      summary: 'Pause, resume, trigger or delete up to 100 schedules; one result per id (not_found for unknown ids)',
      tag: 'schedules',
      body: BulkScheduleBody,
      ok: { status: 200, schema: BulkScheduleResult },
    },
  },
  '/schedules/{id}': {
    get: schedules.get('Get a schedule'),
    patch: schedules.update('Change a schedule; setting cron, every or at clears the other two', UpdateScheduleBody),
    delete: schedules.remove('Delete a schedule and its runs'),
  },
  '/schedules/{id}/next': {
    get: {
      summary: 'Next fire times',
      tag: 'schedules',
      params: [
        idParam,
        { name: 'count', in: 'query', description: '1–100, default 10' },
        { name: 'from', in: 'query', description: 'ISO 8601 instant, default now' },
      ],
      ok: { status: 200, schema: FireTimes },
    },
  },
  '/schedules/{id}/pause': {
    post: {
      summary: 'Pause: no new slots until resumed',
      tag: 'schedules',
      params: [idParam],
      ok: { status: 200, schema: Schedule },
    },
  },
  '/schedules/{id}/resume': {
    post: {
      summary: 'Resume from the next slot after now (the paused period is not replayed)',
      tag: 'schedules',
      params: [idParam],
      ok: { status: 200, schema: Schedule },
    },
  },
  '/schedules/{id}/trigger': {
    post: {
      summary: 'Run now, outside the slots (trigger "manual")',
      tag: 'schedules',
      params: [idParam],
      ok: { status: 201, schema: Run },
    },
  },
  '/schedules/{id}/runs': {
    get: {
      summary: "A schedule's runs, newest first",
      tag: 'runs',
      params: [idParam, ...pageParams],
      ok: { status: 200, schema: page(Run) },
    },
  },
  '/schedules/{group}/tasks': {
    get: groupTasks.list("A group's tasks (schedules whose group is {group}), newest first", [
      ...pageParams,
      { name: 'q', in: 'query', description: 'Name contains' },
    ]),
    post: groupTasks.create('Create a task in the group (a schedule with its group set)', CreateScheduleBody),
  },
  '/schedules/{group}/tasks/{id}': {
    get: groupTasks.get('Get a task of the group; 404 when the schedule is not in it'),
    patch: groupTasks.update('Change a task of the group (as PATCH /v1/schedules/{id})', UpdateScheduleBody),
    delete: groupTasks.remove('Delete a task of the group and its runs'),
  },
  '/profiles': {
    get: profiles.list("The tenant's scheduling profiles, the default first"),
    post: profiles.create('Create a profile (admins and owners)', CreateProfileBody),
  },
  '/profiles/{id}': {
    get: profiles.get('Get a profile'),
    patch: profiles.update(
      'Change a profile (admins and owners); is_default: true makes it the default',
      UpdateProfileBody,
    ),
    delete: profiles.remove('Delete a profile (admins and owners); 409 for the default or one in use'),
  },
  '/groups': {
    get: groups.list('List task groups, newest first', pageParams),
    post: groups.create('Create a task group (admins and owners)', CreateGroupBody),
  },
  '/groups/{group}': {
    get: groups.get('Get a group by id or name'),
    patch: groups.update('Change a group (admins and owners); paused: true holds all its tasks', UpdateGroupBody),
    delete: groups.remove(
      'Delete a group; 409 group_not_empty while it has tasks, unless ?cascade=true (deletes them too)',
      [{ name: 'cascade', in: 'query', description: 'true: also delete its tasks and their runs' }],
    ),
  },
  '/groups/{group}/pause': {
    post: {
      summary: 'Pause the group: none of its tasks fires until resumed',
      tag: 'groups',
      params: [groupParam],
      ok: { status: 200, schema: Group },
    },
  },
  '/groups/{group}/resume': {
    post: {
      summary: 'Resume the group: each task not paused itself continues from its next slot after now',
      tag: 'groups',
      params: [groupParam],
      ok: { status: 200, schema: Group },
    },
  },
  '/runs': {
    get: {
      summary: 'List runs, newest first',
      tag: 'runs',
      params: [
        ...pageParams,
        { name: 'status', in: 'query', description: 'Run status' },
        { name: 'schedule_id', in: 'query', description: 'Schedule id' },
        { name: 'from', in: 'query', description: 'Slots (nominal_at) at or after this ISO instant' },
        { name: 'to', in: 'query', description: 'Slots (nominal_at) before this ISO instant' },
        { name: 'worker', in: 'query', description: 'A worker id, or an executor name such as server:host:pid' },
      ],
      ok: { status: 200, schema: page(Run) },
    },
  },
  '/runs/{id}/retry': {
    post: {
      summary:
        'Retry a failed, timed_out, cancelled or missed run: a new manual run of its schedule now, with retry_of set; once per run (409 after)',
      tag: 'runs',
      params: [idParam],
      ok: { status: 201, schema: Run },
    },
  },
  '/runs/retry': {
    post: {
      summary: 'Retry all runs matching a filter that ended without success (at most limit, default 100, newest first)',
      tag: 'runs',
      body: RetryRunsBody,
      ok: { status: 200, schema: RetryRunsResult },
    },
  },
  '/overview': {
    get: {
      summary:
        'Dashboard: runs of the last 24 h by hour and status, next hour of fire times, lateness/duration percentiles, failing schedules, workers',
      tag: 'overview',
      ok: { status: 200, schema: Overview },
    },
  },
  '/members': {
    get: {
      summary: "The tenant's members, and its pending invitations (admins)",
      tag: 'members',
      ok: { status: 200, schema: MemberList },
    },
    post: {
      summary:
        'Invite by email with a role (admins; at most your own role). No email is sent: the answer holds the one-time accept link',
      tag: 'members',
      body: InviteMemberBody,
      ok: { status: 201, schema: CreatedInvitation },
    },
  },
  '/members/{id}': {
    patch: {
      summary: "Change a member's role (admins; not above your own; the last owner stays owner)",
      tag: 'members',
      params: [idParam],
      body: UpdateMemberBody,
      ok: { status: 200, schema: Member },
    },
    delete: {
      summary: 'Remove a member and revoke their API tokens (not the last owner)',
      tag: 'members',
      params: [idParam],
      ok: { status: 204 },
    },
  },
  '/invitations/{id}': {
    delete: {
      summary: 'Withdraw a pending invitation; 404 once it is accepted, also by an accept that ran at the same time',
      tag: 'members',
      params: [idParam],
      ok: { status: 204 },
    },
  },
  '/invitations/accept/{token}': {
    get: {
      summary: 'What an invitation link offers (public: the link is the credential)',
      tag: 'members',
      params: [tokenParam],
      ok: { status: 200, schema: InvitationPreview },
      public: true,
    },
    post: {
      summary:
        'Accept: set a password, join the tenant, start a console session (send no Authorization header); 404 when the link is unknown, used, withdrawn (also while this request ran) or expired',
      tag: 'members',
      params: [tokenParam],
      body: AcceptInvitationBody,
      ok: { status: 201, schema: Me },
      public: true,
    },
  },
  '/runs/{id}': { get: { summary: 'Get a run', tag: 'runs', params: [idParam], ok: { status: 200, schema: Run } } },
  '/runs/{id}/logs': {
    get: {
      summary: "A run's output (stdout/stderr, capped at 1 MiB)",
      tag: 'runs',
      params: [idParam],
      ok: { status: 200, schema: RunLogs },
    },
  },
  '/runs/{id}/logs/stream': {
    get: {
      summary:
        'Server-sent events: "event: log" with {offset, data: RunLogLine[], truncated} whenever output grows (from chunk `from`), then "event: end" with {status} once the run is final',
      tag: 'runs',
      params: [idParam, { name: 'from', in: 'query', description: 'Chunks already held; default 0' }],
      ok: { status: 200 },
    },
  },
  '/runs/{id}/progress': {
    post: {
      summary:
        'Progress callback for HTTP targets: POST here (URL in X-Crony-Progress-Url) with "Authorization: Bearer <X-Crony-Progress-Token>"; 409 once the attempt is over',
      tag: 'runs',
      params: [idParam],
      body: ProgressReportBody,
      ok: { status: 204 },
      public: true,
    },
  },
  '/events': {
    get: {
      summary:
        'Server-sent events (text/event-stream): "event: run" with a Run as data whenever an active run changes (status, attempt, progress, lease) and when it ends; a run recorded ahead of its instant from that instant on',
      tag: 'runs',
      params: [
        { name: 'schedule_id', in: 'query', description: 'Only this schedule' },
        {
          name: 'run_id',
          in: 'query',
          description: 'Only this run; the stream starts with its current state, even when it has already ended',
        },
      ],
      ok: { status: 200 },
    },
  },
  '/worker-tokens': {
    get: {
      summary: 'List worker registration tokens (admins)',
      tag: 'workers',
      ok: { status: 200, schema: page(WorkerToken) },
    },
    post: {
      summary: 'Create a registration token; returns it once with the one-line `npm run worker` command',
      tag: 'workers',
      body: CreateWorkerTokenBody,
      ok: { status: 201, schema: CreatedWorkerToken },
    },
  },
  '/worker-tokens/{id}': {
    delete: { summary: 'Revoke a registration token', tag: 'workers', params: [idParam], ok: { status: 204 } },
  },
  '/workers': {
    get: { summary: "The tenant's workers and their state", tag: 'workers', ok: { status: 200, schema: page(Worker) } },
  },
  '/workers/{id}': {
    delete: { summary: "Revoke a worker's credential at once", tag: 'workers', params: [idParam], ok: { status: 204 } },
  },
  '/workers/register': {
    post: {
      summary: 'Worker protocol: trade a registration token for a worker credential',
      tag: 'worker protocol',
      body: RegisterWorkerBody,
      ok: { status: 201, schema: RegisteredWorker },
      public: true,
    },
  },
  '/worker/lease': {
    post: {
      summary:
        "Worker protocol (worker credential): long-poll for a command run, the first in dispatch order of a list of the tenant's claimable runs read at most 1 s before, which the runs this server process queues join as they are queued (they wake a waiting request at once; other processes' runs show at the next read); 204 when none came within wait_ms",
      tag: 'worker protocol',
      body: LeaseRequestBody,
      ok: { status: 200, schema: LeasedRun },
    },
  },
  '/worker/runs/{id}/heartbeat': {
    post: {
      summary: 'Worker protocol: renew the lease, report progress and output; 409 = stop, the lease is gone',
      tag: 'worker protocol',
      params: [idParam],
      body: WorkerHeartbeatBody,
      ok: { status: 200 },
    },
  },
  '/worker/runs/{id}/complete': {
    post: {
      summary: 'Worker protocol: report the attempt outcome; 409 for a stale lease or epoch',
      tag: 'worker protocol',
      params: [idParam],
      body: WorkerCompleteBody,
      ok: { status: 200 },
    },
  },
  '/worker/drain': {
    post: {
      summary:
        "Worker protocol: take no new runs (shown as draining); the worker's lease requests waiting for work answer 204 at once",
      tag: 'worker protocol',
      ok: { status: 204 },
    },
  },
  '/worker/online': {
    post: {
      summary:
        "Worker protocol: sent first on every start; the worker takes runs again after a drain, and carries this version, number of slots and labels (added to its registration token's)",
      tag: 'worker protocol',
      body: WorkerOnlineBody,
      ok: { status: 200, schema: WorkerOnline },
    },
  },
  '/runs/{id}/deliveries': {
    get: {
      summary:
        "The run's hook deliveries, oldest first: each event, its hook URL, status (pending, succeeded, failed, superseded) and every try with HTTP status, latency and error",
      tag: 'hooks',
      params: [idParam],
      ok: { status: 200, schema: HookDeliveries },
    },
  },
  '/schedules/{id}/errors': {
    delete: {
      summary: "Clear the schedule's errors (members and up)",
      tag: 'hooks',
      params: [idParam],
      ok: { status: 204 },
    },
  },
  '/errors': {
    get: {
      summary:
        'Failed, timed-out and missed runs and undeliverable error hooks across the tenant, newest first (each schedule keeps its newest CRONY_SCHEDULE_ERRORS_LIMIT)',
      tag: 'hooks',
      params: [
        ...pageParams,
        { name: 'schedule_id', in: 'query', description: 'Schedule id' },
        { name: 'group_id', in: 'query', description: 'Task group id' },
        { name: 'code', in: 'query', description: 'Error code, e.g. http_status, target_timeout, missed, hook_failed' },
        { name: 'from', in: 'query', description: 'Recorded at or after this ISO instant' },
        { name: 'to', in: 'query', description: 'Recorded before this ISO instant' },
      ],
      ok: { status: 200, schema: page(ScheduleError) },
    },
  },
  '/settings/webhooks': {
    get: {
      summary: "The tenant's webhook signing secret (admins; created on first use)",
      tag: 'hooks',
      ok: { status: 200, schema: WebhookSecret },
    },
  },
  '/settings/webhooks/rotate': {
    post: {
      summary: 'Rotate the webhook signing secret (admins); the old secret also signs for 24 hours',
      tag: 'hooks',
      ok: { status: 200, schema: WebhookSecret },
    },
  },
  '/runs/{id}/cancel': {
    post: {
      summary: 'Cancel a queued or running run (never retried); 409 when already finished',
      tag: 'runs',
      params: [idParam],
      ok: { status: 200, schema: Run },
    },
  },
};

const json = (schema: z.ZodType, io: 'input' | 'output') => ({
  'application/json': { schema: z.toJSONSchema(schema, { io, unrepresentable: 'any' }) },
});

/** The OpenAPI 3.1 document, generated from the same zod schemas the API validates with. */
export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, methods] of Object.entries(ops)) {
    paths[`/v1${path}`] = {};
    for (const [method, op] of Object.entries(methods)) {
      paths[`/v1${path}`]![method] = {
        summary: op.summary,
        tags: [op.tag],
        ...(op.public ? { security: [] } : {}),
        ...(op.params
          ? {
              parameters: op.params.map((p) => ({
                name: p.name,
                in: p.in,
                required: p.in === 'path',
                description: p.description,
                schema: p.schema ?? { type: 'string' },
              })),
            }
          : {}),
        ...(op.body ? { requestBody: { required: true, content: json(op.body, 'input') } } : {}),
        responses: {
          [String(op.ok?.status ?? 200)]: {
            description: 'OK',
            ...(op.ok?.schema ? { content: json(op.ok.schema, 'output') } : {}),
          },
          default: { description: 'Error envelope', content: json(ErrorEnvelope, 'output') },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cloud Crony API',
      version: '0.1.0',
      description:
        'Scheduling as a service. Authenticate with `Authorization: Bearer crony_...`, or with the console session cookie plus `X-Crony-CSRF: 1` on writes; a request with a bearer token is authenticated by it alone. Errors: `{"error": {"code", "message", "details"}}`; another tenant\'s object is a 404.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'crony_...' },
        session: { type: 'apiKey', in: 'cookie', name: 'crony.sid' },
      },
    },
    paths,
  };
}
