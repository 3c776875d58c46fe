import { Schema, model, type Types } from 'mongoose';

/**
 * A tenant's webhook signing secret. Keyed by the tenant id, so the signer on every delivery
 * reads it by `_id` (the one filter FerretDB 1.x pushes down); `tenant_id` repeats it for the
 * tenant scope.
 */
export interface WebhookSecretDoc {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  /** `whsec_` + base64 of 32 random bytes. */
  secret: string;
  created_at: Date;
  /** The secret before the last rotation; it keeps signing until `previous_until`. */
  previous_secret: string | null;
  previous_until: Date | null;
}

const secretSchema = new Schema<WebhookSecretDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    secret: { type: String, required: true },
    created_at: { type: Date, required: true },
    previous_secret: { type: String, default: null },
    previous_until: { type: Date, default: null },
  },
  { versionKey: false },
);

export const WebhookSecretModel = model<WebhookSecretDoc>('WebhookSecret', secretSchema, 'webhook_secrets');
