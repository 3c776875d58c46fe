import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { DueIndex } from './due-index.ts';
import { refreshed } from '../../../test/support/due-index.ts';
import { CREATION_SETTLES_MS, NOTE_TTL_MS, noteCreated, noteRetimed, RetimeNoteModel } from './retime-notes.model.ts';
import { ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { scheduleDirectory } from '../schedules/schedule-directory.ts';
import { scheduleCache } from './schedule-cache.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

const at = (s: string) => new Date(`2026-11-27T10:00:${s}Z`);
const ids = (due: { _id: Types.ObjectId }[]) => due.map((d) => d._id.toHexString());
const tenant = new Types.ObjectId();

/** Schedules as the index reads them: their own next_run_at, and how far firing got on their state. */
async function put(docs: { _id: Types.ObjectId; next_run_at: Date | null; fired?: ScheduleStateDoc['fired'] }[]) {
  await ScheduleModel.collection.insertMany(
    docs.map(({ _id, next_run_at }) => ({ _id, next_run_at, tenant_id: tenant, name: 'due', paused: false })),
  );
  const fired = docs.filter((d) => d.fired).map(({ _id, fired }) => ({ _id, fired }));
  if (fired.length > 0) await ScheduleStateModel.collection.insertMany(fired);
}
/** An edit of the schedule's next slot (a retime, a pause). */
const retime = (_id: Types.ObjectId, next_run_at: Date | null) =>
  ScheduleModel.collection.updateOne({ _id }, { $set: { next_run_at } });
async function clear() {
  await ScheduleModel.deleteMany({});
  await ScheduleStateModel.deleteMany({});
  await RetimeNoteModel.deleteMany({});
}

test('the first refresh loads every next slot; due() gives those up to the horizon, earliest first', async () => {
  await clear();
  const [a, b, c, paused, ran, over] = Array.from({ length: 6 }, () => new Types.ObjectId()) as [
    Types.ObjectId,
    Types.ObjectId,
    Types.ObjectId,
    Types.ObjectId,
    Types.ObjectId,
    Types.ObjectId,
  ];
  await put([
    { _id: a, next_run_at: at('05') },
    { _id: b, next_run_at: at('01') },
    { _id: c, next_run_at: at('30') },
    { _id: paused, next_run_at: null, fired: { slot: at('00'), next: at('08') } },
    // Runs of the stored slot and later ended: the slot after the latest of them is next.
    { _id: ran, next_run_at: at('00'), fired: { slot: at('02'), next: at('07') } },
    { _id: over, next_run_at: at('00'), fired: { slot: at('00'), next: null } }, // a one-off that ran
  ]);
  const index = new DueIndex(() => at('00'));
  assert.deepEqual(await refreshed(index), { loaded: true, applied: 0 });
  assert.equal(index.size, 4, 'a schedule without a next slot is not kept');
  assert.deepEqual(ids(index.due(at('10'), 100)), [b, a, ran].map(String));
  assert.equal(index.at(ran!)?.toISOString(), at('07').toISOString());
  assert.deepEqual(ids(index.due(at('10'), 1)), [String(b)], 'at most `limit`, the earliest');
});

test('writes after the load reach the index through retime notes, and only those', async () => {
  await clear();
  const index = new DueIndex(() => at('00'));
  await refreshed(index);
  const created = new Types.ObjectId();
  const unnoted = new Types.ObjectId();
  await put([
    { _id: created, next_run_at: at('02') },
    { _id: unnoted, next_run_at: at('02') },
  ]);
  await noteRetimed([created]);
  assert.deepEqual(await refreshed(index), { loaded: false, applied: 1 });
  assert.deepEqual(ids(index.due(at('10'), 100)), [String(created)]);
  assert.deepEqual(await refreshed(index), { loaded: false, applied: 0 }, 'a note is applied once');

  // Retimed later: the note moves the entry; paused: the re-read drops it.
  await retime(created, at('40'));
  await noteRetimed([created]);
  await refreshed(index);
  assert.deepEqual(ids(index.due(at('10'), 100)), []);
  await retime(created, null);
  assert.deepEqual(await index.reread(created), { exists: true, next: null });
  assert.equal(index.size, 0);
});

test('a firing moves the cursor on, unless a note applied meanwhile retimed the schedule', async () => {
  await clear();
  const [plain, retimed] = [new Types.ObjectId(), new Types.ObjectId()];
  await put([
    { _id: plain, next_run_at: at('01') },
    { _id: retimed, next_run_at: at('01') },
  ]);
  const index = new DueIndex(() => at('01'));
  await refreshed(index);
  // Both slots at 01 are being fired; meanwhile an edit retimes one of them to 30.
  await retime(retimed, at('30'));
  await noteRetimed([retimed]);
  await index.followSince(at('01').getTime() + 1);
  index.advance(plain, at('01'), at('06'));
  index.advance(retimed, at('01'), at('06')); // computed from the schedule as it was
  assert.equal(index.at(plain)?.toISOString(), at('06').toISOString());
  assert.equal(index.at(retimed)?.toISOString(), at('30').toISOString(), 'the edit is kept');
});

test('an index that did not refresh for longer than half the notes are kept reloads everything', async () => {
  await clear();
  let now = at('00');
  const index = new DueIndex(() => now);
  await refreshed(index);
  const missed = new Types.ObjectId();
  await put([{ _id: missed, next_run_at: at('05') }]); // its note was pruned
  now = new Date(now.getTime() + NOTE_TTL_MS / 2 + 1000);
  assert.deepEqual(await refreshed(index), { loaded: true, applied: 0 });
  assert.deepEqual(ids(index.due(now, 100)), [String(missed)]);
});

test('prune drops notes older than they are kept', async () => {
  await RetimeNoteModel.deleteMany({});
  const now = new Date();
  await noteRetimed([new Types.ObjectId()], new Date(now.getTime() - NOTE_TTL_MS - 1000));
  await noteRetimed([new Types.ObjectId()], now);
  await DueIndex.prune(now);
  assert.equal(await RetimeNoteModel.countDocuments(), 1);
});

test('followSince(t) waits for a read of the notes that started at or after t; firings of one instant share it', async () => {
  await clear();
  let now = at('00');
  const index = new DueIndex(() => now);
  await refreshed(index);
  const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];

  await put([{ _id: a, next_run_at: at('05') }]);
  await noteRetimed([a]);
  now = at('01');
  await Promise.all([index.followSince(now.getTime()), index.followSince(now.getTime())]);
  assert.equal(index.at(a)?.toISOString(), at('05').toISOString(), 'a write noted before t is in the index');

  await put([{ _id: b, next_run_at: at('06') }]);
  await noteRetimed([b]);
  await index.followSince(now.getTime());
  assert.equal(index.at(b), undefined, 'a read since t was made already: no second read for the same instant');
  now = at('02');
  await index.followSince(now.getTime());
  assert.equal(index.at(b)?.toISOString(), at('06').toISOString(), 'a later instant reads the notes again');
});

test('a note whose re-read failed is applied again by the next read', async () => {
  await clear();
  let now = at('00');
  // The database failing the first re-read (a dropped connection, say), as seen by the index.
  class FailingOnce extends DueIndex {
    failed = false;
    override async reread(id: Types.ObjectId) {
      if (!this.failed) {
        this.failed = true;
        throw new Error('connection lost');
      }
      return super.reread(id);
    }
  }
  const index = new FailingOnce(() => now);
  await refreshed(index);
  const retimed = new Types.ObjectId();
  await put([{ _id: retimed, next_run_at: at('07') }]);
  await noteRetimed([retimed]);
  now = at('01');
  await assert.rejects(index.followSince(now.getTime()), /connection lost/);
  now = at('02');
  await index.followSince(now.getTime());
  assert.equal(index.at(retimed)?.toISOString(), at('07').toISOString());
});

test('keepFollowing reads the notes when no read began within the time given, and never in place of a load', async () => {
  await clear();
  let now = at('00');
  const index = new DueIndex(() => now);
  const a = new Types.ObjectId();
  await put([{ _id: a, next_run_at: at('05') }]);
  await noteRetimed([a]);
  await index.keepFollowing(1000);
  assert.equal(index.at(a), undefined, 'not loaded: nothing read (a load is the ticker refresh’s)');

  await refreshed(index);
  const b = new Types.ObjectId();
  await put([{ _id: b, next_run_at: at('06') }]);
  await noteRetimed([b]);
  now = at('00.5');
  await index.keepFollowing(1000);
  assert.equal(index.at(b), undefined, 'a read began within the second: none made');
  now = at('01.5');
  await index.keepFollowing(1000);
  assert.equal(index.at(b)?.toISOString(), at('06').toISOString(), 'the note applied');

  const c = new Types.ObjectId();
  await put([{ _id: c, next_run_at: at('07') }]);
  await noteRetimed([c]);
  now = new Date(now.getTime() + NOTE_TTL_MS / 2 + 1000);
  await index.keepFollowing(1000);
  assert.equal(index.at(c), undefined, 'too long since the last read to catch up: left to a load');
});

test('a creation noted by this process is applied from its document, without reading it back', async () => {
  await clear();
  const index = new DueIndex(() => at('00'));
  await refreshed(index);
  const _id = new Types.ObjectId();
  await put([{ _id, next_run_at: at('09') }]); // what the database holds
  const doc = { _id, tenant_id: tenant, name: 'due', paused: false, next_run_at: at('05') } as unknown as ScheduleDoc;
  await noteCreated(doc, Promise.resolve(true));
  await refreshed(index);
  assert.equal(index.at(_id)?.toISOString(), at('05').toISOString(), 'from the document: not read back');

  await noteRetimed([_id]);
  await refreshed(index);
  assert.equal(index.at(_id)?.toISOString(), at('09').toISOString(), 'any other note reads it back');
});

/** A due index that counts its re-reads of schedules. */
class Counting extends DueIndex {
  rereads = 0;
  override async reread(id: Types.ObjectId) {
    this.rereads++;
    return super.reread(id);
  }
}

test('a creation noted here whose writes are still out is applied once they are stored, and not if they failed', async () => {
  await clear();
  const index = new Counting(() => at('00'));
  await refreshed(index);
  const creation = (next: string) => {
    const _id = new Types.ObjectId();
    let settle!: (stored: boolean) => void;
    const stored = new Promise<boolean>((resolve) => (settle = resolve));
    const doc = { _id, tenant_id: tenant, name: 'due', paused: false, next_run_at: at(next) } as unknown as ScheduleDoc;
    return { _id, settle, noted: noteCreated(doc, stored) };
  };

  const made = creation('05');
  await made.noted;
  await refreshed(index);
  assert.equal(index.at(made._id), undefined, 'not yet: the schedule may not be stored');
  made.settle(true);
  await new Promise((r) => setImmediate(r));
  await refreshed(index);
  assert.equal(index.at(made._id)?.toISOString(), at('05').toISOString(), 'the note read again, once stored');

  const failed = creation('06');
  await failed.noted;
  failed.settle(false);
  await new Promise((r) => setImmediate(r));
  await refreshed(index);
  assert.equal(index.at(failed._id), undefined, 'a creation that failed is not indexed');
  await refreshed(index);
  assert.equal(index.rereads, 1, 'read back once to be sure, then not looked for again');
});

test('a creation’s note from another process is read again until its schedule is stored, for a bounded time', async () => {
  await clear();
  let now = at('00');
  const index = new Counting(() => now);
  await refreshed(index);
  // Another process's creation: its note stored first, its schedule not yet.
  const note = (_id: Types.ObjectId, noted: Date) =>
    RetimeNoteModel.collection.insertOne({ _id: new Types.ObjectId(), schedule_id: _id, at: noted, created: true });
  const soon = new Types.ObjectId();
  await note(soon, now);
  await refreshed(index);
  assert.equal(index.at(soon), undefined);
  await put([{ _id: soon, next_run_at: at('07') }]);
  now = at('01');
  await refreshed(index);
  assert.equal(index.at(soon)?.toISOString(), at('07').toISOString(), 'found at the next read');

  const never = new Types.ObjectId();
  await note(never, new Date(now.getTime() - CREATION_SETTLES_MS - 1000));
  const before = index.rereads;
  await refreshed(index);
  await refreshed(index);
  assert.equal(index.rereads - before, 1, 'a creation older than CREATION_SETTLES_MS is looked for once');
});

test('a load does not lose a creation whose note it saw before its schedule was stored', async () => {
  await clear();
  const index = new DueIndex(() => at('00'));
  const _id = new Types.ObjectId();
  await RetimeNoteModel.collection.insertOne({
    _id: new Types.ObjectId(),
    schedule_id: _id,
    at: at('00'),
    created: true,
  });
  await refreshed(index); // the load: the note is there, the schedule is not
  assert.equal(index.at(_id), undefined);
  await put([{ _id, next_run_at: at('08') }]);
  await refreshed(index);
  assert.equal(index.at(_id)?.toISOString(), at('08').toISOString());
});

test('a load reads a creation made here and stored like any schedule: its note does not apply the document after the load', async () => {
  await clear();
  await refreshed(new DueIndex(() => at('00'))); // this process follows the notes, so it remembers its creations
  const _id = new Types.ObjectId();
  await put([{ _id, next_run_at: at('09') }]); // stored, and moved on since (what the pass reads)
  const doc = { _id, tenant_id: tenant, name: 'due', paused: false, next_run_at: at('05') } as unknown as ScheduleDoc;
  await noteCreated(doc, Promise.resolve(true));
  await new Promise((r) => setImmediate(r));
  const index = new DueIndex(() => at('00'));
  await refreshed(index); // the load
  assert.equal(index.at(_id)?.toISOString(), at('09').toISOString(), 'from the pass');
  await refreshed(index);
  assert.equal(index.at(_id)?.toISOString(), at('09').toISOString(), 'the note counted as seen by the load');
});

test(
  'a load fills the index batch by batch, and the notes are followed while it reads',
  { timeout: 20_000 },
  async () => {
    await clear();
    let now = at('00');
    const all = Array.from({ length: 6 }, () => new Types.ObjectId());
    await put(all.map((_id) => ({ _id, next_run_at: at('01') })));
    const sizes: number[] = [];
    const index: DueIndex = new DueIndex(() => now, {
      loadBatch: 2,
      beforeBatch: async () => {
        sizes.push(index.size);
        // A firing waits for a read of the notes since its slot: the load must not hold it up.
        now = new Date(now.getTime() + 1000);
        await index.followSince(now.getTime());
      },
    });
    const { load } = await index.refresh();
    assert.ok(load, 'the first refresh begins a load');
    assert.equal(await load, 6);
    assert.deepEqual(sizes, [0, 2, 4], 'each batch enters the index as it is read');
    assert.equal(index.size, 6);
  },
);

test('a schedule a note re-read during a load keeps the re-read, in the index, the directory and the copies; lists wait for the load', async () => {
  await clear();
  let now = at('00');
  const [edited, other] = [new Types.ObjectId(), new Types.ObjectId()];
  await put([
    { _id: edited, next_run_at: at('05') },
    { _id: other, next_run_at: at('06') },
  ]);
  let listedDuringLoad: boolean | undefined;
  const index: DueIndex = new DueIndex(() => now, {
    // The batch in hand was read before this edit; the note's re-read comes after it.
    beforeBatch: async () => {
      await ScheduleModel.collection.updateOne({ _id: edited }, { $set: { next_run_at: at('40'), name: 'renamed' } });
      await noteRetimed([edited]);
      now = at('01');
      await index.followSince(now.getTime());
      listedDuringLoad = scheduleDirectory.complete;
    },
  });
  await refreshed(index);
  assert.equal(listedDuringLoad, false, 'lists wait for the end of the load');
  assert.ok(scheduleDirectory.complete);
  assert.equal(index.at(edited)?.toISOString(), at('40').toISOString(), 'the later read wins');
  assert.equal(index.at(other)?.toISOString(), at('06').toISOString());
  assert.ok(scheduleCache.following);
  assert.equal((await scheduleCache.get(edited))?.name, 'renamed', 'the copy kept is the re-read');
  const listed = scheduleDirectory.page(tenant, { q: 'renamed' }, { after: null, asc: true, limit: 10 });
  assert.deepEqual(listed.map(String), [String(edited)], 'the directory lists the re-read');
});

test('a load that fails leaves the index to load again at the next refresh', async () => {
  await clear();
  const a = new Types.ObjectId();
  await put([{ _id: a, next_run_at: at('05') }]);
  let fail = true;
  const index = new DueIndex(() => at('00'), {
    beforeBatch: async () => {
      if (fail) {
        fail = false;
        throw new Error('connection lost');
      }
    },
  });
  const first = await index.refresh();
  await assert.rejects(first.load!, /connection lost/);
  assert.deepEqual(await refreshed(index), { loaded: true, applied: 0 });
  assert.equal(index.at(a)?.toISOString(), at('05').toISOString());
});
