import { type Me, type Role, type SignupBody } from '@crony/shared';
import { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/errors.ts';
import { AppError } from '../../http/errors.ts';
import type { Principal } from '../../tenancy/scope.ts';
import { hashToken } from '../tokens/secrets.ts';
import { ApiToken, tokenCopies, type ApiTokenDoc } from '../tokens/token.model.ts';
import { noteTokenUse } from '../tokens/tokens.service.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { Tenant, User } from './tenant.model.ts';

/**
 * Creates a tenant with its first user as owner. There are no multi-document transactions on
 * every supported database, so a failure after the tenant insert removes the tenant again.
 */
export async function signup(input: SignupBody, opts: { signupOpen: boolean }): Promise<Principal> {
  if (!opts.signupOpen) {
    throw new AppError('signup_closed', 'Sign-up is closed on this server; ask an owner of your team to invite you');
  }
  if (await User.exists({ email: input.email })) {
    throw new AppError('conflict', 'An account with this email already exists; log in instead');
  }
  const passwordHash = await hashPassword(input.password);
  const tenant = await Tenant.create({ name: input.tenant });
  try {
    const user = await User.create({
      tenant_id: tenant._id,
      email: input.email,
      password_hash: passwordHash,
      role: 'owner',
    });
    return { tenantId: tenant._id, role: 'owner', userId: user._id, tokenId: null };
  } catch (err) {
    await Tenant.deleteOne({ _id: tenant._id });
    if (isDuplicateKey(err))
      throw new AppError('conflict', 'An account with this email already exists; log in instead');
    throw err;
  }
}

/** Null when the email is unknown or the password wrong; both take the same time. */
export async function principalForPassword(email: string, password: string): Promise<Principal | null> {
  const user = await User.findOne({ email: email.trim().toLowerCase() });
  const ok = await verifyPassword(password, user?.password_hash ?? dummyHash);
  if (!user || !ok) return null;
  return { tenantId: user.tenant_id, role: user.role as Role, userId: user._id, tokenId: null };
}

export async function principalForUser(userId: string): Promise<Principal | null> {
  if (!Types.ObjectId.isValid(userId)) return null;
  const user = await User.findById(userId);
  if (!user) return null;
  return { tenantId: user.tenant_id, role: user.role as Role, userId: user._id, tokenId: null };
}

/** Resolves a bearer token; null when unknown, revoked or expired. */
export async function principalForToken(secret: string, now = new Date()): Promise<Principal | null> {
  const hash = hashToken(secret);
  const token = await tokenCopies.readOne(hash, () => ApiToken.findOne({ hash }).lean<ApiTokenDoc>());
  if (!token || token.revoked_at || (token.expires_at && token.expires_at <= now)) return null;
  await noteTokenUse(token._id, now);
  return { tenantId: token.tenant_id, role: token.role as Role, userId: token.created_by ?? null, tokenId: token._id };
}

export async function describe(principal: Principal): Promise<Me> {
  const [tenant, user, token] = await Promise.all([
    Tenant.findById(principal.tenantId),
    principal.userId && !principal.tokenId ? User.findById(principal.userId) : null,
    principal.tokenId ? ApiToken.findById(principal.tokenId) : null,
  ]);
  if (!tenant) throw new AppError('unauthenticated', 'Your tenant no longer exists');
  return {
    user: user ? { id: user._id.toString(), email: user.email, role: user.role as Role } : null,
    token: token ? { id: token._id.toString(), name: token.name, role: token.role as Role } : null,
    tenant: { id: tenant._id.toString(), name: tenant.name },
    role: principal.role,
  };
}
