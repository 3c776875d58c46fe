import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { useTestDatabase, type TestDatabase } from './db.ts';

export interface TestServer extends RunningServer {
  db: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real API and scheduler on loopback, on this file's own database, without the console.
 * Loopback targets are allowed, as an operator would with CRONY_ALLOWED_TARGET_HOSTS.
 */
export async function startTestServer(
  opts: {
    scheduler?: boolean;
    allowedTargetHosts?: string[];
    signupOpen?: boolean;
    scheduleErrorsLimit?: number;
    hookRetryDelaysMs?: number[];
  } = {},
): Promise<TestServer> {
  const db = await useTestDatabase();
  const server = await startServer(
    {
      port: 0,
      host: '127.0.0.1',
      allowedTargetHosts: opts.allowedTargetHosts ?? ['127.0.0.1'],
      sessionSecret: undefined,
      signupOpen: opts.signupOpen ?? true,
      schedulerEnabled: opts.scheduler ?? true,
      consoleEnabled: false,
      ...(opts.scheduleErrorsLimit ? { scheduleErrorsLimit: opts.scheduleErrorsLimit } : {}),
      ...(opts.hookRetryDelaysMs ? { hookRetryDelaysMs: opts.hookRetryDelaysMs } : {}),
    },
    createLogger(process.env.CRONY_TEST_LOG ?? 'silent'),
  );
  return {
    ...server,
    db,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

export interface Client {
  token: string;
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
  patch(path: string, body: unknown): Promise<Response>;
  delete(path: string): Promise<Response>;
}

export function client(baseUrl: string, token: string): Client {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return {
    token,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    patch: (p, b) => call('PATCH', p, b),
    delete: (p) => call('DELETE', p),
  };
}

/** Signs up a new tenant through the API and returns its session cookie and an admin API token. */
export async function newTenant(
  baseUrl: string,
  name: string,
): Promise<{ cookie: string; api: Client; email: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const res = await fetch(`${baseUrl}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery', tenant: name }),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const tok = await fetch(`${baseUrl}/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-crony-csrf': '1' },
    body: JSON.stringify({ name: 'tests', role: 'admin' }),
  });
  if (tok.status !== 201) throw new Error(`token creation failed: ${tok.status} ${await tok.text()}`);
  const { token } = (await tok.json()) as { token: string };
  return { cookie, api: client(baseUrl, token), email };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: Date;
}

/** An HTTP target on loopback that records what it receives and answers `status`. */
export async function startReceiver(status = 200): Promise<{
  url: string;
  requests: ReceivedRequest[];
  setStatus(s: number): void;
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  let answer = status;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: new Date(),
      });
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answered ${answer}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setStatus: (s) => (answer = s),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Runs `fn` with the URL of an HTTP target on loopback that never answers, so its runs stay running. */
export async function withHangingTarget(fn: (url: string) => Promise<void>): Promise<void> {
  const hang = http.createServer(() => {});
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(hang.address() as AddressInfo).port}/hang`);
  } finally {
    hang.closeAllConnections();
    hang.close();
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
