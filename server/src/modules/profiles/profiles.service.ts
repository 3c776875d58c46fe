import type { CreateProfileBody, Profile, UpdateProfileBody } from '@crony/shared';
import { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/errors.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { GroupModel } from '../groups/group.model.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { defaultProfileOf } from './default-profile.ts';
import { ProfileDefaultModel, ProfileModel, writeProfile, type ProfileDoc } from './profile.model.ts';
import { toProfile } from './profiles.presenter.ts';

const nameTaken = (name: string, err: unknown) =>
  new AppError(
    'conflict',
    `A profile named "${name}" already exists; choose another name`,
    [{ path: 'name', message: 'is already taken' }],
    { cause: err },
  );

export async function createProfile(principal: Principal, input: CreateProfileBody): Promise<Profile> {
  let def = await defaultProfileOf(principal.tenantId); // the default exists before any other profile
  let doc: ProfileDoc;
  try {
    doc = await scoped(ProfileModel, principal).create({
      name: input.name,
      description: input.description ?? null,
      max_runtime_seconds: input.max_runtime_seconds,
      max_concurrent: input.max_concurrent,
      allow_preemption: input.allow_preemption,
      default_priority: input.default_priority,
      retry: input.retry,
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw nameTaken(input.name, err);
    throw err;
  }
  if (input.is_default) def = await makeDefault(principal, doc);
  return toProfile(doc, def._id);
}

export async function updateProfile(principal: Principal, id: string, patch: UpdateProfileBody): Promise<Profile> {
  const profiles = scoped(ProfileModel, principal);
  if (!(await profiles.findById(id).lean())) throw notFound('Profile');
  const set: Partial<ProfileDoc> = {};
  for (const k of [
    'name',
    'max_runtime_seconds',
    'max_concurrent',
    'allow_preemption',
    'default_priority',
    'retry',
  ] as const) {
    if (patch[k] !== undefined) (set as Record<string, unknown>)[k] = patch[k];
  }
  if (patch.description !== undefined) set.description = patch.description;
  let updated: ProfileDoc | null;
  try {
    updated = await writeProfile(principal.tenantId, id, () => profiles.updateById(id, { $set: set }));
  } catch (err) {
    if (isDuplicateKey(err)) throw nameTaken(patch.name ?? '', err);
    throw err;
  }
  if (!updated) throw notFound('Profile');
  const def = patch.is_default ? await makeDefault(principal, updated) : await defaultProfileOf(principal.tenantId);
  return toProfile(updated, def._id);
}

async function makeDefault(principal: Principal, p: ProfileDoc): Promise<ProfileDoc> {
  await writeProfile(principal.tenantId, null, () =>
    ProfileDefaultModel.updateOne({ _id: principal.tenantId }, { $set: { profile_id: p._id } }, { upsert: true }),
  );
  return p;
}

/**
 * Deletes a profile no schedule or group names. The default is refused (the tenant always has
 * one); so is a profile in use, with how many use it, rather than silently moving them.
 */
export async function deleteProfile(principal: Principal, id: string): Promise<void> {
  const p = await scoped(ProfileModel, principal).findById(id).lean<ProfileDoc>();
  if (!p) throw notFound('Profile');
  const def = await defaultProfileOf(principal.tenantId);
  if (def._id.equals(p._id)) {
    throw new AppError(
      'conflict',
      `"${p.name}" is the tenant's default profile and cannot be deleted; make another profile the default first`,
    );
  }
  const oid = new Types.ObjectId(id);
  const [schedules, groups] = await Promise.all([
    scoped(ScheduleModel, principal).find({ profile_id: oid }).countDocuments(),
    scoped(GroupModel, principal).find({ profile_id: oid }).countDocuments(),
  ]);
  if (schedules + groups > 0) {
    const users = [plural(groups, 'group'), plural(schedules, 'schedule')].filter(Boolean).join(' and ');
    throw new AppError(
      'profile_in_use',
      `Profile "${p.name}" is used by ${users}; point them at another profile (or null for the default) first`,
    );
  }
  await writeProfile(principal.tenantId, id, () => scoped(ProfileModel, principal).deleteById(id));
}

const plural = (n: number, what: string) => (n === 0 ? '' : `${n} ${what}${n === 1 ? '' : 's'}`);

/** Validates a profile reference in a schedule or group body: it must be one of the tenant's. */
export async function profileRef(principal: Principal, id: string | null | undefined): Promise<Types.ObjectId | null> {
  if (id === null || id === undefined) return null;
  const p = await scoped(ProfileModel, principal).findById(id).lean();
  if (!p) {
    throw new AppError('validation_failed', `profile: no profile with id ${id}; list them at GET /v1/profiles`, [
      { path: 'profile', message: 'no such profile' },
    ]);
  }
  return p._id;
}
