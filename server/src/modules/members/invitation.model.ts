import { roles, type Role } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

/** A pending invitation to join a tenant; its one-time secret is stored hashed. */
export interface InvitationDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: Types.ObjectId | null;
  created_at: Date;
  expires_at: Date;
  /** Set when the invitee joined, or when an admin withdrew the invitation; it is then spent. */
  accepted_at: Date | null;
  revoked_at: Date | null;
}

const invitationSchema = new Schema<InvitationDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    email: { type: String, required: true },
    role: { type: String, enum: roles, required: true },
    token_hash: { type: String, required: true },
    invited_by: { type: Schema.Types.ObjectId, default: null },
    expires_at: { type: Date, required: true },
    accepted_at: { type: Date, default: null },
    revoked_at: { type: Date, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: false }, minimize: false },
);
invitationSchema.index({ token_hash: 1 }, { unique: true });
invitationSchema.index({ tenant_id: 1 });
export const InvitationModel = model<InvitationDoc>('Invitation', invitationSchema, 'invitations');
