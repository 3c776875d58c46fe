/**
 * What the launcher builds FerretDB from: its own Go module (`server/ferretdb`), with FerretDB's
 * module replaced by a copy that has Cloud Crony's patches applied (`server/ferretdb/patches`,
 * each a unified diff whose header says why).
 *
 * Go refuses to overlay files of the module cache, so the patched module is a copy: the one
 * `go.mod` pins, copied out of the module cache, made writable, patched with `git apply`, and
 * named in a `replace` directive of a copy of the launcher module.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/** The launcher's Go module. */
export const launcherModuleDir = fileURLToPath(new URL('../../ferretdb/', import.meta.url));
const patchesDir = path.join(launcherModuleDir, 'patches');

/** The launcher module's own files: Go sources, go.mod and go.sum. */
function launcherFiles(): string[] {
  return readdirSync(launcherModuleDir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .sort();
}

/** The patches in `dir`, in the order they are applied (by file name). */
function patchFiles(dir = patchesDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort();
}

/**
 * The names of the patches (their file names without `.patch`), in order: the launcher builds
 * them into FerretDB's `buildInfo` (patch 0008), and a server checks them there (engine.ts).
 */
export function patchNames(): string[] {
  return patchFiles().map((f) => f.replace(/\.patch$/, ''));
}

/** The link flag that makes FerretDB's `buildInfo` name the patches (patch 0008). */
export function patchNamesLinkFlag(): string {
  return `-X ${FERRETDB_MODULE}/internal/handler.cronyPatches=${patchNames().join(',')}`;
}

/**
 * Every file of this repository the binary is built from, with its text: the launcher's files
 * and the patches. The binary is named by their hash, so a change to any of them rebuilds it.
 */
export function buildInputs(): { name: string; text: string }[] {
  return [
    ...launcherFiles().map((f) => ({ name: f, text: readFileSync(path.join(launcherModuleDir, f), 'utf8') })),
    ...patchFiles().map((f) => ({ name: `patches/${f}`, text: readFileSync(path.join(patchesDir, f), 'utf8') })),
  ];
}

/**
 * The Go tests the patches add, by import path of their package: each `func TestX(` a patch
 * adds to a `_test.go` file. ferretdb-source.test.ts runs them from the launcher module of a
 * build tree, so against the dependencies the binary is built with, and a patch's own checks
 * (an encoder compared byte for byte with FerretDB's, say) run with the suite.
 */
export function patchTests(): Map<string, string[]> {
  const tests = new Map<string, string[]>();
  for (const name of patchFiles()) {
    let file = '';
    for (const line of readFileSync(path.join(patchesDir, name), 'utf8').split('\n')) {
      if (line.startsWith('+++ b/')) file = line.slice('+++ b/'.length);
      const test = /^\+func (Test\w+)\(/.exec(line);
      if (test && file.endsWith('_test.go')) {
        const pkg = `${FERRETDB_MODULE}/${path.posix.dirname(file)}`;
        tests.set(pkg, [...(tests.get(pkg) ?? []), test[1]!]);
      }
    }
  }
  return tests;
}

/**
 * Lays out under `workDir` (a directory of its own) the launcher module pointed at a patched
 * copy of FerretDB, and returns the directory to run `go build` in. `patches`: the directory of
 * patches, `server/ferretdb/patches` unless a test names another.
 */
export async function patchedBuildTree(
  go: string,
  workDir: string,
  env: NodeJS.ProcessEnv,
  patches = patchesDir,
): Promise<string> {
  const ferretdb = path.join(workDir, 'ferretdb');
  await fs.cp(await moduleDir(go, env), ferretdb, { recursive: true });
  await makeWritable(ferretdb);
  for (const name of patchFiles(patches)) await applyPatch(path.join(patches, name), ferretdb, env);

  const launcher = path.join(workDir, 'launcher');
  await fs.mkdir(launcher);
  for (const f of launcherFiles()) await fs.copyFile(path.join(launcherModuleDir, f), path.join(launcher, f));
  await fs.appendFile(path.join(launcher, 'go.mod'), `\nreplace ${FERRETDB_MODULE} => ../ferretdb\n`);
  return launcher;
}

/** Where FerretDB's module, as go.mod pins it, sits in the module cache (downloaded if missing). */
async function moduleDir(go: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', FERRETDB_MODULE], {
    cwd: launcherModuleDir,
    env,
  }).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`go mod download ${FERRETDB_MODULE} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${FERRETDB_MODULE} named no directory: ${stdout.trim()}`);
  return dir;
}

/** The module cache's files and directories are read-only; the copy's must take a patch. */
async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    await fs.chmod(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

/**
 * Applies one patch with `git apply`, then checks that it is applied (its reverse applies):
 * inside a git checkout, `git apply` may skip paths it takes for outside its directory and
 * still succeed. GIT_CEILING_DIRECTORIES keeps git from taking this repository for the copy's.
 */
async function applyPatch(patch: string, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const gitEnv = { ...env, GIT_CEILING_DIRECTORIES: path.dirname(dir) };
  const name = path.basename(patch);
  for (const args of [
    ['apply', '-p1', patch],
    ['apply', '-p1', '--reverse', '--check', patch],
  ]) {
    await execFileAsync('git', args, { cwd: dir, env: gitEnv }).catch((err: Error & { stderr?: string }) => {
      throw new Error(
        `Patch ${name} (server/ferretdb/patches) does not apply to ${FERRETDB_MODULE} as go.mod pins it ` +
          `(git ${args.join(' ')}): ${(err.stderr || err.message).trim()}`,
      );
    });
  }
}
