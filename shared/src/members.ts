import { z } from 'zod';
import { Email, Password, Role } from './auth.ts';
import { Id, IsoDateTime } from './common.ts';

export const Member = z.object({
  id: Id,
  email: z.string(),
  role: Role,
  created_at: IsoDateTime,
});
export type Member = z.infer<typeof Member>;

export const Invitation = z.object({
  id: Id,
  email: z.string(),
  role: Role,
  created_at: IsoDateTime,
  expires_at: IsoDateTime,
});
export type Invitation = z.infer<typeof Invitation>;

export const MemberList = z.object({ data: z.array(Member), invitations: z.array(Invitation) });
export type MemberList = z.infer<typeof MemberList>;

export const InviteMemberBody = z.strictObject({ email: Email, role: Role });
export type InviteMemberBody = z.infer<typeof InviteMemberBody>;

/** The answer to an invite: the accept link is shown once (no email is sent). */
export const CreatedInvitation = Invitation.extend({
  /** Path of the accept page, e.g. `/invite/<token>`; prefix it with the console's address. */
  accept_path: z.string(),
  token: z.string(),
});
export type CreatedInvitation = z.infer<typeof CreatedInvitation>;

export const UpdateMemberBody = z.strictObject({ role: Role });

/** What the accept page shows before the invitee sets a password. */
export const InvitationPreview = z.object({
  email: z.string(),
  role: Role,
  tenant: z.string(),
  expires_at: IsoDateTime,
});
export type InvitationPreview = z.infer<typeof InvitationPreview>;

export const AcceptInvitationBody = z.strictObject({ password: Password });
