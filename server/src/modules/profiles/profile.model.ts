import type { RetryPolicy } from '@crony/shared';
import { Schema, model, Types } from 'mongoose';
import { Copies } from '../../db/copies.ts';

export interface ProfileDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  name: string;
  description: string | null;
  /** Null: unlimited. */
  max_runtime_seconds: number | null;
  /** Null: unlimited. */
  max_concurrent: number | null;
  allow_preemption: boolean;
  default_priority: number;
  retry: RetryPolicy;
  created_at: Date;
  updated_at: Date;
}

const profileSchema = new Schema<ProfileDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    description: { type: String, default: null },
    max_runtime_seconds: { type: Number, default: null },
    max_concurrent: { type: Number, default: null },
    allow_preemption: { type: Boolean, required: true, default: false },
    default_priority: { type: Number, required: true },
    retry: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' }, minimize: false },
);
profileSchema.index({ tenant_id: 1, name: 1 }, { unique: true });

export const ProfileModel = model<ProfileDoc>('Profile', profileSchema, 'profiles');

/**
 * Which profile is the tenant's default: one document per tenant, keyed by the tenant id, so
 * "exactly one default" holds by construction (no flag to keep unique across documents, which
 * would need a partial index FerretDB 1.x lacks). The first default profile is created with the
 * tenant's id as its own `_id`, so two requests creating it at once collide on `_id` and one wins.
 */
export interface ProfileDefaultDoc {
  /** The tenant id. */
  _id: Types.ObjectId;
  profile_id: Types.ObjectId;
}

const defaultSchema = new Schema<ProfileDefaultDoc>(
  { profile_id: { type: Schema.Types.ObjectId, required: true } },
  { versionKey: false },
);

export const ProfileDefaultModel = model<ProfileDefaultDoc>('ProfileDefault', defaultSchema, 'profile_defaults');

/**
 * Profiles as schedules' settings read them, by profile id (`profileCopies`) and each tenant's
 * default by tenant id (`defaultProfileCopies`): every write of a profile or of a default
 * pointer goes through both (db/copies.ts).
 */
export const profileCopies = new Copies<ProfileDoc>();
export const defaultProfileCopies = new Copies<ProfileDoc>();

/** Runs a write of profile `id` (or of none, null) of the tenant, which may change its default. */
export function writeProfile<R>(tenantId: Types.ObjectId, id: Types.ObjectId | string | null, write: () => Promise<R>) {
  return defaultProfileCopies.write([tenantId.toHexString()], () =>
    profileCopies.write(id === null ? [] : [new Types.ObjectId(id).toHexString()], write),
  );
}
