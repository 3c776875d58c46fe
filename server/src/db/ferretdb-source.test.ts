import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { FERRETDB_VERSION, findExecutable } from './launcher.ts';
import { buildInputs, launcherModuleDir, patchedBuildTree, patchTests } from './ferretdb-source.ts';

const PATCH = '0001-writers-take-turns.patch';

async function workDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-ferretdb-source-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

void test('the binary is named by the patches too, so a changed patch rebuilds it', () => {
  const names = buildInputs().map((i) => i.name);
  assert.ok(names.includes('main.go') && names.includes('go.mod'), names.join(', '));
  assert.ok(names.includes(`patches/${PATCH}`), names.join(', '));
});

void test('the build tree holds FerretDB with the patches applied, and the launcher module pointed at it', async (t) => {
  const go = await findExecutable('go');
  if (!go) return t.skip('go is not on PATH (the database is then MongoDB, and nothing is built)');
  const dir = await workDir(t);

  const launcher = await patchedBuildTree(go, dir, process.env);

  const goMod = await fs.readFile(path.join(launcher, 'go.mod'), 'utf8');
  assert.match(goMod, /^replace github\.com\/FerretDB\/FerretDB => \.\.\/ferretdb$/m);
  for (const f of ['main.go', 'go.sum']) {
    assert.equal(
      await fs.readFile(path.join(launcher, f), 'utf8'),
      await fs.readFile(path.join(launcherModuleDir, f), 'utf8'),
    );
  }
  const fsql = await fs.readFile(path.join(dir, 'ferretdb', 'internal', 'util', 'fsql', 'db.go'), 'utf8');
  assert.match(fsql, /db\.writeMu\.Lock\(\)\n\tdefer db\.writeMu\.Unlock\(\)\n\n\tif sqlTx, err = db\.sqlDB\.BeginTx/);
});

void test('a patch that does not apply stops the build with an error that names it', async (t) => {
  const go = await findExecutable('go');
  if (!go) return t.skip('go is not on PATH');
  const dir = await workDir(t);
  const patches = path.join(dir, 'patches');
  await fs.mkdir(patches);
  const original = await fs.readFile(path.join(launcherModuleDir, 'patches', PATCH), 'utf8');
  // The same patch against a line FerretDB does not have.
  await fs.writeFile(path.join(patches, '0001-stale.patch'), original.replace('\t"log/slog"\n', '\t"log/nolog"\n'));

  await assert.rejects(patchedBuildTree(go, path.join(dir, 'tree'), process.env, patches), (err: Error) => {
    assert.match(err.message, /Patch 0001-stale\.patch \(server\/ferretdb\/patches\) does not apply/);
    return true;
  });
});

void test("the Go tests the patches add pass in FerretDB's patched copy", async (t) => {
  const go = await findExecutable('go');
  if (!go) return t.skip('go is not on PATH');
  const tests = patchTests();
  assert.ok(
    tests.get('github.com/FerretDB/FerretDB/internal/handler/sjson')?.includes('TestMarshalAsBefore'),
    JSON.stringify([...tests]),
  );
  const dir = await workDir(t);
  const launcher = await patchedBuildTree(go, dir, process.env);
  // What FerretDB's test packages look for in a checkout of its repository: a `.git` to find its
  // root by, and the version file its release process writes.
  const ferretdb = path.join(dir, 'ferretdb');
  await fs.mkdir(path.join(ferretdb, '.git'));
  await fs.writeFile(path.join(ferretdb, 'build', 'version', 'version.txt'), `v${FERRETDB_VERSION}\n`);

  const names = [...tests.values()].flat();
  const { stdout } = await promisify(execFile)(
    go,
    ['test', '-count=1', '-v', '-run', `^(${names.join('|')})$`, ...tests.keys()],
    { cwd: launcher, env: process.env, maxBuffer: 16 << 20 },
  ).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`go test failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  });
  for (const name of names) assert.match(stdout, new RegExp(`^--- PASS: ${name} `, 'm'), `${name} did not run`);
});
