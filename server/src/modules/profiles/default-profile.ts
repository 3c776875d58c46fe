import { DEFAULT_PRIORITY, DEFAULT_PROFILE_NAME, defaultRetry } from '@crony/shared';
import type { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/errors.ts';
import { ProfileDefaultModel, ProfileModel, type ProfileDoc } from './profile.model.ts';

/**
 * The tenant's default profile, created on first use. Every step is race-safe without
 * transactions: the first default has the tenant's id as `_id` and the pointer document is keyed
 * by the tenant id, so concurrent first uses collide on `_id` and all read the winner. A pointer
 * left naming a vanished profile (a delete racing a change of default) falls back to that first
 * default, re-created if needed.
 */
export async function defaultProfileOf(tenantId: Types.ObjectId): Promise<ProfileDoc> {
  const pointer = await ProfileDefaultModel.findById(tenantId).lean();
  if (pointer) {
    const p = await ProfileModel.findById(pointer.profile_id).lean<ProfileDoc>();
    if (p && p.tenant_id.equals(tenantId)) return p;
  }
  const first = await firstDefault(tenantId);
  if (pointer) await ProfileDefaultModel.updateOne({ _id: tenantId }, { $set: { profile_id: first._id } });
  else {
    try {
      await ProfileDefaultModel.collection.insertOne({ _id: tenantId, profile_id: first._id });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return defaultProfileOf(tenantId); // another request set it first; use theirs
    }
  }
  return first;
}

async function firstDefault(tenantId: Types.ObjectId): Promise<ProfileDoc> {
  const existing = await ProfileModel.findById(tenantId).lean<ProfileDoc>();
  if (existing) return existing;
  const now = new Date();
  try {
    await ProfileModel.collection.insertOne({
      _id: tenantId,
      tenant_id: tenantId,
      name: DEFAULT_PROFILE_NAME,
      description: 'Applies to schedules and groups that name no profile.',
      max_runtime_seconds: null,
      max_concurrent: null,
      allow_preemption: false,
      default_priority: DEFAULT_PRIORITY,
      retry: defaultRetry,
      created_at: now,
      updated_at: now,
    });
  } catch (err) {
    // The same `_id` (a concurrent first use: fine) or the name taken by a profile created
    // after the first default was deleted: then that profile becomes the default.
    if (!isDuplicateKey(err)) throw err;
    const winner =
      (await ProfileModel.findById(tenantId).lean<ProfileDoc>()) ??
      (await ProfileModel.findOne({ tenant_id: tenantId, name: DEFAULT_PROFILE_NAME }).lean<ProfileDoc>());
    if (!winner) throw err;
    return winner;
  }
  return (await ProfileModel.findById(tenantId).lean<ProfileDoc>())!;
}
