import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface StoredCredential {
  api: string;
  worker_id: string;
  credential: string;
}

/** One credential file per API, readable only by the worker's user (0600). */
export function credentialPath(stateDir: string, api: string): string {
  return path.join(stateDir, `worker-${createHash('sha256').update(api).digest('hex').slice(0, 12)}.json`);
}

export async function loadCredential(stateDir: string, api: string): Promise<StoredCredential | null> {
  try {
    return JSON.parse(await fs.readFile(credentialPath(stateDir, api), 'utf8')) as StoredCredential;
  } catch {
    return null;
  }
}

export async function saveCredential(stateDir: string, cred: StoredCredential): Promise<string> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = credentialPath(stateDir, cred.api);
  await fs.writeFile(file, JSON.stringify(cred, null, 2), { mode: 0o600 });
  return file;
}
