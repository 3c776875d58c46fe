import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { findByIds } from './by-ids.ts';

let db: TestDatabase;
let client: MongoClient;
let things: Collection;
const commands: string[] = [];
before(async () => {
  db = await useTestDatabase();
  client = await MongoClient.connect(db.uri, { monitorCommands: true });
  client.on('commandStarted', (e) => commands.push(e.commandName));
  things = client.db().collection('by_ids_things');
});
after(async () => {
  await client.close();
  await db.close();
});

/** The commands `work` sends, in order. */
async function sent(work: () => Promise<unknown>): Promise<string[]> {
  commands.length = 0;
  await work();
  return [...commands];
}

const read = (ids: ObjectId[], projection?: Record<string, 0 | 1>) =>
  findByIds<{ _id: ObjectId; n: number }>({ collection: things } as never, ids, projection);

test('findByIds reads the documents that exist in one command, whether or not all of them do', async () => {
  const ids = Array.from({ length: 50 }, () => new ObjectId());
  await things.insertMany(ids.map((_id, n) => ({ _id, n })));

  let docs: { _id: ObjectId; n: number }[] = [];
  assert.deepEqual(await sent(async () => (docs = await read(ids))), ['find'], 'all 50 found: no getMore after');
  assert.deepEqual(
    docs.map((d) => d.n).sort((a, b) => a - b),
    [...Array(50).keys()],
  );

  const some = [ids[3]!, new ObjectId(), ids[7]!];
  assert.deepEqual(await sent(async () => (docs = await read(some, { n: 1 }))), ['find']);
  assert.deepEqual(
    docs.map((d) => d.n).sort((a, b) => a - b),
    [3, 7],
  );
  assert.deepEqual(await sent(() => read([])), [], 'no ids, no command');
});

test('findByIds reads more than 1,000 ids in commands of 1,000', async () => {
  const ids = Array.from({ length: 1_001 }, () => new ObjectId());
  await things.insertMany(ids.slice(0, 2).map((_id, n) => ({ _id, n })));
  let docs: unknown[] = [];
  assert.deepEqual(await sent(async () => (docs = await read(ids))), ['find', 'find']);
  assert.equal(docs.length, 2);
});
