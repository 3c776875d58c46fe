import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Schema, Types, model } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { scoped } from './scope.ts';

interface NoteDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  text: string;
}
const NoteModel = model<NoteDoc>(
  'ScopeTestNote',
  new Schema<NoteDoc>({ tenant_id: { type: Schema.Types.ObjectId, required: true }, text: String }),
  'scope_test_notes',
);

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

const mine = { tenantId: new Types.ObjectId() };
const theirs = { tenantId: new Types.ObjectId() };

test('reads, updates and deletes by id go by _id alone and still never reach another tenant', async () => {
  const [doc] = await NoteModel.insertMany([{ tenant_id: theirs.tenantId, text: 'theirs' }]);
  const id = doc!._id;
  assert.equal(await scoped(NoteModel, mine).findById(id).lean(), null);
  assert.equal(await scoped(NoteModel, mine).updateById(id, { $set: { text: 'taken' } }), null);
  assert.deepEqual(await scoped(NoteModel, mine).deleteById(id), { deletedCount: 0 });
  assert.equal((await NoteModel.findById(id).lean())?.text, 'theirs', 'untouched');

  assert.equal((await scoped(NoteModel, theirs).findById(id).lean())?.text, 'theirs');
  assert.equal((await scoped(NoteModel, theirs).updateById(id, { $set: { text: 'edited' } }))?.text, 'edited');
  assert.deepEqual(await scoped(NoteModel, theirs).deleteById(id), { deletedCount: 1 });
  assert.equal(await scoped(NoteModel, theirs).findById(id).lean(), null);
});

test('a read by id whose projection drops tenant_id fails loudly instead of guessing', async () => {
  const [doc] = await NoteModel.insertMany([{ tenant_id: mine.tenantId, text: 'mine' }]);
  await assert.rejects(scoped(NoteModel, mine).findById(doc!._id).select({ text: 1 }).lean(), /keep tenant_id/);
  assert.equal(
    (await scoped(NoteModel, mine).findById(doc!._id).select({ tenant_id: 1 }).lean())?._id.equals(doc!._id),
    true,
  );
});

test("build makes a tenant's document without storing it; insert stores it, and refuses another tenant's", async () => {
  const built = await scoped(NoteModel, mine).build({ text: 'built' });
  assert.ok(built.tenant_id.equals(mine.tenantId));
  assert.equal(await NoteModel.findById(built._id).lean(), null, 'not stored yet');

  await assert.rejects(scoped(NoteModel, theirs).insert(built), /built for this tenant/);
  assert.equal(await NoteModel.findById(built._id).lean(), null, 'refused, not stored');

  await scoped(NoteModel, mine).insert(built);
  assert.equal((await scoped(NoteModel, mine).findById(built._id).lean())?.text, 'built');
});
