import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sandboxMode } from './modes.ts';
import { runCommand } from './run.ts';
import { findExecutable, INSTALL_BWRAP, INSTALL_PRLIMIT, type ToolPaths } from './tools.ts';
import { type SandboxCheck } from './types.ts';

const USERNS_HELP =
  'bwrap needs unprivileged user namespaces: check `sysctl user.max_user_namespaces` (> 0) and, on Debian ' +
  'before 11, `sysctl kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04+ keep the bwrap AppArmor profile ' +
  'enabled; in a container allow namespaces (e.g. Docker `--security-opt seccomp=unconfined ' +
  '--security-opt apparmor=unconfined`). Only as a last resort start the worker with --insecure-no-sandbox.';

/** --disable-userns and --size (bounded tmpfs) arrived in bubblewrap 0.8.0 (Debian 12, Ubuntu 24.04). */
const MIN_BWRAP = [0, 8, 0] as const;

async function bwrapVersion(bwrap: string): Promise<number[] | null> {
  try {
    const { stdout } = await promisify(execFile)(bwrap, ['--version'], { timeout: 5000 });
    const match = /(\d+)\.(\d+)\.(\d+)/.exec(stdout);
    return match ? match.slice(1).map(Number) : null;
  } catch {
    return null;
  }
}

function older(version: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < than.length; i++) {
    const a = version[i] ?? 0;
    const b = than[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/** Is bwrap present and able to run `true` with exactly the sandbox a task gets? */
export async function checkSandboxWith(tools: ToolPaths): Promise<SandboxCheck> {
  const bwrap = await findExecutable(tools.bwrapCandidates);
  if (!bwrap) {
    return { ok: false, reason: 'bubblewrap (bwrap) is not installed on this worker', howToFix: INSTALL_BWRAP };
  }
  const version = await bwrapVersion(bwrap);
  if (version && older(version, MIN_BWRAP)) {
    return {
      ok: false,
      reason: `bubblewrap ${version.join('.')} is too old: the sandbox needs ${MIN_BWRAP.join('.')} or newer`,
      howToFix: 'Upgrade bubblewrap (Debian 12 and Ubuntu 24.04 ship 0.8.0; on older releases use backports).',
    };
  }
  if (!(await findExecutable(tools.prlimitCandidates))) {
    return { ok: false, reason: 'prlimit (util-linux) is not installed on this worker', howToFix: INSTALL_PRLIMIT };
  }
  const result = await runCommand(
    { command: ['true'], env: {}, network: false, limits: { wallClockMs: 15_000, graceMs: 1000 } },
    {},
    sandboxMode(tools),
  );
  if (result.ending === 'exited' && result.exitCode === 0) return { ok: true };
  const detail = result.stderr.trim() || `ending ${result.ending}, exit code ${String(result.exitCode)}`;
  return { ok: false, reason: `bwrap could not start a sandbox: ${detail}`, howToFix: USERNS_HELP };
}
