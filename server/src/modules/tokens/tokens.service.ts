import { roleRank, type CreateTokenBody, type CreatedToken, type Token } from '@crony/shared';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { newTokenSecret } from './secrets.ts';
import { ApiToken, type ApiTokenDoc } from './token.model.ts';

export function toToken(t: ApiTokenDoc): Token {
  return {
    id: t._id.toString(),
    name: t.name,
    role: t.role as Token['role'],
    prefix: t.prefix,
    created_at: t.created_at.toISOString(),
    expires_at: t.expires_at?.toISOString() ?? null,
    last_used_at: t.last_used_at?.toISOString() ?? null,
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
  const docs = await scoped(ApiToken, principal).find().sort({ _id: -1 }).lean<ApiTokenDoc[]>();
  return docs.map(toToken);
}

export async function revokeToken(principal: Principal, id: string, now = new Date()): Promise<void> {
  const tokens = scoped(ApiToken, principal);
  const token = await tokens.findById(id);
  if (!token) throw notFound('Token');
  if (roleRank[token.role as Token['role']] > roleRank[principal.role]) {
    throw new AppError('forbidden', `A ${principal.role} cannot revoke a token with role ${token.role}`);
  }
  if (!token.revoked_at) await tokens.updateById(id, { $set: { revoked_at: now } });
}
