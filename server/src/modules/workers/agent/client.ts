import type {
  LeasedRun,
  RegisteredWorker,
  RegisterWorkerBody,
  WorkerCompleteBody,
  WorkerHeartbeatBody,
  WorkerOnline,
  WorkerOnlineBody,
} from '@crony/shared';

/** The API said no in a way the worker must act on (401 revoked, 409 lease lost). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The worker side of the protocol: HTTP(S) only, never database credentials. */
export class WorkerClient {
  constructor(
    private readonly api: string,
    private credential = '',
  ) {}

  setCredential(credential: string): void {
    this.credential = credential;
  }

  private async call<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T | null> {
    const res = await fetch(this.api + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.credential ? { authorization: `Bearer ${this.credential}` } : {}),
      },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    if (res.status === 204) return null;
    const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    if (!res.ok) throw new ApiRefusal(res.status, json.error?.code ?? 'unknown', json.error?.message ?? res.statusText);
    return json as T;
  }

  register(body: RegisterWorkerBody): Promise<RegisteredWorker> {
    return this.call<RegisteredWorker>('/v1/workers/register', body) as Promise<RegisteredWorker>;
  }
  lease(waitMs: number, signal?: AbortSignal): Promise<LeasedRun | null> {
    return this.call<LeasedRun>('/v1/worker/lease', { wait_ms: waitMs }, signal);
  }
  async heartbeat(runId: string, body: WorkerHeartbeatBody): Promise<void> {
    await this.call(`/v1/worker/runs/${runId}/heartbeat`, body);
  }
  async complete(runId: string, body: WorkerCompleteBody): Promise<void> {
    await this.call(`/v1/worker/runs/${runId}/complete`, body);
  }
  /** Said first on every start: the server takes a drain before it as over. */
  online(body: WorkerOnlineBody): Promise<WorkerOnline> {
    return this.call<WorkerOnline>('/v1/worker/online', body) as Promise<WorkerOnline>;
  }
  async drain(): Promise<void> {
    await this.call('/v1/worker/drain', {});
  }
}
