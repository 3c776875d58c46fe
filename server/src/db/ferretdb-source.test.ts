import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findExecutable } from './launcher.ts';
import { buildInputs, launcherModuleDir, patchedBuildTree } from './ferretdb-source.ts';

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
