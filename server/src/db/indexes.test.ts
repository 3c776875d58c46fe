import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { RunModel } from '../modules/runs/run.model.ts';
import { isDuplicateKey } from './errors.ts';
import { syncIndexes } from './indexes.ts';
import { idOnlyFilters } from './engine.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

const keysOf = async () =>
  (await RunModel.collection.indexes()).map((ix) => ({ key: JSON.stringify(ix.key), unique: ix.unique === true }));

test('on FerretDB only the unique indexes are kept; on MongoDB every index of the schema', async () => {
  await RunModel.syncIndexes(); // every index of the schema, as an older version made them
  await RunModel.collection.createIndex({ slot: 1, tenant_id: 1 }, { unique: true, name: 'no_longer_declared' });
  assert.ok(
    (await keysOf()).some((ix) => !ix.unique && ix.key !== '{"_id":1}'),
    'a secondary index to begin with',
  );

  await syncIndexes();

  const after = await keysOf();
  const ledger = after.find((ix) => ix.key === '{"schedule_id":1,"slot":1}');
  assert.equal(ledger?.unique, true, 'the ledger index (one run per slot) is kept');
  assert.ok(!after.some((ix) => ix.key === '{"slot":1,"tenant_id":1}'), 'an index the schema does not declare goes');
  const secondary = after.filter((ix) => !ix.unique && ix.key !== '{"_id":1}');
  const declared = RunModel.schema.indexes().filter(([, o]) => !o?.unique).length;
  assert.equal(secondary.length, (await idOnlyFilters()) ? 0 : declared);

  // The rule still holds: a slot recorded twice is refused.
  const run = { tenant_id: new Types.ObjectId(), schedule_id: new Types.ObjectId(), slot: 'x' };
  await RunModel.collection.insertOne({ _id: new Types.ObjectId(), ...run });
  await assert.rejects(RunModel.collection.insertOne({ _id: new Types.ObjectId(), ...run }), isDuplicateKey);
});

test('a collection that does not exist yet is no error', async () => {
  await RunModel.collection.drop().catch(() => undefined);
  await syncIndexes();
  assert.ok((await keysOf()).some((ix) => ix.key === '{"schedule_id":1,"slot":1}'));
});
