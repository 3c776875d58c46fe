import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MongoClient } from 'mongodb';
import { startDatabase, type StartDatabaseOptions } from './launcher.ts';

// With MONGODB_URI the test runs against that server; otherwise it exercises the FerretDB
// fallback even where `mongod` is installed, since that is the path every fresh machine takes.
const externalUri = process.env.MONGODB_URI;

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'crony-launcher-'));
}

async function canPing(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, directConnection: true });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

void test('data written to a started database survives a restart on the same dataDir', async (t) => {
  const dataDir = await tempDir();
  t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
  const opts: StartDatabaseOptions = externalUri
    ? { uri: externalUri, dataDir }
    : { dataDir, engine: 'ferretdb', log: (msg) => t.diagnostic(msg) };
  const dbName = `t_launcher_${process.pid}_${Date.now()}`;

  const first = await startDatabase(opts);
  assert.equal(first.kind, externalUri ? 'external' : 'ferretdb');
  const writer = new MongoClient(first.uri);
  try {
    await writer.db(dbName).collection('notes').insertOne({ key: 'n1', text: 'still here' });
  } finally {
    await writer.close();
  }
  await first.stop();
  if (!externalUri) {
    assert.equal(await canPing(first.uri), false, 'the server still answers after stop()');
  }

  const second = await startDatabase(opts);
  t.after(() => second.stop());
  const reader = new MongoClient(second.uri);
  try {
    const doc = await reader.db(dbName).collection('notes').findOne({ key: 'n1' });
    assert.equal(doc?.text, 'still here');
    await reader.db(dbName).dropDatabase();
  } finally {
    await reader.close();
  }
});

void test('a given uri is returned untouched and nothing is started', async () => {
  const uri = 'mongodb://user:secret@db.example.invalid:27017/crony?authSource=admin';
  const dataDir = path.join(os.tmpdir(), `crony-launcher-unused-${process.pid}`);
  const handle = await startDatabase({ uri, dataDir });
  assert.deepEqual({ uri: handle.uri, kind: handle.kind }, { uri, kind: 'external' });
  await handle.stop();
  await assert.rejects(fs.access(dataDir), 'a data directory was created for an external server');
});

void test('a started database that crashes is started again on the same URI, with its data', async (t) => {
  if (externalUri) {
    t.skip('MONGODB_URI is set: this server is not started (or supervised) here');
    return;
  }
  const dataDir = await tempDir();
  const logged: string[] = [];
  const db = await startDatabase({ dataDir, engine: 'ferretdb', log: (msg) => logged.push(msg) });
  t.after(async () => {
    await db.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 20_000 });
  t.after(() => client.close());
  await client
    .db('t_crash')
    .collection('c')
    .insertOne({ _id: 'kept' } as never);

  const before = db.pid?.();
  assert.ok(before, 'the handle names the server process');
  process.kill(before, 'SIGKILL'); // as a crash would end it: nobody asked it to stop
  let restarted = false;
  for (let i = 0; i < 200 && !restarted; i++) {
    await new Promise((r) => setTimeout(r, 100));
    restarted = logged.some((m) => m.includes('restarted on')) && (await canPing(db.uri));
  }
  assert.ok(restarted, `the database came back on ${db.uri}:\n${logged.join('\n')}`);
  assert.notEqual(db.pid?.(), before, 'a new process');
  assert.ok(
    logged.some((m) => /exited unexpectedly \(SIGKILL\)/.test(m)),
    'the crash was logged with how it ended',
  );
  assert.deepEqual(
    await client
      .db('t_crash')
      .collection('c')
      .findOne({ _id: 'kept' } as never),
    { _id: 'kept' },
  );
});

void test(
  'FerretDB answers a lookup by _id from an index, not a scan of the collection',
  { skip: externalUri ? 'runs against the FerretDB fallback only' : false },
  async (t) => {
    const dataDir = await tempDir();
    t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
    const db = await startDatabase({ dataDir, engine: 'ferretdb' });
    const client = new MongoClient(db.uri);
    t.after(async () => {
      await client.close();
      await db.stop();
    });
    const coll = client.db('t_id_index').collection<{ _id: string; n: number }>('docs');
    await coll.insertMany(Array.from({ length: 100 }, (_, n) => ({ _id: `doc-${n}`, n })));

    // FerretDB's explain shows SQLite's own query plan. The launcher adds the index within
    // 250 ms of the table's creation; a find first so that the connection sees the new schema.
    let plan = '';
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      assert.equal((await coll.findOne({ _id: 'doc-42' }))?.n, 42);
      const explained = await client.db('t_id_index').command({ explain: { find: 'docs', filter: { _id: 'doc-42' } } });
      plan = JSON.stringify(explained.queryPlanner);
      if (plan.includes('USING INDEX')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(plan, /SEARCH \S+ USING INDEX \S+__id_expr/);
  },
);
