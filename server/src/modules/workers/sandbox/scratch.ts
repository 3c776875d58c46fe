import { chmod, chown, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Scratch directories are `<os.tmpdir()>/crony-sandbox-XXXXXX`, mode 0700. */
export const SCRATCH_PREFIX = 'crony-sandbox-';

export async function createScratch(owner?: { uid: number; gid: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), SCRATCH_PREFIX));
  try {
    if (owner) await chown(dir, owner.uid, owner.gid);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/**
 * Deletes the scratch directory. The command may have left directories without write or search
 * permission, which stop a non-root worker's rm; those are opened up (never following symlinks) and
 * the removal retried.
 */
export async function removeScratch(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch {
    await openUp(dir);
  }
  await rm(dir, { recursive: true, force: true });
}

async function openUp(dir: string): Promise<void> {
  try {
    const stat = await lstat(dir);
    if (!stat.isDirectory()) return;
    await chmod(dir, 0o700);
    for (const name of await readdir(dir)) await openUp(join(dir, name));
  } catch {
    // best effort; the retry reports what is left
  }
}
