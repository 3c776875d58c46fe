import { roles, type Role } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

export interface TenantDoc {
  _id: Types.ObjectId;
  name: string;
  created_at: Date;
  updated_at: Date;
}

const tenantSchema = new Schema<TenantDoc>(
  { name: { type: String, required: true } },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } },
);
export const Tenant = model<TenantDoc>('Tenant', tenantSchema, 'tenants');

export interface UserDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  email: string;
  /** `scrypt$N$r$p$salt$hash`, see passwords.ts. */
  password_hash: string;
  role: Role;
  created_at: Date;
  updated_at: Date;
}

const userSchema = new Schema<UserDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true, index: true },
    email: { type: String, required: true },
    password_hash: { type: String, required: true },
    role: { type: String, enum: roles, required: true },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } },
);
// An email identifies one login across the service.
userSchema.index({ email: 1 }, { unique: true });
export const User = model<UserDoc>('User', userSchema, 'users');
