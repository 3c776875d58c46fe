/**
 * `npm start`: builds the console when its sources are newer than the last build, then runs
 * `crony serve` in the foreground (Ctrl-C stops it gracefully).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(p)) {
    if (entry === 'node_modules' || entry === '.next') continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

export function consoleBuildIsStale(): boolean {
  const buildId = path.join(root, 'web/.next/BUILD_ID');
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  const sources = ['web/src', 'web/next.config.ts', 'web/package.json', 'shared/src'].map((p) => path.join(root, p));
  return Math.max(...sources.map(newestMtime)) > built;
}

export function buildConsoleIfStale(): void {
  if (!consoleBuildIsStale()) return;
  console.log('Building the console (Next.js); this happens once after each change to web/ or shared/…');
  // Next.js telemetry is off: a self-hosted scheduler should not phone home by default.
  const r = spawnSync('npm', ['run', 'build', '-w', '@crony/web'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) {
    console.error('The console build failed; see the output above.');
    process.exit(r.status ?? 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildConsoleIfStale();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/src/cli.ts'), 'serve'], {
    cwd: root,
    stdio: 'inherit',
  });
  // The server handles the first signal gracefully and a second one by exiting at once.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
