import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './log.ts';

test('request logs never contain bearer tokens or cookies', () => {
  const lines: string[] = [];
  const log = createLogger('info', { write: (line: string) => lines.push(line) });
  log.info(
    {
      req: { headers: { authorization: 'Bearer crony_SECRET', cookie: 'crony.sid=SESSION', host: 'x' } },
      res: { headers: { 'set-cookie': 'crony.sid=NEW' } },
    },
    'request completed',
  );
  const out = lines.join('');
  assert.doesNotMatch(out, /crony_SECRET|SESSION|NEW/);
  assert.match(out, /"authorization":"\[redacted\]"/);
  assert.match(out, /"host":"x"/, 'other headers are kept');
});

test('invitation secrets in a URL path are censored', async () => {
  const { redactUrl } = await import('./log.ts');
  assert.equal(redactUrl('/invite/crony_inv_abc123'), '/invite/[redacted]');
  assert.equal(redactUrl('/v1/invitations/accept/crony_inv_abc?x=1'), '/v1/invitations/accept/[redacted]?x=1');
  assert.equal(redactUrl('/v1/invitations/0123'), '/v1/invitations/0123', 'ids are not secrets');
  assert.equal(redactUrl('/v1/schedules'), '/v1/schedules');
});
