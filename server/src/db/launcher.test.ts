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
