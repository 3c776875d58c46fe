import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Types } from 'mongoose';
import { dispatchOrder, type Dispatchable } from './dispatch-order.ts';

const t = (m: number) => new Date(Date.UTC(2026, 10, 27, 10, m));
const run = (name: string, priority: number, deadline: number | null, nominal: number) => ({
  name,
  _id: new Types.ObjectId(),
  priority,
  deadline_at: deadline === null ? null : t(deadline),
  nominal_at: t(nominal),
});
const order = (runs: (Dispatchable & { name: string })[]) => [...runs].sort(dispatchOrder).map((r) => r.name);

describe('dispatch order', () => {
  const cases: { title: string; runs: ReturnType<typeof run>[]; expected: string[] }[] = [
    {
      title: 'higher priority first, whatever the deadlines and slots',
      runs: [run('low', 10, 1, 0), run('high', 200, null, 30), run('mid', 100, 5, 20)],
      expected: ['high', 'mid', 'low'],
    },
    {
      title: 'equal priority: the earlier deadline first',
      runs: [run('late', 100, 30, 0), run('soon', 100, 10, 5), run('sooner', 100, 8, 9)],
      expected: ['sooner', 'soon', 'late'],
    },
    {
      title: 'no deadline goes after any deadline',
      runs: [run('none', 100, null, 0), run('far', 100, 500, 9)],
      expected: ['far', 'none'],
    },
    {
      title: 'equal priority and deadline: the earlier slot first',
      runs: [run('b', 100, 30, 2), run('a', 100, 30, 1), run('c', 100, null, 3), run('d', 100, null, 0)],
      expected: ['a', 'b', 'd', 'c'],
    },
    {
      title: 'negative priorities sort below the default',
      runs: [run('neg', -5, 1, 0), run('default', 100, null, 9)],
      expected: ['default', 'neg'],
    },
  ];
  for (const c of cases) {
    test(c.title, () => {
      assert.deepEqual(order(c.runs), c.expected);
      assert.deepEqual(order([...c.runs].reverse()), c.expected, 'the input order does not matter');
    });
  }

  test('the id breaks a full tie, so every executor agrees', () => {
    const a = run('a', 100, null, 0);
    const hex = a._id.toHexString();
    const b = {
      ...run('b', 100, null, 0),
      _id: new Types.ObjectId(hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0')),
    };
    const first = a._id.toHexString() < b._id.toHexString() ? 'a' : 'b';
    assert.equal(order([b, a])[0], first);
    assert.equal(order([a, b])[0], first);
    assert.equal(dispatchOrder(a, a), 0);
  });
});
