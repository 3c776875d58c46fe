import type { HttpTarget, WebhookSecret } from '@crony/shared';
import type { RunDoc } from '../runs/run.model.ts';
import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { isDuplicateKey } from '../../db/errors.ts';
import { updateIf } from '../../db/update-if.ts';
import { AppError } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { WebhookSecretModel, type WebhookSecretDoc } from './webhook-secret.model.ts';

/**
 * After a rotation the old secret keeps signing for this long (24 h): the signature header then
 * carries two signatures (Standard Webhooks allows a space-separated list), so receivers can
 * switch to the new secret at their own pace without rejecting a single delivery.
 */
export const ROTATION_GRACE_MS = 24 * 3600_000;

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The tenant's secret, created on first use; concurrent first uses agree (the key is the tenant id). */
async function secretDoc(tenantId: Types.ObjectId, now: Date): Promise<WebhookSecretDoc> {
  const existing = await WebhookSecretModel.findById(tenantId).lean<WebhookSecretDoc>();
  if (existing) return existing;
  try {
    await WebhookSecretModel.create({
      _id: tenantId,
      tenant_id: tenantId,
      secret: newSecret(),
      created_at: now,
      previous_secret: null,
      previous_until: null,
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const stored = await WebhookSecretModel.findById(tenantId).lean<WebhookSecretDoc>();
  if (!stored) throw new Error('could not store the webhook secret');
  return stored;
}

/**
 * How long a secret read for signing is reused, in ms. Every HTTP run and hook delivery is
 * signed, and reading the secret for each was one database read per run. A rotation through
 * this process applies at once (the entry is dropped); one through another process within this
 * time, which is harmless: the old secret stays valid for a day after a rotation.
 */
const SIGNING_CACHE_MS = 10_000;
/**
 * The read itself is cached, not only its result: the runs of a burst all ask at once, and
 * share one read (and, for a tenant's first signature, one insert instead of a race of them).
 */
const signingCache = new Map<string, { doc: Promise<WebhookSecretDoc>; until: number }>();

function signingSecret(tenantId: Types.ObjectId, now: Date): Promise<WebhookSecretDoc> {
  const key = tenantId.toHexString();
  const hit = signingCache.get(key);
  if (hit && hit.until > Date.now()) return hit.doc;
  const doc = secretDoc(tenantId, now);
  const entry = { doc, until: Date.now() + SIGNING_CACHE_MS };
  signingCache.set(key, entry);
  // A failed read is not reused: the next signature reads again.
  doc.catch(() => {
    if (signingCache.get(key) === entry) signingCache.delete(key);
  });
  return doc;
}

/** The Standard Webhooks headers for one message: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
export async function signatureHeaders(
  tenantId: Types.ObjectId,
  msgId: string,
  payload: string,
  now = new Date(),
): Promise<Record<string, string>> {
  const doc = await signingSecret(tenantId, now);
  const secrets = [doc.secret];
  if (doc.previous_secret && doc.previous_until && doc.previous_until > now) secrets.push(doc.previous_secret);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, now, payload)).join(' '),
  };
}

function present(doc: WebhookSecretDoc, now: Date): WebhookSecret {
  const graceful = doc.previous_until && doc.previous_until > now ? doc.previous_until.toISOString() : null;
  return { secret: doc.secret, created_at: doc.created_at.toISOString(), previous_valid_until: graceful };
}

/** `GET /v1/settings/webhooks` (admins). */
export async function getWebhookSecret(principal: Principal, now = new Date()): Promise<WebhookSecret> {
  await secretDoc(principal.tenantId, now);
  const doc = await scoped(WebhookSecretModel, principal).findById(principal.tenantId).lean<WebhookSecretDoc>();
  if (!doc) throw new Error('webhook secret vanished');
  return present(doc, now);
}

/** `POST /v1/settings/webhooks/rotate` (admins): a new secret now; the old one signs too for 24 h. */
export async function rotateWebhookSecret(principal: Principal, now = new Date()): Promise<WebhookSecret> {
  const current = await secretDoc(principal.tenantId, now);
  const rotated = await updateIf(
    WebhookSecretModel,
    current._id,
    { secret: current.secret },
    {
      $set: {
        secret: newSecret(),
        created_at: now,
        previous_secret: current.secret,
        previous_until: new Date(now.getTime() + ROTATION_GRACE_MS),
      },
    },
  );
  signingCache.delete(principal.tenantId.toHexString());
  if (!rotated) throw new AppError('conflict', 'The secret was rotated at the same moment by someone else; reload it');
  return getWebhookSecret(principal, now);
}

/**
 * Signature headers for a call to an HTTP target: the `webhook-id` is per attempt
 * (`run_<id>_<attempt>`), since each attempt is a new execution the receiver should perform.
 * The signed payload is the body exactly as sent (empty for GET and HEAD).
 */
export function targetSignature(
  run: Pick<RunDoc, '_id' | 'tenant_id' | 'attempt' | 'target'>,
  now = new Date(),
): Promise<Record<string, string>> {
  const t = run.target as HttpTarget;
  const body = t.method === 'GET' || t.method === 'HEAD' ? '' : (t.body ?? '');
  return signatureHeaders(run.tenant_id, `run_${run._id.toHexString()}_${run.attempt}`, body, now);
}
