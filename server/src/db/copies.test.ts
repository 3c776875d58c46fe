import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { knownOf } from '../modules/schedules/schedules.queries.ts';
import { recordLastRun, ScheduleStateModel, stateCopies } from '../modules/scheduler/schedule-state.model.ts';
import { Copies } from './copies.ts';
import { idOnlyFilters } from './engine.ts';

let db: TestDatabase;
let ferret = false;
before(async () => {
  db = await useTestDatabase();
  ferret = await idOnlyFilters();
});
after(() => db.close());

interface Doc {
  _id: Types.ObjectId;
  v: number;
}

/** Copies over a reader that counts the ids it was asked for and answers `v` for each. */
function counted(v: () => number) {
  const copies = new Copies<Doc>();
  const asked: string[] = [];
  const reader = async (keys: string[]) => {
    asked.push(...keys);
    return new Map(keys.map((k) => [k, { _id: new Types.ObjectId(k), v: v() }]));
  };
  return { copies, asked, reader };
}

test('states read once are answered from the copies until a write of them', async (t) => {
  if (!ferret) return t.skip('copies are kept on FerretDB only');
  let v = 1;
  const { copies, asked, reader } = counted(() => v);
  const [a, b] = [new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString()];
  await copies.read([a, b], reader);
  v = 2;
  assert.deepEqual(
    (await copies.read([a, b], reader)).map((d) => d.v),
    [1, 1],
    'kept',
  );
  assert.equal(asked.length, 2);

  await copies.write([a], async () => undefined);
  const again = await copies.read([a, b], reader);
  assert.deepEqual(
    new Map(again.map((d) => [d._id.toHexString(), d.v])),
    new Map([
      [a, 2],
      [b, 1],
    ]),
  );
  assert.deepEqual(asked.slice(2), [a], 'only the written one is read again');
});

test('a read that overlaps a write of a state does not keep it: it may predate the write', async (t) => {
  if (!ferret) return t.skip('copies are kept on FerretDB only');
  const { copies, asked, reader } = counted(() => 1);
  const id = new Types.ObjectId().toHexString();
  let release!: () => void;
  const slow = async (ids: string[]) => {
    await new Promise<void>((r) => (release = r));
    return reader(ids);
  };
  const reading = copies.read([id], slow);
  await copies.write([id], async () => undefined); // begins and ends while the read is in flight
  release();
  await reading;
  await copies.read([id], reader);
  assert.equal(asked.length, 2, 'read again');

  // A write in flight when the read ends: not kept either.
  let finish!: () => void;
  const writing = copies.write([id], () => new Promise<void>((r) => (finish = r)));
  await copies.read([id], reader);
  finish();
  await writing;
  await copies.read([id], reader);
  assert.equal(asked.length, 4, 'read again after the write');
});

test("a schedule's state read by the API shows a run's end recorded after it", async () => {
  const _id = new Types.ObjectId();
  await stateCopies.write([_id.toHexString()], () => ScheduleStateModel.create({ _id }));
  assert.equal((await knownOf([_id]))(_id).state?.last_run, null);

  const run = new Types.ObjectId();
  const at = new Date('2026-01-01T00:00:00Z');
  await recordLastRun(
    _id,
    { id: run, status: 'succeeded', nominal_at: at, finished_at: at },
    {
      'stats.succeeded': 1,
    },
  );
  const state = (await knownOf([_id]))(_id).state;
  assert.equal(state?.last_run?.id.toHexString(), run.toHexString());
  assert.equal(state?.stats.succeeded, 1);
});

test("a write of 'all' drops every copy, and readOne keeps a document under the key it was asked by", async (t) => {
  if (!ferret) return t.skip('copies are kept on FerretDB only');
  let v = 1;
  const copies = new Copies<Doc>();
  const doc = { _id: new Types.ObjectId(), v: 0 };
  let reads = 0;
  const read = async () => {
    reads++;
    return { ...doc, v };
  };
  assert.equal((await copies.readOne('tenant', read))?.v, 1);
  v = 2;
  assert.equal((await copies.readOne('tenant', read))?.v, 1, 'kept under "tenant"');
  await copies.write('all', async () => undefined);
  assert.equal((await copies.readOne('tenant', read))?.v, 2);
  assert.equal(reads, 2);
  assert.equal(await copies.readOne('none', async () => null), null, 'absent: nothing kept');

  // A read that overlapped a write of every document keeps nothing either.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const overlapping = copies.readOne('other', async () => {
    const d = await read();
    await gate;
    return d;
  });
  while (reads < 3) await new Promise((r) => setImmediate(r));
  await copies.write('all', async () => undefined);
  release();
  await overlapping;
  await copies.readOne('other', read);
  assert.equal(reads, 4, 'read again');
});

test('readers of a document being read join that read, unless it was written since the read began', async (t) => {
  if (!ferret) return t.skip('copies are kept on FerretDB only');
  let v = 1;
  const { copies, asked, reader } = counted(() => v);
  const id = new Types.ObjectId().toHexString();
  // `slow` answers when released; `started` resolves once it was asked.
  let release!: () => void;
  let started!: Promise<void>;
  let entered!: () => void;
  const arm = () => {
    started = new Promise<void>((r) => (entered = r));
  };
  const slow = async (keys: string[]) => {
    const gate = new Promise<void>((r) => (release = r));
    const docs = await reader(keys); // read now, answered when released
    entered();
    await gate;
    return docs;
  };
  arm();
  const first = copies.read([id], slow);
  await started;
  const second = copies.read([id], reader);
  release();
  assert.deepEqual([(await first)[0]?.v, (await second)[0]?.v], [1, 1]);
  assert.equal(asked.length, 1, 'one read for both');

  await copies.write([id], async () => undefined);
  arm();
  const third = copies.read([id], slow);
  await started;
  v = 2;
  await copies.write([id], async () => undefined); // acknowledged before the next reader asks
  const fourth = copies.read([id], reader);
  release();
  assert.equal((await fourth)[0]?.v, 2, 'does not join a read that may predate the write');
  await third;
  assert.equal(asked.length, 3);
});
