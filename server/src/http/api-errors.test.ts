import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newTenant, startTestServer, type Client, type TestServer } from '../../test/support/server.ts';
import { ScheduleModel } from '../modules/schedules/schedule.model.ts';

let server: TestServer;
let api: Client;
before(async () => {
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Errors Inc')).api;
});
after(() => server.close());

const valid = { name: 'ok', cron: '*/5 * * * *', target: { type: 'http', url: 'https://example.com/hook' } };

async function raw(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${api.token}`, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string; details?: { path: string }[] } },
  };
}

describe('bad input gets a clear error and writes nothing', () => {
  const cases: { name: string; send: () => ReturnType<typeof raw>; status: number; code: string; path?: string }[] = [
    {
      name: 'malformed JSON',
      send: () => raw('POST', '/v1/schedules', '{"name": ', { 'content-type': 'application/json' }),
      status: 400,
      code: 'malformed_json',
    },
    {
      name: 'not JSON at all',
      send: () => raw('POST', '/v1/schedules', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'missing required field',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, name: undefined }), {
          'content-type': 'application/json',
        }),
      status: 400,
      code: 'validation_failed',
      path: 'name',
    },
    {
      name: 'unknown field',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, owner: 'me' }), { 'content-type': 'application/json' }),
      status: 400,
      code: 'validation_failed',
      path: '',
    },
    {
      name: 'wrong type',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, paused: 'yes' }), {
          'content-type': 'application/json',
        }),
      status: 400,
      code: 'validation_failed',
      path: 'paused',
    },
    {
      name: 'operator object instead of a string',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, name: { $gt: '' } }), {
          'content-type': 'application/json',
        }),
      status: 400,
      code: 'validation_failed',
      path: 'name',
    },
    {
      name: 'operator object in a query string',
      send: () => raw('GET', '/v1/schedules?q[$ne]=x', undefined),
      status: 400,
      code: 'validation_failed',
      path: '',
    },
    {
      name: 'invalid cron',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, cron: '61 * * * *' }), {
          'content-type': 'application/json',
        }),
      status: 400,
      code: 'validation_failed',
      path: 'cron',
    },
    {
      name: 'cron and every together',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, every: '5s' }), { 'content-type': 'application/json' }),
      status: 400,
      code: 'validation_failed',
      path: 'every',
    },
    {
      name: 'unknown time zone',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, timezone: 'Mars/Olympus' }), {
          'content-type': 'application/json',
        }),
      status: 400,
      code: 'validation_failed',
      path: 'timezone',
    },
    {
      name: 'non-http target',
      send: () =>
        raw(
          'POST',
          '/v1/schedules',
          JSON.stringify({ ...valid, target: { type: 'http', url: 'file:///etc/passwd' } }),
          { 'content-type': 'application/json' },
        ),
      status: 400,
      code: 'validation_failed',
      path: 'target.url',
    },
    {
      name: 'loopback target without allow-listing',
      send: () =>
        raw(
          'POST',
          '/v1/schedules',
          JSON.stringify({ ...valid, target: { type: 'http', url: 'http://127.0.0.2:9/x' } }),
          { 'content-type': 'application/json' },
        ),
      status: 400,
      code: 'target_not_allowed',
      path: 'target.url',
    },
    {
      name: 'cloud metadata target',
      send: () =>
        raw(
          'POST',
          '/v1/schedules',
          JSON.stringify({ ...valid, target: { type: 'http', url: 'http://169.254.169.254/latest/meta-data' } }),
          { 'content-type': 'application/json' },
        ),
      status: 400,
      code: 'target_not_allowed',
      path: 'target.url',
    },
    {
      name: 'one-off in the past',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ name: 'x', at: '2020-01-01T00:00:00Z', target: valid.target }), {
          'content-type': 'application/json',
        }),
      status: 400,
      code: 'validation_failed',
      path: 'at',
    },
    {
      name: 'body over 1 MB',
      send: () =>
        raw('POST', '/v1/schedules', JSON.stringify({ ...valid, description: 'x'.repeat(1_100_000) }), {
          'content-type': 'application/json',
        }),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'bad cursor',
      send: () => raw('GET', '/v1/schedules?cursor=%%%', undefined),
      status: 400,
      code: 'validation_failed',
      path: 'cursor',
    },
    { name: 'unknown route', send: () => raw('GET', '/v1/nothing-here', undefined), status: 404, code: 'not_found' },
    {
      name: 'malformed id',
      send: () => raw('GET', '/v1/schedules/not-an-id', undefined),
      status: 404,
      code: 'not_found',
    },
    {
      name: 'missing object',
      send: () => raw('GET', '/v1/schedules/0123456789abcdef01234567', undefined),
      status: 404,
      code: 'not_found',
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const before = await ScheduleModel.countDocuments();
      const { status, body } = await c.send();
      assert.equal(status, c.status, JSON.stringify(body));
      assert.equal(body.error.code, c.code);
      assert.ok(body.error.message.length > 10, 'the message says what to fix');
      if (c.path !== undefined) {
        assert.ok(
          body.error.details?.some((d) => d.path === c.path),
          `details name "${c.path}": ${JSON.stringify(body.error.details)}`,
        );
      }
      assert.equal(await ScheduleModel.countDocuments(), before, 'nothing was written');
    });
  }

  test('a rejected PATCH leaves the schedule as it was', async () => {
    const s = (await (await api.post('/v1/schedules', valid)).json()) as { id: string; updated_at: string };
    const res = await api.patch(`/v1/schedules/${s.id}`, {
      name: 'renamed',
      target: { type: 'http', url: 'http://10.0.0.1/' },
    });
    assert.equal(res.status, 400);
    const again = (await (await api.get(`/v1/schedules/${s.id}`)).json()) as { name: string; updated_at: string };
    assert.equal(again.name, 'ok');
    assert.equal(again.updated_at, s.updated_at);
  });
});

describe('credentials', () => {
  test('no credentials: 401', async () => {
    const res = await fetch(server.url + '/v1/schedules');
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
  });
  test('an unknown bearer token: 401', async () => {
    const res = await fetch(server.url + '/v1/schedules', { headers: { authorization: 'Bearer crony_nope' } });
    assert.equal(res.status, 401);
  });
});
