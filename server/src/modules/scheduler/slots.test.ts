import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { compile, nextSlots, slotsBetween, type When } from './slots.ts';

// Expectations are local times with their offsets, so each can be checked by eye against a
// calendar. The 2026 transitions used below (checked against luxon's zone data):
//   America/New_York     8 Mar 02:00 EST -> 03:00 EDT (07:00Z)   1 Nov 02:00 EDT -> 01:00 EST (06:00Z)
//   Europe/London       29 Mar 01:00 GMT -> 02:00 BST (01:00Z)  25 Oct 02:00 BST -> 01:00 GMT (01:00Z)
//   Australia/Lord_Howe  5 Apr 02:00 +11 -> 01:30 +10:30 (4 Apr 15:00Z)   (repeats 01:30-02:00)
//                        4 Oct 02:00 +10:30 -> 02:30 +11 (3 Oct 15:30Z)   (skips 02:00-02:30)
//   America/Santiago     5 Apr 00:00 -03 -> 4 Apr 23:00 -04   6 Sep 00:00 -04 -> 01:00 -03
//   Asia/Tokyo, UTC      no changes

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const LORD_HOWE = 'Australia/Lord_Howe';
const SANTIAGO = 'America/Santiago';
const TOKYO = 'Asia/Tokyo';

const cron = (expr: string): When => ({ kind: 'cron', expr });

/** A Date from an ISO string with an offset. */
function at(iso: string): Date {
  const d = new Date(iso);
  assert.ok(!Number.isNaN(d.getTime()), `bad test date ${iso}`);
  return d;
}

/** How a slot reads on a wall clock in `zone`, with its offset. */
function local(d: Date, zone: string): string {
  return DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
}

/** Asserts `actual` are exactly the instants `expected` and increase strictly. */
function assertSlots(actual: Date[], zone: string, expected: string[]): void {
  assert.deepEqual(
    actual.map((d) => local(d, zone)),
    expected,
  );
  assert.deepEqual(
    actual.map((d) => d.getTime()),
    expected.map((s) => at(s).getTime()),
  );
  assertStrictlyIncreasing(actual);
}

function assertStrictlyIncreasing(slots: Date[]): void {
  for (let i = 1; i < slots.length; i++) {
    assert.ok(
      slots[i]!.getTime() > slots[i - 1]!.getTime(),
      `slot ${i} (${slots[i]!.toISOString()}) is not after the one before it`,
    );
  }
}

void describe('a daily cron job across DST changes', () => {
  // Three consecutive days around each change: the day before, the day of, the day after.
  const cases: { name: string; zone: string; expr: string; after: string; expected: string[] }[] = [
    // America/New_York
    {
      name: 'New York spring: 02:30 is in the gap, fires at 03:00 EDT',
      zone: NY,
      expr: '30 2 * * *',
      after: '2026-03-06T12:00:00-05:00',
      expected: ['2026-03-07T02:30:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-09T02:30:00-04:00'],
    },
    {
      name: 'New York spring: 03:30 is after the gap',
      zone: NY,
      expr: '30 3 * * *',
      after: '2026-03-06T12:00:00-05:00',
      expected: ['2026-03-07T03:30:00-05:00', '2026-03-08T03:30:00-04:00', '2026-03-09T03:30:00-04:00'],
    },
    {
      name: 'New York autumn: 01:30 repeats, fires at the first (EDT) occurrence only',
      zone: NY,
      expr: '30 1 * * *',
      after: '2026-10-30T12:00:00-04:00',
      expected: ['2026-10-31T01:30:00-04:00', '2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00'],
    },
    {
      name: 'New York autumn: the last second of the repeated hour is still EDT',
      zone: NY,
      expr: '59 59 1 * * *',
      after: '2026-10-30T12:00:00-04:00',
      expected: ['2026-10-31T01:59:59-04:00', '2026-11-01T01:59:59-04:00', '2026-11-02T01:59:59-05:00'],
    },
    {
      name: 'New York autumn: 02:30 happens once',
      zone: NY,
      expr: '30 2 * * *',
      after: '2026-10-30T12:00:00-04:00',
      expected: ['2026-10-31T02:30:00-04:00', '2026-11-01T02:30:00-05:00', '2026-11-02T02:30:00-05:00'],
    },
    // Europe/London
    {
      name: 'London spring: 01:30 is in the gap, fires at 02:00 BST',
      zone: LONDON,
      expr: '30 1 * * *',
      after: '2026-03-27T12:00:00+00:00',
      expected: ['2026-03-28T01:30:00+00:00', '2026-03-29T02:00:00+01:00', '2026-03-30T01:30:00+01:00'],
    },
    {
      name: 'London spring: 02:30 is after the gap',
      zone: LONDON,
      expr: '30 2 * * *',
      after: '2026-03-27T12:00:00+00:00',
      expected: ['2026-03-28T02:30:00+00:00', '2026-03-29T02:30:00+01:00', '2026-03-30T02:30:00+01:00'],
    },
    {
      name: 'London autumn: 01:30 repeats, fires at the first (BST) occurrence only',
      zone: LONDON,
      expr: '30 1 * * *',
      after: '2026-10-23T12:00:00+01:00',
      expected: ['2026-10-24T01:30:00+01:00', '2026-10-25T01:30:00+01:00', '2026-10-26T01:30:00+00:00'],
    },
    {
      name: 'London autumn: 09:00 is outside the change',
      zone: LONDON,
      expr: '0 9 * * *',
      after: '2026-10-23T12:00:00+01:00',
      expected: ['2026-10-24T09:00:00+01:00', '2026-10-25T09:00:00+00:00', '2026-10-26T09:00:00+00:00'],
    },
    // Australia/Lord_Howe: half-hour shifts
    {
      name: 'Lord Howe autumn (April): 01:45 repeats, fires at the first (+11) occurrence only',
      zone: LORD_HOWE,
      expr: '45 1 * * *',
      after: '2026-04-03T12:00:00+11:00',
      expected: ['2026-04-04T01:45:00+11:00', '2026-04-05T01:45:00+11:00', '2026-04-06T01:45:00+10:30'],
    },
    {
      name: 'Lord Howe autumn (April): 01:15 is before the repeated half hour',
      zone: LORD_HOWE,
      expr: '15 1 * * *',
      after: '2026-04-03T12:00:00+11:00',
      expected: ['2026-04-04T01:15:00+11:00', '2026-04-05T01:15:00+11:00', '2026-04-06T01:15:00+10:30'],
    },
    {
      name: 'Lord Howe spring (October): 02:15 is in the gap, fires at 02:30 +11',
      zone: LORD_HOWE,
      expr: '15 2 * * *',
      after: '2026-10-02T12:00:00+10:30',
      expected: ['2026-10-03T02:15:00+10:30', '2026-10-04T02:30:00+11:00', '2026-10-05T02:15:00+11:00'],
    },
    {
      name: 'Lord Howe spring (October): 02:45 is after the gap',
      zone: LORD_HOWE,
      expr: '45 2 * * *',
      after: '2026-10-02T12:00:00+10:30',
      expected: ['2026-10-03T02:45:00+10:30', '2026-10-04T02:45:00+11:00', '2026-10-05T02:45:00+11:00'],
    },
    // America/Santiago: changes at midnight
    {
      name: 'Santiago spring: midnight is in the gap, fires at 01:00',
      zone: SANTIAGO,
      expr: '@daily',
      after: '2026-09-04T12:00:00-04:00',
      expected: ['2026-09-05T00:00:00-04:00', '2026-09-06T01:00:00-03:00', '2026-09-07T00:00:00-03:00'],
    },
    {
      name: 'Santiago autumn: 23:30 repeats, fires at the first (-03) occurrence only',
      zone: SANTIAGO,
      expr: '30 23 * * *',
      after: '2026-04-03T12:00:00-03:00',
      expected: ['2026-04-03T23:30:00-03:00', '2026-04-04T23:30:00-03:00', '2026-04-05T23:30:00-04:00'],
    },
    // Pacific/Apia crossed the date line by skipping 30 December 2011 entirely
    {
      name: 'Apia skipped a whole day: the missing noon fires at the first instant after it',
      zone: 'Pacific/Apia',
      expr: '0 12 * * *',
      after: '2011-12-28T12:00:00-10:00',
      expected: ['2011-12-29T12:00:00-10:00', '2011-12-31T00:00:00+14:00', '2011-12-31T12:00:00+14:00'],
    },
    // Zones without DST: the same wall-clock times, nothing moves
    {
      name: 'Tokyo on New York spring night: 02:30 every day',
      zone: TOKYO,
      expr: '30 2 * * *',
      after: '2026-03-06T12:00:00+09:00',
      expected: ['2026-03-07T02:30:00+09:00', '2026-03-08T02:30:00+09:00', '2026-03-09T02:30:00+09:00'],
    },
    {
      name: 'Tokyo on New York autumn night: 01:30 every day',
      zone: TOKYO,
      expr: '30 1 * * *',
      after: '2026-10-30T12:00:00+09:00',
      expected: ['2026-10-31T01:30:00+09:00', '2026-11-01T01:30:00+09:00', '2026-11-02T01:30:00+09:00'],
    },
    {
      name: 'UTC on London autumn night: 01:30 every day',
      zone: 'UTC',
      expr: '30 1 * * *',
      after: '2026-10-23T12:00:00Z',
      expected: ['2026-10-24T01:30:00+00:00', '2026-10-25T01:30:00+00:00', '2026-10-26T01:30:00+00:00'],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assertSlots(nextSlots(cron(c.expr), c.zone, at(c.after), c.expected.length), c.zone, c.expected);
    });
  }

  // The promise from DESIGN.md, checked over a whole year rather than three chosen days.
  const yearly: { zone: string; expr: string }[] = [];
  for (const zone of [NY, LONDON, LORD_HOWE, SANTIAGO, TOKYO, 'UTC']) {
    for (const expr of ['0 0 * * *', '30 1 * * *', '15 2 * * *', '0 12 * * *', '59 23 * * *'])
      yearly.push({ zone, expr });
  }
  for (const { zone, expr } of yearly) {
    void test(`${zone} "${expr}" fires exactly once on each local day of 2026`, () => {
      const from = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone }).minus({ milliseconds: 1 });
      const to = DateTime.fromObject({ year: 2027, month: 1, day: 1 }, { zone }).minus({ milliseconds: 1 });
      const slots = slotsBetween(cron(expr), zone, from.toJSDate(), to.toJSDate(), 1000);
      const days = slots.map((d) => DateTime.fromJSDate(d, { zone }).toISODate());
      assert.equal(slots.length, 365);
      assert.equal(new Set(days).size, 365);
      assertStrictlyIncreasing(slots);
    });
  }
});

void describe('an every-15-minutes cron across DST changes', () => {
  const cases: { name: string; zone: string; from: string; to: string; expected: string[] }[] = [
    {
      name: 'New York spring: 02:00-03:00 collapse into one slot at 03:00 EDT',
      zone: NY,
      from: '2026-03-08T01:20:00-05:00',
      to: '2026-03-08T03:35:00-04:00',
      expected: [
        '2026-03-08T01:30:00-05:00',
        '2026-03-08T01:45:00-05:00',
        '2026-03-08T03:00:00-04:00',
        '2026-03-08T03:15:00-04:00',
        '2026-03-08T03:30:00-04:00',
      ],
    },
    {
      name: 'New York autumn: the repeated hour fires once, in EDT',
      zone: NY,
      from: '2026-11-01T00:50:00-04:00',
      to: '2026-11-01T02:20:00-05:00',
      expected: [
        '2026-11-01T01:00:00-04:00',
        '2026-11-01T01:15:00-04:00',
        '2026-11-01T01:30:00-04:00',
        '2026-11-01T01:45:00-04:00',
        '2026-11-01T02:00:00-05:00',
        '2026-11-01T02:15:00-05:00',
      ],
    },
    {
      name: 'London spring: 01:00-02:00 collapse into one slot at 02:00 BST',
      zone: LONDON,
      from: '2026-03-29T00:20:00+00:00',
      to: '2026-03-29T02:35:00+01:00',
      expected: [
        '2026-03-29T00:30:00+00:00',
        '2026-03-29T00:45:00+00:00',
        '2026-03-29T02:00:00+01:00',
        '2026-03-29T02:15:00+01:00',
        '2026-03-29T02:30:00+01:00',
      ],
    },
    {
      name: 'London autumn: the repeated hour fires once, in BST',
      zone: LONDON,
      from: '2026-10-25T00:50:00+01:00',
      to: '2026-10-25T02:05:00+00:00',
      expected: [
        '2026-10-25T01:00:00+01:00',
        '2026-10-25T01:15:00+01:00',
        '2026-10-25T01:30:00+01:00',
        '2026-10-25T01:45:00+01:00',
        '2026-10-25T02:00:00+00:00',
      ],
    },
    {
      name: 'Lord Howe autumn (April): the repeated half hour fires once, in +11',
      zone: LORD_HOWE,
      from: '2026-04-05T01:20:00+11:00',
      to: '2026-04-05T02:20:00+10:30',
      expected: [
        '2026-04-05T01:30:00+11:00',
        '2026-04-05T01:45:00+11:00',
        '2026-04-05T02:00:00+10:30',
        '2026-04-05T02:15:00+10:30',
      ],
    },
    {
      name: 'Lord Howe spring (October): 02:00-02:30 collapse into one slot at 02:30 +11',
      zone: LORD_HOWE,
      from: '2026-10-04T01:35:00+10:30',
      to: '2026-10-04T03:05:00+11:00',
      expected: [
        '2026-10-04T01:45:00+10:30',
        '2026-10-04T02:30:00+11:00',
        '2026-10-04T02:45:00+11:00',
        '2026-10-04T03:00:00+11:00',
      ],
    },
    {
      name: 'Tokyo: nothing happens at New York spring change',
      zone: TOKYO,
      from: '2026-03-08T01:50:00+09:00',
      to: '2026-03-08T02:35:00+09:00',
      expected: ['2026-03-08T02:00:00+09:00', '2026-03-08T02:15:00+09:00', '2026-03-08T02:30:00+09:00'],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assertSlots(slotsBetween(cron('*/15 * * * *'), c.zone, at(c.from), at(c.to), 100), c.zone, c.expected);
    });
  }

  // Whole change days: 96 wall-clock times a day, minus those that collapse into the end of a
  // gap; no instant twice; no wait longer than 15 minutes plus the hour (or half hour) repeated.
  const days: { zone: string; day: string; slots: number; longestWaitMinutes: number }[] = [
    { zone: NY, day: '2026-03-08', slots: 92, longestWaitMinutes: 15 },
    { zone: NY, day: '2026-11-01', slots: 96, longestWaitMinutes: 75 },
    { zone: LONDON, day: '2026-03-29', slots: 92, longestWaitMinutes: 15 },
    { zone: LONDON, day: '2026-10-25', slots: 96, longestWaitMinutes: 75 },
    { zone: LORD_HOWE, day: '2026-04-05', slots: 96, longestWaitMinutes: 45 },
    { zone: LORD_HOWE, day: '2026-10-04', slots: 94, longestWaitMinutes: 15 },
    { zone: TOKYO, day: '2026-03-08', slots: 96, longestWaitMinutes: 15 },
  ];
  for (const d of days) {
    void test(`${d.zone} on ${d.day}: ${d.slots} slots, none twice, longest wait ${d.longestWaitMinutes} min`, () => {
      const start = DateTime.fromISO(d.day, { zone: d.zone });
      const from = start.minus({ milliseconds: 1 }).toJSDate();
      const to = start.plus({ days: 1 }).minus({ milliseconds: 1 }).toJSDate();
      const slots = slotsBetween(cron('*/15 * * * *'), d.zone, from, to, 1000);
      assert.equal(slots.length, d.slots);
      assert.equal(new Set(slots.map((s) => s.getTime())).size, slots.length);
      assertStrictlyIncreasing(slots);
      const waits = slots.slice(1).map((s, i) => (s.getTime() - slots[i]!.getTime()) / 60_000);
      assert.equal(Math.max(...waits), d.longestWaitMinutes);
      assert.equal(Math.min(...waits), 15);
    });
  }

  void test('asking from inside the second pass of a repeated hour skips to after it', () => {
    // 01:20 EST is the second 01:20 of the night; 01:30 and 01:45 already fired in EDT.
    assertSlots(nextSlots(cron('*/15 * * * *'), NY, at('2026-11-01T01:20:00-05:00'), 2), NY, [
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T02:15:00-05:00',
    ]);
    // The same wall-clock reading in the first pass continues normally.
    assertSlots(nextSlots(cron('*/15 * * * *'), NY, at('2026-11-01T01:20:00-04:00'), 2), NY, [
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T01:45:00-04:00',
    ]);
  });

  void test('asking from the collapsed slot does not return it again', () => {
    assertSlots(nextSlots(cron('*/15 * * * *'), NY, at('2026-03-08T03:00:00-04:00'), 2), NY, [
      '2026-03-08T03:15:00-04:00',
      '2026-03-08T03:30:00-04:00',
    ]);
  });

  void test('@hourly on the New York spring night has 23 slots, 02:00 and 03:00 sharing one', () => {
    const slots = slotsBetween(
      cron('@hourly'),
      NY,
      at('2026-03-08T00:30:00-05:00'),
      at('2026-03-08T04:30:00-04:00'),
      100,
    );
    assertSlots(slots, NY, ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-08T04:00:00-04:00']);
  });
});

void describe('every: absolute elapsed time', () => {
  const HOUR = 3_600_000;
  const cases: { name: string; zone: string; when: When; after: string; expected: string[] }[] = [
    {
      name: 'hourly across New York spring: one hour of real time between slots',
      zone: NY,
      when: { kind: 'every', intervalMs: HOUR, anchor: at('2026-03-08T00:00:00-05:00') },
      after: '2026-03-08T00:00:00-05:00',
      expected: ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-08T04:00:00-04:00'],
    },
    {
      name: 'half-hourly across New York autumn: the repeated hour fires twice',
      zone: NY,
      when: { kind: 'every', intervalMs: HOUR / 2, anchor: at('2026-11-01T00:30:00-04:00') },
      after: '2026-11-01T00:30:00-04:00',
      expected: [
        '2026-11-01T01:00:00-04:00',
        '2026-11-01T01:30:00-04:00',
        '2026-11-01T01:00:00-05:00',
        '2026-11-01T01:30:00-05:00',
        '2026-11-01T02:00:00-05:00',
      ],
    },
    {
      name: 'daily (24 h) across London spring: the wall-clock time moves an hour',
      zone: LONDON,
      when: { kind: 'every', intervalMs: 24 * HOUR, anchor: at('2026-03-27T12:00:00+00:00') },
      after: '2026-03-27T12:00:00+00:00',
      expected: ['2026-03-28T12:00:00+00:00', '2026-03-29T13:00:00+01:00', '2026-03-30T13:00:00+01:00'],
    },
    {
      name: 'every 20 minutes across Lord Howe autumn (April)',
      zone: LORD_HOWE,
      when: { kind: 'every', intervalMs: HOUR / 3, anchor: at('2026-04-05T01:20:00+11:00') },
      after: '2026-04-05T01:20:00+11:00',
      expected: [
        '2026-04-05T01:40:00+11:00',
        '2026-04-05T01:30:00+10:30',
        '2026-04-05T01:50:00+10:30',
        '2026-04-05T02:10:00+10:30',
      ],
    },
    {
      name: 'the anchor is not a slot: asking from before it gives anchor + interval',
      zone: 'UTC',
      when: { kind: 'every', intervalMs: 5 * 60_000, anchor: at('2026-06-01T12:00:00Z') },
      after: '2026-05-01T00:00:00Z',
      expected: ['2026-06-01T12:05:00+00:00', '2026-06-01T12:10:00+00:00'],
    },
    {
      name: 'asking from exactly a slot gives the next one',
      zone: 'UTC',
      when: { kind: 'every', intervalMs: 5 * 60_000, anchor: at('2026-06-01T12:00:00Z') },
      after: '2026-06-01T12:10:00Z',
      expected: ['2026-06-01T12:15:00+00:00', '2026-06-01T12:20:00+00:00'],
    },
    {
      name: 'far from the anchor, still on its grid',
      zone: TOKYO,
      when: { kind: 'every', intervalMs: 7 * 60_000, anchor: at('2026-06-01T12:00:00+09:00') },
      after: '2026-06-02T12:00:00+09:00', // 1440 minutes later = 205 * 7 + 5
      expected: ['2026-06-02T12:02:00+09:00', '2026-06-02T12:09:00+09:00'],
    },
    {
      name: 'milliseconds are dropped: the anchor is truncated to its second',
      zone: 'UTC',
      when: { kind: 'every', intervalMs: 60_000, anchor: at('2026-06-01T12:00:00.700Z') },
      after: '2026-06-01T12:00:00.700Z',
      expected: ['2026-06-01T12:01:00+00:00', '2026-06-01T12:02:00+00:00'],
    },
    {
      name: 'an interval with milliseconds: each slot truncated to its second',
      zone: 'UTC',
      when: { kind: 'every', intervalMs: 1500, anchor: at('2026-06-01T12:00:00Z') },
      after: '2026-06-01T12:00:00Z',
      expected: [
        '2026-06-01T12:00:01+00:00',
        '2026-06-01T12:00:03+00:00',
        '2026-06-01T12:00:04+00:00',
        '2026-06-01T12:00:06+00:00',
      ],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assertSlots(nextSlots(c.when, c.zone, at(c.after), c.expected.length), c.zone, c.expected);
    });
  }

  void test('the time zone plays no part', () => {
    const when: When = { kind: 'every', intervalMs: 90 * 60_000, anchor: at('2026-10-03T14:00:00Z') };
    const inUtc = nextSlots(when, 'UTC', at('2026-10-03T14:00:00Z'), 6).map((d) => d.getTime());
    assert.deepEqual(
      nextSlots(when, LORD_HOWE, at('2026-10-03T14:00:00Z'), 6).map((d) => d.getTime()),
      inUtc,
    );
    assert.deepEqual(
      nextSlots(when, NY, at('2026-10-03T14:00:00Z'), 6).map((d) => d.getTime()),
      inUtc,
    );
  });
});

void describe('at: one slot', () => {
  const when: When = { kind: 'at', at: at('2026-07-01T09:00:00+02:00') };
  const cases: { name: string; after: string; expected: string[] }[] = [
    {
      name: 'before it: the slot, and nothing after it',
      after: '2026-06-01T00:00:00Z',
      expected: ['2026-07-01T09:00:00+02:00'],
    },
    {
      name: 'one second before it: the slot',
      after: '2026-07-01T08:59:59+02:00',
      expected: ['2026-07-01T09:00:00+02:00'],
    },
    { name: 'exactly at it: nothing', after: '2026-07-01T09:00:00+02:00', expected: [] },
    { name: 'after it: nothing', after: '2026-07-02T00:00:00Z', expected: [] },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assertSlots(nextSlots(when, 'Europe/Berlin', at(c.after), 5), 'Europe/Berlin', c.expected);
    });
  }

  void test('milliseconds are dropped', () => {
    assertSlots(
      nextSlots({ kind: 'at', at: at('2026-07-01T07:00:00.900Z') }, 'UTC', at('2026-07-01T06:00:00Z'), 2),
      'UTC',
      ['2026-07-01T07:00:00+00:00'],
    );
  });

  void test('compiled: nextAfter returns null once it has passed', () => {
    const c = compile(when, 'UTC');
    assert.equal(c.nextAfter(at('2026-07-01T06:59:59Z'))?.toISOString(), '2026-07-01T07:00:00.000Z');
    assert.equal(c.nextAfter(at('2026-07-01T07:00:00Z')), null);
  });
});

void describe('cron fields', () => {
  const cases: { name: string; expr: string; zone?: string; after: string; expected: string[] }[] = [
    {
      name: 'day of month OR day of week when both are restricted: the 13th or a Friday',
      expr: '0 0 13 * 5',
      after: '2026-06-01T00:00:00Z',
      expected: [
        '2026-06-05T00:00:00+00:00',
        '2026-06-12T00:00:00+00:00',
        '2026-06-13T00:00:00+00:00',
        '2026-06-19T00:00:00+00:00',
        '2026-06-26T00:00:00+00:00',
        '2026-07-03T00:00:00+00:00',
      ],
    },
    {
      name: 'OR with lists and names: the 1st or the 15th or a Monday',
      expr: '0 0 1,15 * MON',
      after: '2026-06-01T00:00:00Z',
      expected: [
        '2026-06-08T00:00:00+00:00',
        '2026-06-15T00:00:00+00:00',
        '2026-06-22T00:00:00+00:00',
        '2026-06-29T00:00:00+00:00',
        '2026-07-01T00:00:00+00:00',
        '2026-07-06T00:00:00+00:00',
      ],
    },
    {
      name: 'a stepped day of month is a restriction: every 10th day from the 1st, or a Monday',
      expr: '0 0 */10 * 1',
      after: '2026-06-01T00:00:00Z',
      expected: [
        '2026-06-08T00:00:00+00:00',
        '2026-06-11T00:00:00+00:00',
        '2026-06-15T00:00:00+00:00',
        '2026-06-21T00:00:00+00:00',
        '2026-06-22T00:00:00+00:00',
        '2026-06-29T00:00:00+00:00',
      ],
    },
    {
      name: 'day of week alone: only Fridays',
      expr: '0 0 * * 5',
      after: '2026-06-01T00:00:00Z',
      expected: ['2026-06-05T00:00:00+00:00', '2026-06-12T00:00:00+00:00', '2026-06-19T00:00:00+00:00'],
    },
    {
      name: 'day of month alone: only the 13th',
      expr: '0 0 13 * *',
      after: '2026-06-01T00:00:00Z',
      expected: ['2026-06-13T00:00:00+00:00', '2026-07-13T00:00:00+00:00', '2026-08-13T00:00:00+00:00'],
    },
    {
      name: 'day of week 7 is Sunday',
      expr: '0 0 * * 7',
      after: '2026-06-01T00:00:00Z',
      expected: ['2026-06-07T00:00:00+00:00', '2026-06-14T00:00:00+00:00'],
    },
    {
      name: 'day of week 0 is Sunday, and ? means any day of month',
      expr: '0 0 ? * 0',
      after: '2026-06-01T00:00:00Z',
      expected: ['2026-06-07T00:00:00+00:00', '2026-06-14T00:00:00+00:00'],
    },
    {
      name: 'a range ending at 7 includes Sunday: Friday to Sunday',
      expr: '0 0 * * 5-7',
      after: '2026-06-01T00:00:00Z',
      expected: [
        '2026-06-05T00:00:00+00:00',
        '2026-06-06T00:00:00+00:00',
        '2026-06-07T00:00:00+00:00',
        '2026-06-12T00:00:00+00:00',
      ],
    },
    {
      name: 'months by name',
      expr: '0 0 1 JAN,JUL *',
      after: '2026-06-01T00:00:00Z',
      expected: ['2026-07-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00', '2027-07-01T00:00:00+00:00'],
    },
    {
      name: 'the 31st skips short months',
      expr: '0 0 31 * *',
      after: '2026-01-31T00:00:00Z',
      expected: ['2026-03-31T00:00:00+00:00', '2026-05-31T00:00:00+00:00', '2026-07-31T00:00:00+00:00'],
    },
    {
      name: 'six fields: seconds first',
      expr: '*/20 * * * * *',
      after: '2026-06-01T12:00:00Z',
      expected: ['2026-06-01T12:00:20+00:00', '2026-06-01T12:00:40+00:00', '2026-06-01T12:01:00+00:00'],
    },
    {
      name: 'six fields: a fixed second',
      expr: '30 15 10 * * *',
      zone: TOKYO,
      after: '2026-06-01T10:15:30+09:00',
      expected: ['2026-06-02T10:15:30+09:00', '2026-06-03T10:15:30+09:00'],
    },
    {
      name: 'six fields: milliseconds in `after` are ignored, the next whole second follows',
      expr: '* * * * * *',
      after: '2026-06-01T12:00:00.500Z',
      expected: ['2026-06-01T12:00:01+00:00', '2026-06-01T12:00:02+00:00'],
    },
    {
      name: 'six fields in a gap: 02:30:15 fires at 03:00:00 EDT, the first instant after it',
      expr: '15 30 2 * * *',
      zone: NY,
      after: '2026-03-07T12:00:00-05:00',
      expected: ['2026-03-08T03:00:00-04:00', '2026-03-09T02:30:15-04:00'],
    },
    {
      name: 'every second through the end of a repeated hour',
      expr: '* * * * * *',
      zone: NY,
      after: '2026-11-01T01:59:58-04:00',
      expected: ['2026-11-01T01:59:59-04:00', '2026-11-01T02:00:00-05:00', '2026-11-01T02:00:01-05:00'],
    },
    {
      name: 'every second through a gap',
      expr: '* * * * * *',
      zone: NY,
      after: '2026-03-08T01:59:58-05:00',
      expected: ['2026-03-08T01:59:59-05:00', '2026-03-08T03:00:00-04:00', '2026-03-08T03:00:01-04:00'],
    },
    {
      name: 'leap day: every four years',
      expr: '0 0 29 2 *',
      after: '2026-01-01T00:00:00Z',
      expected: ['2028-02-29T00:00:00+00:00', '2032-02-29T00:00:00+00:00', '2036-02-29T00:00:00+00:00'],
    },
    {
      name: 'leap day: 2100 is not a leap year, the wait is eight years',
      expr: '0 0 29 2 *',
      after: '2096-03-01T00:00:00Z',
      expected: ['2104-02-29T00:00:00+00:00', '2108-02-29T00:00:00+00:00'],
    },
    {
      name: 'leap day in a zone: local midnight',
      expr: '0 0 29 2 *',
      zone: LORD_HOWE,
      after: '2026-01-01T00:00:00Z',
      expected: ['2028-02-29T00:00:00+11:00', '2032-02-29T00:00:00+11:00'],
    },
    {
      name: 'macro @weekly: Sunday midnight',
      expr: '@weekly',
      zone: LONDON,
      after: '2026-03-23T00:00:00Z',
      expected: ['2026-03-29T00:00:00+00:00', '2026-04-05T00:00:00+01:00'],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const zone = c.zone ?? 'UTC';
      assertSlots(nextSlots(cron(c.expr), zone, at(c.after), c.expected.length), zone, c.expected);
    });
  }
});

void describe('agrees with a brute-force reading of the rules around every change', () => {
  // The rules taken literally: a matching local time fires at the first instant whose wall
  // clock reads it or later. Walk real time minute by minute, keep the highest reading so far,
  // and fire whenever the reading passes a matching minute. This shares nothing with slots.ts
  // (no calendar walk, no offset search); cron-parser in UTC, where wall time is plain, decides
  // which minutes match. All these zones change on whole minutes, so minute steps are exact.
  const MINUTE = 60_000;
  function reference(expr: string, zone: string, from: number, to: number): number[] {
    const wallAt = (ms: number): number => ms + DateTime.fromMillis(ms, { zone }).offset * MINUTE;
    // Every matching wall-clock minute the window's readings can reach (a repeated stretch can
    // read up to its length past the last reading), as UTC milliseconds.
    const matching = new Set<number>();
    const it = CronExpressionParser.parse(expr, {
      currentDate: new Date(wallAt(from) - MINUTE),
      endDate: new Date(wallAt(to) + 3 * 3_600_000),
      tz: 'UTC',
    });
    while (it.hasNext()) matching.add(it.next().getTime());
    const out: number[] = [];
    let high = wallAt(from);
    for (let x = from + MINUTE; x <= to; x += MINUTE) {
      const reading = wallAt(x);
      for (let wall = high + MINUTE; wall <= reading; wall += MINUTE) {
        if (matching.has(wall)) {
          out.push(x);
          break;
        }
      }
      high = Math.max(high, reading);
    }
    return out;
  }

  const changes: { zone: string; at: string }[] = [
    { zone: NY, at: '2026-03-08T07:00:00Z' },
    { zone: NY, at: '2026-11-01T06:00:00Z' },
    { zone: LONDON, at: '2026-03-29T01:00:00Z' },
    { zone: LONDON, at: '2026-10-25T01:00:00Z' },
    { zone: LORD_HOWE, at: '2026-04-04T15:00:00Z' },
    { zone: LORD_HOWE, at: '2026-10-03T15:30:00Z' },
    { zone: SANTIAGO, at: '2026-04-05T03:00:00Z' },
    { zone: SANTIAGO, at: '2026-09-06T04:00:00Z' },
  ];
  const exprs = ['*/15 * * * *', '*/7 * * * *', '30 1 * * *', '15 2 * * *', '0 * * * *', '45 23,0,1,2 * * *'];
  for (const change of changes) {
    void test(`${change.zone} around ${change.at}`, () => {
      const from = at(change.at).getTime() - 4 * 3_600_000;
      const to = at(change.at).getTime() + 4 * 3_600_000;
      for (const expr of exprs) {
        const expected = reference(expr, change.zone, from, to);
        const actual = slotsBetween(cron(expr), change.zone, new Date(from), new Date(to), 1000).map((d) =>
          d.getTime(),
        );
        assert.deepEqual(
          actual.map((t) => local(new Date(t), change.zone)),
          expected.map((t) => local(new Date(t), change.zone)),
          expr,
        );
        // And from every instant in the window, including ones inside a repeated stretch.
        const compiled = compile(cron(expr), change.zone);
        for (let after = from; after < to; after += 30_000) {
          const next = expected.find((t) => t > after);
          if (next === undefined) break;
          assert.equal(
            compiled.nextAfter(new Date(after))?.getTime(),
            next,
            `${expr} after ${local(new Date(after), change.zone)}`,
          );
        }
      }
    });
  }
});

void describe('slotsBetween', () => {
  const every5 = cron('*/5 * * * *');
  const cases: { name: string; from: string; to: string; limit: number; expected: string[] }[] = [
    {
      name: '(from, to]: excludes from, includes to, oldest first',
      from: '2026-06-01T12:00:00Z',
      to: '2026-06-01T12:20:00Z',
      limit: 100,
      expected: [
        '2026-06-01T12:05:00+00:00',
        '2026-06-01T12:10:00+00:00',
        '2026-06-01T12:15:00+00:00',
        '2026-06-01T12:20:00+00:00',
      ],
    },
    {
      name: 'the limit keeps the oldest',
      from: '2026-06-01T12:00:00Z',
      to: '2026-06-01T23:00:00Z',
      limit: 3,
      expected: ['2026-06-01T12:05:00+00:00', '2026-06-01T12:10:00+00:00', '2026-06-01T12:15:00+00:00'],
    },
    {
      name: 'a limit of 0 gives nothing',
      from: '2026-06-01T12:00:00Z',
      to: '2026-06-01T13:00:00Z',
      limit: 0,
      expected: [],
    },
    {
      name: 'an empty window gives nothing',
      from: '2026-06-01T12:00:00Z',
      to: '2026-06-01T12:00:00Z',
      limit: 10,
      expected: [],
    },
    {
      name: 'a reversed window gives nothing',
      from: '2026-06-01T13:00:00Z',
      to: '2026-06-01T12:00:00Z',
      limit: 10,
      expected: [],
    },
    {
      name: 'a window between slots gives nothing',
      from: '2026-06-01T12:00:01Z',
      to: '2026-06-01T12:04:59Z',
      limit: 10,
      expected: [],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assertSlots(slotsBetween(every5, 'UTC', at(c.from), at(c.to), c.limit), 'UTC', c.expected);
    });
  }

  void test('paging with the last slot as the next from misses nothing and repeats nothing', () => {
    const from = at('2026-11-01T00:00:00-04:00');
    const to = at('2026-11-01T04:00:00-05:00');
    const all = slotsBetween(every5, NY, from, to, 1000);
    const paged: Date[] = [];
    let cursor = from;
    for (;;) {
      const page = slotsBetween(every5, NY, cursor, to, 7);
      paged.push(...page);
      if (page.length < 7) break;
      cursor = page[page.length - 1]!;
    }
    assert.deepEqual(paged, all);
    assert.equal(all.length, 12 * 4); // 00:05 EDT .. 04:00 EST, the repeated hour once
  });

  void test('a one-off inside the window, and one outside', () => {
    const when: When = { kind: 'at', at: at('2026-06-01T12:30:00Z') };
    assertSlots(slotsBetween(when, 'UTC', at('2026-06-01T12:00:00Z'), at('2026-06-01T13:00:00Z'), 10), 'UTC', [
      '2026-06-01T12:30:00+00:00',
    ]);
    assertSlots(slotsBetween(when, 'UTC', at('2026-06-01T12:30:00Z'), at('2026-06-01T13:00:00Z'), 10), 'UTC', []);
  });
});

void describe('compile', () => {
  void test('one compiled schedule answers for any instant, forwards or backwards', () => {
    const c = compile(cron('30 2 * * *'), NY);
    assert.equal(local(c.nextAfter(at('2026-03-09T12:00:00-04:00'))!, NY), '2026-03-10T02:30:00-04:00');
    assert.equal(local(c.nextAfter(at('2026-03-07T12:00:00-05:00'))!, NY), '2026-03-08T03:00:00-04:00');
    // 02:59:59 EDT does not exist; read as an instant it is 01:59:59 EST, just before the gap.
    assert.equal(local(c.nextAfter(at('2026-03-08T02:59:59-04:00'))!, NY), '2026-03-08T03:00:00-04:00');
    assert.equal(local(c.nextAfter(at('2026-03-08T03:00:00-04:00'))!, NY), '2026-03-09T02:30:00-04:00');
  });
});

void describe('invalid input throws a clear Error instead of looping', () => {
  const now = at('2026-06-01T00:00:00Z');
  const cases: { name: string; run: () => unknown; message: RegExp }[] = [
    {
      name: 'unknown time zone',
      run: () => compile(cron('* * * * *'), 'Mars/Olympus_Mons'),
      message: /unknown time zone "Mars\/Olympus_Mons"/,
    },
    { name: 'empty time zone', run: () => nextSlots(cron('* * * * *'), '', now, 1), message: /unknown time zone ""/ },
    {
      name: 'an offset is not a zone',
      run: () => nextSlots(cron('* * * * *'), '+05:00', now, 1),
      message: /unknown time zone/,
    },
    {
      name: 'unknown time zone for every',
      run: () => compile({ kind: 'every', intervalMs: 60_000, anchor: now }, 'Nowhere'),
      message: /unknown time zone/,
    },
    {
      name: 'cron with too few fields',
      run: () => compile(cron('* * *'), 'UTC'),
      message: /invalid cron expression "\* \* \*": must have 5 fields/,
    },
    {
      name: 'cron with a value out of range',
      run: () => compile(cron('60 * * * *'), 'UTC'),
      message: /invalid cron expression "60 \* \* \* \*"/,
    },
    {
      name: 'cron with a vendor extension',
      run: () => compile(cron('0 0 L * *'), 'UTC'),
      message: /invalid cron expression/,
    },
    {
      name: 'cron that can never fire',
      run: () => compile(cron('0 0 30 2 *'), 'UTC'),
      message: /invalid cron expression/,
    },
    { name: 'unknown macro', run: () => compile(cron('@reboot'), 'UTC'), message: /invalid cron expression/ },
    {
      name: 'every with a zero interval',
      run: () => compile({ kind: 'every', intervalMs: 0, anchor: now }, 'UTC'),
      message: /interval must be at least 1000 ms/,
    },
    {
      name: 'every with a NaN interval',
      run: () => compile({ kind: 'every', intervalMs: Number.NaN, anchor: now }, 'UTC'),
      message: /interval must be at least 1000 ms/,
    },
    {
      name: 'every with an invalid anchor',
      run: () => compile({ kind: 'every', intervalMs: 60_000, anchor: new Date('nope') }, 'UTC'),
      message: /anchor must be a valid Date/,
    },
    {
      name: 'at with an invalid date',
      run: () => compile({ kind: 'at', at: new Date('nope') }, 'UTC'),
      message: /at must be a valid Date/,
    },
    {
      name: 'an invalid after',
      run: () => compile(cron('* * * * *'), 'UTC').nextAfter(new Date('nope')),
      message: /after must be a valid Date/,
    },
    {
      name: 'an invalid to',
      run: () => slotsBetween(cron('* * * * *'), 'UTC', now, new Date('nope'), 1),
      message: /to must be a valid Date/,
    },
    {
      name: 'a negative count',
      run: () => nextSlots(cron('* * * * *'), 'UTC', now, -1),
      message: /count must be a non-negative integer/,
    },
    {
      name: 'a fractional limit',
      run: () => slotsBetween(cron('* * * * *'), 'UTC', now, now, 1.5),
      message: /limit must be a non-negative integer/,
    },
    {
      name: 'an unknown kind',
      run: () => compile({ kind: 'sometimes' } as unknown as When, 'UTC'),
      message: /unknown schedule kind "sometimes"/,
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.throws(c.run, (err: unknown) => err instanceof Error && c.message.test(err.message));
    });
  }

  void test('past the end of representable time: null, not a loop', () => {
    assert.equal(compile(cron('* * * * * *'), NY).nextAfter(new Date(8.64e15)), null);
    assert.equal(compile({ kind: 'every', intervalMs: 60_000, anchor: now }, 'UTC').nextAfter(new Date(8.64e15)), null);
  });
});
