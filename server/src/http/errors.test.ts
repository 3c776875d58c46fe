import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request, Response } from 'express';
import { pino } from 'pino';
import { AppError, errorMiddleware } from './errors.ts';

function run(err: unknown) {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    headersSent: false,
    status(s: number) {
      sent.status = s;
      return this;
    },
    json(b: unknown) {
      sent.body = b;
      return this;
    },
  } as unknown as Response;
  const logged: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
  errorMiddleware(log)(err, { method: 'GET', originalUrl: '/v1/x' } as Request, res, () => {});
  return { ...sent, logged };
}

test('an unexpected error becomes a 500 that says nothing of its internals, and is logged', () => {
  const out = run(new Error('connection string mongodb://user:secret@db failed at /srv/app.ts:12'));
  assert.equal(out.status, 500);
  const text = JSON.stringify(out.body);
  assert.match(text, /"code":"internal"/);
  assert.doesNotMatch(text, /secret|mongodb:|app\.ts/);
  assert.equal(out.logged.length, 1);
});

test('an AppError keeps its status, code, message and details', () => {
  const out = run(new AppError('conflict', 'Already exists; use PATCH', [{ path: 'name', message: 'taken' }]));
  assert.equal(out.status, 409);
  assert.deepEqual(out.body, {
    error: { code: 'conflict', message: 'Already exists; use PATCH', details: [{ path: 'name', message: 'taken' }] },
  });
});
