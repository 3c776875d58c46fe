import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { startServer } from '../../server.ts';
import { client, newTenant, startTestServer, type TestServer } from '../../../test/support/server.ts';
import { ApiToken } from '../tokens/token.model.ts';
import { User } from './tenant.model.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ scheduler: false });
});
after(() => server.close());

const json = (body: unknown, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...extra },
  body: JSON.stringify(body),
});

describe('console sessions', () => {
  test('sign up, log out, log in again; the session lives in MongoDB', async () => {
    const signup = await fetch(
      `${server.url}/v1/auth/signup`,
      json({ email: 'Ops@Example.com', password: 'a long enough pass', tenant: 'Ops' }),
    );
    assert.equal(signup.status, 201);
    const me = (await signup.json()) as { user: { email: string; role: string }; tenant: { name: string } };
    assert.equal(me.user.email, 'ops@example.com');
    assert.equal(me.user.role, 'owner');
    const setCookie = signup.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /crony\.sid=/);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    const cookie = setCookie.split(';')[0]!;
    assert.ok((await mongoose.connection.collection('sessions').countDocuments()) >= 1);

    assert.equal((await fetch(`${server.url}/v1/me`, { headers: { cookie } })).status, 200);
    const out = await fetch(`${server.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'x-crony-csrf': '1' },
    });
    assert.equal(out.status, 204);
    assert.equal((await fetch(`${server.url}/v1/me`, { headers: { cookie } })).status, 401);

    const wrong = await fetch(
      `${server.url}/v1/auth/login`,
      json({ email: 'ops@example.com', password: 'not it at all' }),
    );
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalid_credentials');
    const login = await fetch(
      `${server.url}/v1/auth/login`,
      json({ email: 'ops@example.com', password: 'a long enough pass' }),
    );
    assert.equal(login.status, 200);
  });

  test('passwords are stored as scrypt hashes', async () => {
    const user = await User.findOne({ email: 'ops@example.com' }).lean();
    assert.match(user!.password_hash, /^scrypt\$/);
    assert.doesNotMatch(user!.password_hash, /a long enough pass/);
  });

  test('a second sign-up with the same email is a conflict and creates no tenant', async () => {
    const tenants = await mongoose.connection.collection('tenants').countDocuments();
    const res = await fetch(
      `${server.url}/v1/auth/signup`,
      json({ email: 'ops@example.com', password: 'another long pass', tenant: 'Dup' }),
    );
    assert.equal(res.status, 409);
    assert.equal(await mongoose.connection.collection('tenants').countDocuments(), tenants);
  });

  test('a cookie-authenticated write without the CSRF header is refused', async () => {
    const { cookie } = await newTenant(server.url, 'Csrf');
    const body = { name: 'x', cron: '0 0 * * *', target: { type: 'http', url: 'https://example.com' } };
    const refused = await fetch(`${server.url}/v1/schedules`, json(body, { cookie }));
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'csrf_header_required');
    const ok = await fetch(`${server.url}/v1/schedules`, json(body, { cookie, 'x-crony-csrf': '1' }));
    assert.equal(ok.status, 201);
  });

  test('sign-up can be closed', async () => {
    // A second server on this file's database, configured as an operator would close sign-up.
    const closed = await startServer(
      {
        port: 0,
        host: '127.0.0.1',
        allowedTargetHosts: [],
        sessionSecret: undefined,
        signupOpen: false,
        schedulerEnabled: false,
        consoleEnabled: false,
      },
      pino({ level: 'silent' }),
    );
    try {
      const res = await fetch(
        `${closed.url}/v1/auth/signup`,
        json({ email: 'x@example.com', password: 'a long enough pass', tenant: 'Closed Co' }),
      );
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'signup_closed');
    } finally {
      await closed.stop();
    }
  });

  test('a request with a bearer token is authenticated by it alone: its session cookie is not read', async () => {
    const { cookie, api } = await newTenant(server.url, 'Both');
    const read: string[] = [];
    mongoose.set('debug', (coll: string) => read.push(coll));
    try {
      const withCookie = await fetch(`${server.url}/v1/schedules`, {
        headers: { cookie, authorization: `Bearer ${api.token}` },
      });
      assert.equal(withCookie.status, 200);
      assert.equal(withCookie.headers.get('set-cookie'), null);
    } finally {
      mongoose.set('debug', false);
    }
    assert.ok(!read.includes('users'), `the session's user was read: ${read.join(', ')}`);
    // The cookie alone still works.
    assert.equal((await fetch(`${server.url}/v1/schedules`, { headers: { cookie } })).status, 200);
  });

  test('sign-up and log-in with a bearer token in the request are refused with a message, and write nothing', async () => {
    const { api } = await newTenant(server.url, 'Login with token');
    const count = (c: string) => mongoose.connection.collection(c).countDocuments();
    const [sessions, tenants] = [await count('sessions'), await count('tenants')];
    const bearer = { authorization: `Bearer ${api.token}` };
    for (const [path, body] of [
      ['/v1/auth/login', { email: 'ops@example.com', password: 'a long enough pass' }],
      ['/v1/auth/signup', { email: 'token-signup@example.com', password: 'a long enough pass', tenant: 'Token' }],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, json(body, bearer));
      assert.equal(res.status, 400, path);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, /without an "Authorization: Bearer" header/);
      assert.equal(res.headers.get('set-cookie'), null);
    }
    assert.equal(await count('sessions'), sessions);
    assert.equal(await count('tenants'), tenants, 'the refused sign-up created no tenant');
  });
});

describe('API tokens', () => {
  test('are shown once, stored only as a hash, and stop working when revoked', async () => {
    const { api } = await newTenant(server.url, 'Tokens');
    const created = (await (await api.post('/v1/tokens', { name: 'ci', role: 'member' })).json()) as {
      id: string;
      token: string;
      prefix: string;
    };
    assert.match(created.token, /^crony_[A-Za-z0-9_-]{40,}$/);
    assert.ok(created.token.startsWith(created.prefix));

    const stored = await ApiToken.find().lean();
    const dump = JSON.stringify(stored);
    assert.doesNotMatch(dump, new RegExp(created.token.slice(6)), 'the secret is nowhere in the database');
    const listed = await (await api.get('/v1/tokens')).text();
    assert.doesNotMatch(listed, new RegExp(created.token.slice(6)), 'nor in the list');

    const ci = client(server.url, created.token);
    const me = (await (await ci.get('/v1/me')).json()) as { role: string; token: { name: string } };
    assert.equal(me.role, 'member');
    assert.equal(me.token.name, 'ci');

    assert.equal((await api.delete(`/v1/tokens/${created.id}`)).status, 204);
    assert.equal((await ci.get('/v1/me')).status, 401);
  });

  test("a token's role is at most its creator's", async () => {
    const { api } = await newTenant(server.url, 'Roles');
    const member = (await (await api.post('/v1/tokens', { name: 'm', role: 'member' })).json()) as { token: string };
    const asMember = client(server.url, member.token);
    const res = await asMember.post('/v1/tokens', { name: 'escalate', role: 'admin' });
    assert.equal(res.status, 403);
    const viewer = (await (await api.post('/v1/tokens', { name: 'v', role: 'viewer' })).json()) as { token: string };
    const asViewer = client(server.url, viewer.token);
    assert.equal((await asViewer.get('/v1/schedules')).status, 200, 'a viewer reads');
    const write = await asViewer.post('/v1/schedules', {
      name: 'x',
      cron: '0 0 * * *',
      target: { type: 'http', url: 'https://example.com' },
    });
    assert.equal(write.status, 403, 'but does not write');
  });

  test('an expired token is refused', async () => {
    const { api } = await newTenant(server.url, 'Expiry');
    const t = (await (
      await api.post('/v1/tokens', {
        name: 'short',
        role: 'member',
        expires_at: new Date(Date.now() + 1500).toISOString(),
      })
    ).json()) as { token: string };
    const c = client(server.url, t.token);
    assert.equal((await c.get('/v1/me')).status, 200);
    await new Promise((r) => setTimeout(r, 1700));
    assert.equal((await c.get('/v1/me')).status, 401);
  });
});
