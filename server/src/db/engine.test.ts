import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ferretdbPatchProblem } from './engine.ts';

const required = ['0001-writers-take-turns', '0002-update-statements-in-one-transaction'];

test('a FerretDB 1.x without the patches is refused, naming what is missing and what to do', () => {
  // FerretDB 1.24.2 as released: no cronyPatches in its buildInfo.
  const problem = ferretdbPatchProblem({ version: '7.0.77', ferretdbVersion: 'v1.24.2', ok: 1 }, required);
  assert.match(problem ?? '', /\(FerretDB, version v1\.24\.2\) was not built with Cloud Crony's patches/);
  assert.match(problem ?? '', /missing: 0001-writers-take-turns, 0002-update-statements-in-one-transaction/);
  assert.match(problem ?? '', /launcher\.ts --ensure/);
});

test('a build with an older set of patches is refused for the ones it lacks', () => {
  const info = { ferretdbVersion: 'unknown', cronyPatches: ['0001-writers-take-turns'], ok: 1 };
  assert.match(ferretdbPatchProblem(info, required) ?? '', /missing: 0002-update-statements-in-one-transaction\)/);
});

test('a build with every patch, MongoDB, and FerretDB 2.x pass', () => {
  assert.equal(ferretdbPatchProblem({ ferretdbVersion: 'unknown', cronyPatches: [...required, 'x'] }, required), null);
  assert.equal(ferretdbPatchProblem({ version: '7.0.14', ok: 1 }, required), null);
  assert.equal(ferretdbPatchProblem({ ferretdbVersion: 'v2.1.0', ok: 1 }, required), null);
});
