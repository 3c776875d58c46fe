import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import { isDuplicateKey } from '../../db/errors.ts';
import { createToken } from '../tokens/tokens.service.ts';
import { signup } from './auth.service.ts';
import { Tenant } from './tenant.model.ts';

/**
 * A server secret kept in the database, generated on first use, so every process that shares
 * the database (and every restart) uses the same one: the session-cookie secret, the key that
 * signs per-run progress tokens. The first writer wins; the others read its value.
 */
export async function storedSecret(name: 'session_secret' | 'progress_key', given?: string): Promise<string> {
  if (given) return given;
  const settings = mongoose.connection.collection<{ _id: string; value: string }>('settings');
  const existing = await settings.findOne({ _id: name });
  if (existing) return existing.value;
  try {
    await settings.insertOne({ _id: name, value: randomBytes(32).toString('base64url') });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const stored = await settings.findOne({ _id: name });
  if (!stored) throw new Error(`could not store the ${name}`);
  return stored.value;
}

export interface FirstRun {
  email: string;
  password: string;
  token: string;
  file: string;
}

/**
 * On an empty database, creates a first tenant with an owner login and an API token, so a
 * new user can log in and call the API right away. The credentials are also written (mode
 * 0600) under the data directory, because they are shown only once.
 */
export async function firstRun(dataDir: string): Promise<FirstRun | null> {
  if (await Tenant.exists({})) return null;
  const email = 'admin@crony.local';
  const password = randomBytes(12).toString('base64url');
  const owner = await signup({ email, password, tenant: 'My team' }, { signupOpen: true });
  const { token } = await createToken(owner, { name: 'first token', role: 'admin' });
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'first-run-credentials.txt');
  await writeFile(file, `console login: ${email} / ${password}\ntenant API token: ${token}\n`, { mode: 0o600 });
  return { email, password, token, file };
}
