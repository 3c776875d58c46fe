import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cronFields, parseDuration } from './expressions.ts';
import { CreateScheduleBody } from './schedules.ts';

describe('cronFields', () => {
  test('five fields gain a zero seconds field; six keep theirs', () => {
    assert.deepEqual(cronFields('*/5 * * * *'), { fields: ['0', '*/5', '*', '*', '*', '*'] });
    assert.deepEqual(cronFields('*/3 * * * * *'), { fields: ['*/3', '*', '*', '*', '*', '*'] });
  });
  test('macros expand', () => {
    assert.deepEqual(cronFields('@daily'), { fields: ['0', '0', '0', '*', '*', '*'] });
  });
  test('Sunday named twice is accepted', () => {
    assert.deepEqual(cronFields('0 9 * * 0,7'), { fields: ['0', '0', '9', '*', '*', '0'] });
    assert.deepEqual(cronFields('0 9 * * SUN,7,3'), { fields: ['0', '0', '9', '*', '*', '0,3'] });
  });
  for (const [expr, why] of [
    ['* * * *', /5 fields/],
    ['* * * * * * *', /5 fields/],
    ['0 0 L * *', /not standard cron/],
    ['0 0 * * 1#2', /not standard cron/],
    ['61 * * * *', /./],
    ['0 0 30 2 *', /./],
  ] as const) {
    test(`refuses "${expr}" with a reason`, () => {
      const r = cronFields(expr);
      assert.ok('error' in r, `${expr} should be refused`);
      assert.match(r.error, why);
    });
  }
});

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['30s', 30_000],
    ['5 minutes', 300_000],
    ['1h 30m', 5_400_000],
    ['1h, 30m', 5_400_000],
    ['2 days', 172_800_000],
    ['1.5s', 1500],
  ] as const) {
    test(`"${text}" is ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }
  for (const text of ['', 'soon', '5', '5 fortnights', '-5s']) {
    test(`"${text}" is not a duration`, () => assert.equal(parseDuration(text), null));
  }
});

describe('CreateScheduleBody', () => {
  const target = { type: 'http', url: 'https://example.com/x' };
  test('fills defaults', () => {
    const r = CreateScheduleBody.parse({ name: 'x', every: '5m', target });
    assert.equal(r.timezone, 'UTC');
    assert.equal(r.paused, false);
    assert.deepEqual(r.target, { ...target, method: 'POST', headers: {}, timeout_ms: 30_000 });
  });
  test('needs exactly one of cron, every, at', () => {
    assert.equal(CreateScheduleBody.safeParse({ name: 'x', target }).success, false);
    assert.equal(
      CreateScheduleBody.safeParse({ name: 'x', cron: '* * * * *', at: '2030-01-01T00:00:00Z', target }).success,
      false,
    );
  });
  test('refuses an every shorter than a second', () => {
    const r = CreateScheduleBody.safeParse({ name: 'x', every: '500ms', target });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /at least 1 second/);
  });
});
