import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MongoClient, ObjectId } from 'mongodb';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { waitFor } from '../../test/support/server.ts';
import { startCommandCensus } from './command-census.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

test('the census tallies commands by collection and filter fields, without their values', async () => {
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'census-')), 'commands.tsv');
  const client = await MongoClient.connect(db.uri, { monitorCommands: true });
  try {
    startCommandCensus(client, file);
    const things = client.db().collection('census_things');
    const ids = [new ObjectId(), new ObjectId()];
    await things.insertMany(ids.map((_id) => ({ _id, state: 'a' })));
    for (const _id of ids) await things.findOne({ _id });
    await things.updateOne({ _id: ids[0] }, { $set: { state: 'b' } });
    await things.find({ state: { $in: ['b', 'c'] } }).toArray();

    const lines = await waitFor(
      async () => {
        const text = await fs.readFile(file, 'utf8').catch(() => '');
        return text.includes('update census_things') ? text.trim().split('\n') : undefined;
      },
      10_000,
      'the tally file',
    );
    const rows = new Map(lines.map((l) => l.split('\t')).map(([n, docs, , what]) => [what, [n, docs]]));
    assert.deepEqual(rows.get('find census_things {_id}'), ['2', '2'], 'two reads by _id, a document each');
    assert.deepEqual(rows.get('insert census_things'), ['1', '2'], 'one command, two documents');
    assert.deepEqual(rows.get('update census_things {_id}'), ['1', '1']);
    assert.deepEqual(rows.get('find census_things {state:{$in:[]}}'), ['1', '1'], 'operators kept, values not');
    assert.ok(!lines.some((l) => l.includes(ids[0]!.toHexString())), 'no values');
  } finally {
    await client.close();
  }
});
