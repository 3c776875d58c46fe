import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mongoose from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { FERRETDB_MAX_POOL, isFerretdbBuild, poolOptionsFor } from './pool.ts';

let db: TestDatabase;
let uri: string;
let ferretdb: boolean;
before(async () => {
  db = await useTestDatabase();
  uri = db.uri;
  ferretdb = isFerretdbBuild(await mongoose.connection.db!.admin().command({ buildInfo: 1 }));
});
after(() => db.close());

test('a database given by URI is asked what it is: FerretDB gets the bounded pool, MongoDB the driver default', async () => {
  assert.deepEqual(await poolOptionsFor(uri, 'external'), ferretdb ? { maxPoolSize: FERRETDB_MAX_POOL } : {});
});

test('the embedded servers are known without asking; a maxPoolSize in the URI always wins', async () => {
  assert.deepEqual(await poolOptionsFor('mongodb://127.0.0.1:1/', 'ferretdb'), { maxPoolSize: FERRETDB_MAX_POOL });
  assert.deepEqual(await poolOptionsFor('mongodb://127.0.0.1:1/', 'mongod'), {});
  assert.deepEqual(await poolOptionsFor(`${uri}${uri.includes('?') ? '&' : '?'}maxPoolSize=10`, 'external'), {});
  assert.deepEqual(await poolOptionsFor('mongodb://127.0.0.1:1/?retryWrites=false&maxPoolSize=10', 'ferretdb'), {});
});

test('the test connection runs within the same bound as the server', () => {
  assert.equal(mongoose.connection.getClient().options.maxPoolSize, ferretdb ? FERRETDB_MAX_POOL : 100);
});
