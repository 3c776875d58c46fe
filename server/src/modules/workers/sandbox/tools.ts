import { constants } from 'node:fs';
import { access, lstat, readlink } from 'node:fs/promises';
import { SYSTEM_ROOTS, type HostLayout } from './bwrap-args.ts';

/** Fixed places rather than the worker's PATH: the sandbox must not run whatever a PATH entry shadows it with. */
export const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];
/** Each lies under /usr or a system root, so the same path works inside the sandbox. */
export const PRLIMIT_CANDIDATES = ['/usr/bin/prlimit', '/bin/prlimit', '/usr/local/bin/prlimit'];

export interface ToolPaths {
  bwrapCandidates: readonly string[];
  prlimitCandidates: readonly string[];
}

export const DEFAULT_TOOLS: ToolPaths = { bwrapCandidates: BWRAP_CANDIDATES, prlimitCandidates: PRLIMIT_CANDIDATES };

export async function findExecutable(candidates: readonly string[]): Promise<string | null> {
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  return null;
}

export const INSTALL_BWRAP =
  'Install bubblewrap on the worker: `apt-get install bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap` (Fedora/RHEL).';
export const INSTALL_PRLIMIT = 'Install util-linux on the worker: `apt-get install util-linux` (provides prlimit).';

export async function detectHostLayout(): Promise<HostLayout> {
  const layout: HostLayout = {};
  for (const root of SYSTEM_ROOTS) {
    try {
      const stat = await lstat(root);
      if (stat.isSymbolicLink()) layout[root] = { kind: 'symlink', target: await readlink(root) };
      else if (stat.isDirectory()) layout[root] = { kind: 'dir' };
    } catch {
      // absent on this distribution
    }
  }
  return layout;
}
