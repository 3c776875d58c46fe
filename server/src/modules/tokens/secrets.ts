import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'crony_';

/**
 * A token secret has 256 random bits, so a plain SHA-256 is enough to store it: unlike a
 * password it cannot be guessed, and a fast hash keeps every authenticated request cheap.
 */
export function newTokenSecret(kind = TOKEN_PREFIX): { secret: string; hash: string; prefix: string } {
  const secret = kind + randomBytes(32).toString('base64url');
  return { secret, hash: hashToken(secret), prefix: secret.slice(0, kind.length + 6) };
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
