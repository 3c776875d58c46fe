import { roles, type Role } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';
import { Copies } from '../../db/copies.ts';

/** An API token. When it was last used is on its `token_usage` document (token-usage.model.ts). */
export interface ApiTokenDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  name: string;
  role: Role;
  /** First characters of the secret, shown in lists so people can tell tokens apart. */
  prefix: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  hash: string;
  created_by: Types.ObjectId | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const tokenSchema = new Schema<ApiTokenDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true, index: true },
    name: { type: String, required: true },
    role: { type: String, enum: roles, required: true },
    prefix: { type: String, required: true },
    hash: { type: String, required: true },
    created_by: { type: Schema.Types.ObjectId, default: null },
    expires_at: { type: Date, default: null },
    revoked_at: { type: Date, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: false } },
);
tokenSchema.index({ hash: 1 }, { unique: true });
export const ApiToken = model<ApiTokenDoc>('ApiToken', tokenSchema, 'api_tokens');

/**
 * Tokens by `hash`, as every API request authenticates (FerretDB scans the collection for a
 * filter on `hash`). Every write of a token goes through it, so a revocation applies to the
 * next request (db/copies.ts); expiry is checked on each use.
 */
export const tokenCopies = new Copies<ApiTokenDoc>();
