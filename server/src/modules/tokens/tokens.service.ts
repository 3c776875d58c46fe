import { roleRank, type CreateTokenBody, type CreatedToken, type Token } from '@crony/shared';
import type { Types } from 'mongoose';
import { findByIds } from '../../db/by-ids.ts';
import { WriteThrottle } from '../../db/throttle.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { newTokenSecret } from './secrets.ts';
import { TokenUsageModel, type TokenUsageDoc } from './token-usage.model.ts';
import { ApiToken, tokenCopies, type ApiTokenDoc } from './token.model.ts';

/** A token's last use is written at most this often (ms) per token by one process. */
export const USE_NOTED_EVERY_MS = 60_000;

export function toToken(t: ApiTokenDoc, lastUsedAt: Date | null = null): Token {
  return {
    id: t._id.toString(),
    name: t.name,
    role: t.role as Token['role'],
    prefix: t.prefix,
    created_at: t.created_at.toISOString(),
    expires_at: t.expires_at?.toISOString() ?? null,
    last_used_at: lastUsedAt?.toISOString() ?? null,
    revoked_at: t.revoked_at?.toISOString() ?? null,
  };
}

export async function createToken(
  principal: Principal,
  input: CreateTokenBody,
  now = new Date(),
): Promise<CreatedToken> {
  if (roleRank[input.role] > roleRank[principal.role]) {
    throw new AppError('forbidden', `A ${principal.role} cannot create a token with role ${input.role}`);
  }
  if (input.expires_at && new Date(input.expires_at) <= now) {
    throw new AppError('validation_failed', 'expires_at must be in the future', [
      { path: 'expires_at', message: 'must be in the future' },
    ]);
  }
  const { secret, hash, prefix } = newTokenSecret();
  const doc = await scoped(ApiToken, principal).create({
    name: input.name,
    role: input.role,
    prefix,
    hash,
    created_by: principal.userId,
    expires_at: input.expires_at ? new Date(input.expires_at) : null,
  });
  return { ...toToken(doc), token: secret };
}

export async function listTokens(principal: Principal): Promise<Token[]> {
  const docs = await scoped(ApiToken, principal).find().sort({ _id: -1 }).lean<(ApiTokenDoc & Legacy)[]>();
  const usage = await findByIds<TokenUsageDoc>(
    TokenUsageModel,
    docs.map((t) => t._id),
  );
  const lastUsed = new Map(usage.map((u) => [u._id.toHexString(), u.last_used_at]));
  return docs.map((t) => toToken(t, lastUsed.get(t._id.toHexString()) ?? t.last_used_at ?? null));
}

/** Left on token documents by versions before `token_usage`; read only until the token is next used. */
interface Legacy {
  last_used_at?: Date | null;
}

/** This process's writes of last uses: when it last wrote each token's (see noteTokenUse). */
const useWrites = new WriteThrottle(USE_NOTED_EVERY_MS);

/**
 * Records that a token was used, in `token_usage` (see token-usage.model.ts for why not on the
 * token document): at most one write per token per USE_NOTED_EVERY_MS in this process, decided
 * without a read, so a busy client does not turn every request into a write.
 */
export async function noteTokenUse(tokenId: Types.ObjectId, now = new Date()): Promise<void> {
  await useWrites.writeLatest(TokenUsageModel.collection, tokenId, 'last_used_at', now);
}

export async function revokeToken(principal: Principal, id: string, now = new Date()): Promise<void> {
  const tokens = scoped(ApiToken, principal);
  const token = await tokens.findById(id);
  if (!token) throw notFound('Token');
  if (roleRank[token.role as Token['role']] > roleRank[principal.role]) {
    throw new AppError('forbidden', `A ${principal.role} cannot revoke a token with role ${token.role}`);
  }
  if (!token.revoked_at)
    await tokenCopies.write([token.hash], () => tokens.updateById(id, { $set: { revoked_at: now } }));
}
