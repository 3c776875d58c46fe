import type { Profile } from '@crony/shared';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { defaultProfileOf } from './default-profile.ts';
import { ProfileModel, type ProfileDoc } from './profile.model.ts';
import { toProfile } from './profiles.presenter.ts';

/**
 * All of the tenant's profiles, the default first, then by name. Tenants have a handful, so the
 * list is not paginated (the envelope still has `next_cursor` for the day it is).
 */
export async function listProfiles(principal: Principal): Promise<{ data: Profile[]; next_cursor: null }> {
  const def = await defaultProfileOf(principal.tenantId);
  const docs = await scoped(ProfileModel, principal).find().sort({ name: 1 }).limit(1000).lean<ProfileDoc[]>();
  const data = docs
    .map((p) => toProfile(p, def._id))
    .sort((a, b) => Number(b.is_default) - Number(a.is_default) || a.name.localeCompare(b.name));
  return { data, next_cursor: null };
}

export async function getProfile(principal: Principal, id: string): Promise<Profile> {
  const def = await defaultProfileOf(principal.tenantId);
  const p = await scoped(ProfileModel, principal).findById(id).lean<ProfileDoc>();
  if (!p) throw notFound('Profile');
  return toProfile(p, def._id);
}
