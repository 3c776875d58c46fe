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
