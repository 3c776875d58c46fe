import {
  roleRank,
  roles,
  type CreatedInvitation,
  type Invitation,
  type InvitationPreview,
  type InviteMemberBody,
  type Member,
  type MemberList,
  type Role,
} from '@crony/shared';
import { isDuplicateKey } from '../../db/errors.ts';
import { updateIf } from '../../db/update-if.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { hashPassword } from '../auth/passwords.ts';
import { Tenant, User, type UserDoc } from '../auth/tenant.model.ts';
import { hashToken, newTokenSecret } from '../tokens/secrets.ts';
import { ApiToken, tokenCopies } from '../tokens/token.model.ts';
import { InvitationModel, type InvitationDoc } from './invitation.model.ts';

export const INVITATION_PREFIX = 'crony_inv_';
/** How long an accept link works, in ms (7 days). */
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

const toMember = (u: UserDoc): Member => ({
  id: u._id.toHexString(),
  email: u.email,
  role: u.role,
  created_at: u.created_at.toISOString(),
});

const toInvitation = (i: InvitationDoc): Invitation => ({
  id: i._id.toHexString(),
  email: i.email,
  role: i.role,
  created_at: i.created_at.toISOString(),
  expires_at: i.expires_at.toISOString(),
});

const pending = (i: InvitationDoc, now: Date) => !i.accepted_at && !i.revoked_at && i.expires_at > now;

function checkGrant(principal: Principal, role: Role): void {
  if (roleRank[role] > roleRank[principal.role]) {
    throw new AppError('forbidden', `You are ${principal.role}; you cannot grant the ${role} role`);
  }
}

/** Members of the tenant, and (for admins) its pending invitations. */
export async function listMembers(principal: Principal, now = new Date()): Promise<MemberList> {
  const users = await scoped(User, principal).find().sort({ _id: 1 }).lean<UserDoc[]>();
  const invitations =
    roleRank[principal.role] >= roleRank.admin
      ? (await scoped(InvitationModel, principal).find().sort({ _id: -1 }).lean<InvitationDoc[]>()).filter((i) =>
          pending(i, now),
        )
      : [];
  return { data: users.map(toMember), invitations: invitations.map(toInvitation) };
}

/**
 * Invites an email with a role: a pending invitation with a one-time secret. No email is sent;
 * the accept link is in this answer only, for the inviter to pass on. A new invitation for the
 * same email replaces the previous one.
 */
export async function inviteMember(
  principal: Principal,
  input: InviteMemberBody,
  now = new Date(),
): Promise<CreatedInvitation> {
  checkGrant(principal, input.role);
  const existing = await User.findOne({ email: input.email }).lean<UserDoc>();
  if (existing) {
    throw new AppError(
      'conflict',
      existing.tenant_id.equals(principal.tenantId)
        ? `${input.email} is already a member; change their role instead`
        : `${input.email} already has an account in another team; an account belongs to one team`,
    );
  }
  const invitations = scoped(InvitationModel, principal);
  const { secret, hash } = newTokenSecret(INVITATION_PREFIX);
  const doc = await invitations.create({
    email: input.email,
    role: input.role,
    token_hash: hash,
    invited_by: principal.userId,
    expires_at: new Date(now.getTime() + INVITATION_TTL_MS),
  });
  const older = (await invitations.find().lean<InvitationDoc[]>()).filter(
    (i) => i.email === input.email && !i._id.equals(doc._id) && pending(i, now),
  );
  for (const i of older) await invitations.updateById(i._id, { $set: { revoked_at: now } });
  return { ...toInvitation(doc), token: secret, accept_path: `/invite/${secret}` };
}

/** Still neither accepted nor withdrawn: the guard of the write that does either (they race). */
const undecided = { accepted_at: null, revoked_at: null };

export async function revokeInvitation(principal: Principal, id: string, now = new Date()): Promise<void> {
  const invitations = scoped(InvitationModel, principal);
  const inv = await invitations.findById(id).lean<InvitationDoc>();
  if (!inv || !pending(inv, now)) throw notFound('Invitation');
  // Accepted since it was read: too late to withdraw, as if it had been accepted before.
  if (!(await updateIf(InvitationModel, inv._id, undecided, { $set: { revoked_at: now } })))
    throw notFound('Invitation');
}

// One message for unknown, used, withdrawn and expired links: the holder can do nothing but ask again.
const unusable = () =>
  new AppError('not_found', 'This invitation link is unknown, used, withdrawn or expired; ask for a new one');

async function invitationFor(secret: string, now: Date): Promise<InvitationDoc> {
  const inv = await InvitationModel.findOne({ token_hash: hashToken(secret) }).lean<InvitationDoc>();
  if (!inv || !pending(inv, now)) throw unusable();
  return inv;
}

export async function previewInvitation(secret: string, now = new Date()): Promise<InvitationPreview> {
  const inv = await invitationFor(secret, now);
  const tenant = await Tenant.findById(inv.tenant_id).lean();
  if (!tenant) throw notFound('Invitation');
  return { email: inv.email, role: inv.role, tenant: tenant.name, expires_at: inv.expires_at.toISOString() };
}

/** The invitee sets a password and joins; returns the new member's principal for a session. */
export async function acceptInvitation(secret: string, password: string, now = new Date()): Promise<Principal> {
  const inv = await invitationFor(secret, now);
  const passwordHash = await hashPassword(password);
  // Taken before the account is made, guarded: a withdrawal made while the password was being
  // hashed wins (it once let the invitee in all the same), and so does the other of two accepts.
  if (!(await updateIf(InvitationModel, inv._id, undecided, { $set: { accepted_at: now } }))) throw unusable();
  let user;
  try {
    // The unique email index decides that an account belongs to one tenant (a link used twice
    // at once is decided above: the second finds the invitation taken).
    user = await User.create({
      tenant_id: inv.tenant_id,
      email: inv.email,
      password_hash: passwordHash,
      role: inv.role,
    });
  } catch (err) {
    // No account made: the invitation stays usable, as it was.
    await updateIf(InvitationModel, inv._id, { accepted_at: now }, { $set: { accepted_at: null } });
    if (isDuplicateKey(err))
      throw new AppError('conflict', `An account for ${inv.email} exists already; log in instead`);
    throw err;
  }
  return { tenantId: inv.tenant_id, role: inv.role, userId: user._id, tokenId: null };
}

async function memberOf(principal: Principal, id: string): Promise<UserDoc> {
  const user = await scoped(User, principal).findById(id).lean<UserDoc>();
  if (!user) throw notFound('Member');
  return user;
}

/** You cannot change or remove someone whose role is above yours. */
function checkReach(principal: Principal, target: UserDoc): void {
  if (roleRank[target.role] > roleRank[principal.role]) {
    throw new AppError('forbidden', `${target.email} is ${target.role}; only an owner can change an owner`);
  }
}

async function ownerCount(principal: Principal): Promise<number> {
  return (await scoped(User, principal).find().select({ role: 1 }).lean<Pick<UserDoc, 'role'>[]>()).filter(
    (u) => u.role === 'owner',
  ).length;
}

const lastOwner = (action: string) =>
  new AppError('conflict', `Cannot ${action} the last owner; make another member owner first`);

export async function changeRole(principal: Principal, id: string, role: Role): Promise<Member> {
  const target = await memberOf(principal, id);
  checkReach(principal, target);
  checkGrant(principal, role);
  if (target.role === role) return toMember(target);
  if (target.role === 'owner' && (await ownerCount(principal)) <= 1) throw lastOwner('demote');
  const users = scoped(User, principal);
  const updated = await users.updateById(id, { $set: { role } });
  if (!updated) throw notFound('Member');
  // Two owners demoting each other at once could both pass the check above (no transactions on
  // every database): re-check after the write and undo ours if the tenant has no owner left.
  if (target.role === 'owner' && (await ownerCount(principal)) === 0) {
    await users.updateById(id, { $set: { role: 'owner' } });
    throw lastOwner('demote');
  }
  // A token's role is at most its creator's: tokens above the new role come down with it.
  const above = roles.filter((r) => roleRank[r] > roleRank[role]);
  await tokenCopies.write('all', () =>
    scoped(ApiToken, principal).updateMany({ created_by: target._id, role: { $in: above } }, { $set: { role } }),
  );
  return toMember(updated);
}

/** Removes a member: their login stops at once, and the API tokens they created are revoked. */
export async function removeMember(principal: Principal, id: string, now = new Date()): Promise<void> {
  const target = await memberOf(principal, id);
  checkReach(principal, target);
  if (target.role === 'owner' && (await ownerCount(principal)) <= 1) throw lastOwner('remove');
  await scoped(User, principal).deleteById(id);
  await tokenCopies.write('all', () =>
    scoped(ApiToken, principal).updateMany({ created_by: target._id, revoked_at: null }, { $set: { revoked_at: now } }),
  );
}
