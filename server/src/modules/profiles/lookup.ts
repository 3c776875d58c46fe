import { parseDeadline, type EffectiveSettings } from '@crony/shared';
import type { Types } from 'mongoose';
import { GroupModel, type GroupDoc } from '../groups/group.model.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { defaultProfileOf } from './default-profile.ts';
import { periodMs, resolveEffective, type ProfileSettings } from './effective.ts';
import { defaultProfileCopies, ProfileModel, profileCopies, type ProfileDoc } from './profile.model.ts';
import { findById } from '../../db/by-ids.ts';

/**
 * Reads the groups and profiles schedules refer to, by `_id` (the one filter FerretDB 1.x
 * pushes down), each at most once per lookup. Create one per scheduler tick or per request, so a
 * tick firing 1000 tasks of one group reads the group once, and an edit shows on the next tick.
 * A document of another tenant is treated as absent. Profiles come from the process's copies
 * (`profileCopies`, db/copies.ts), which every write of a profile drops.
 */
export class SettingsLookup {
  private readonly groups = new Map<string, Promise<GroupDoc | null>>();
  private readonly profiles = new Map<string, Promise<ProfileDoc | null>>();
  private readonly defaults = new Map<string, Promise<ProfileDoc>>();

  group(tenantId: Types.ObjectId, id: Types.ObjectId | null): Promise<GroupDoc | null> {
    if (!id) return Promise.resolve(null);
    return cached(this.groups, id.toHexString(), () => readGroup(tenantId, id));
  }

  /**
   * The group as it is now, refreshing the cache: the scheduler checks `paused` on this, so a
   * group paused while a tick waits for a slot's instant stops that slot like a paused schedule.
   */
  freshGroup(tenantId: Types.ObjectId, id: Types.ObjectId | null): Promise<GroupDoc | null> {
    if (!id) return Promise.resolve(null);
    this.groups.delete(id.toHexString());
    return this.group(tenantId, id);
  }

  profile(tenantId: Types.ObjectId, id: Types.ObjectId | null): Promise<ProfileDoc | null> {
    if (!id) return Promise.resolve(null);
    return cached(this.profiles, id.toHexString(), () =>
      profileCopies
        .readOne(id.toHexString(), () => findById<ProfileDoc>(ProfileModel, id))
        .then((p) => (p && p.tenant_id.equals(tenantId) ? p : null)),
    );
  }

  defaultProfile(tenantId: Types.ObjectId): Promise<ProfileDoc> {
    return cached(this.defaults, tenantId.toHexString(), async () => {
      const key = tenantId.toHexString();
      return (await defaultProfileCopies.readOne(key, () => defaultProfileOf(tenantId)))!;
    });
  }

  /** The group and profiles the schedule's effective settings come from. */
  async sources(s: ScheduleDoc): Promise<SettingsSources> {
    const group = await this.group(s.tenant_id, s.group_id ?? null);
    const [scheduleProfile, groupProfile, defaultProfile] = await Promise.all([
      this.profile(s.tenant_id, s.profile_id ?? null),
      this.profile(s.tenant_id, group?.profile_id ?? null),
      this.defaultProfile(s.tenant_id),
    ]);
    return { group, scheduleProfile, groupProfile, defaultProfile };
  }

  /** The schedule's effective settings, with a percentage deadline resolved for the period at `at`. */
  async effective(s: ScheduleDoc, at: Date): Promise<{ effective: EffectiveSettings; group: GroupDoc | null }> {
    const sources = await this.sources(s);
    return { effective: effectiveFrom(s, sources, at), group: sources.group };
  }
}

/** What a schedule's effective settings are resolved from besides the schedule (`SettingsLookup.sources`). */
export interface SettingsSources {
  group: GroupDoc | null;
  scheduleProfile: ProfileDoc | null;
  groupProfile: ProfileDoc | null;
  defaultProfile: ProfileDoc;
}

/** Whether the schedule's deadline is a share of its period, which depends on when it is resolved. */
export const hasPercentDeadline = (s: Pick<ScheduleDoc, 'deadline'>): boolean =>
  !!s.deadline && parseDeadline(s.deadline)?.kind === 'percent';

/** The schedule's effective settings from its sources, with a percentage deadline resolved for the period at `at`. */
export function effectiveFrom(s: ScheduleDoc, src: SettingsSources, at: Date): EffectiveSettings {
  return resolveEffective({
    schedule: {
      priority: s.priority ?? null,
      max_runtime_seconds: s.max_runtime_seconds ?? null,
      retry: s.retry ?? null,
      deadline: s.deadline ?? null,
      paused: s.paused,
    },
    group: src.group,
    scheduleProfile: src.scheduleProfile && settingsOf(src.scheduleProfile),
    groupProfile: src.groupProfile && settingsOf(src.groupProfile),
    defaultProfile: settingsOf(src.defaultProfile),
    // Walking the cron is only needed for a percentage deadline (a backlog fires 1000 slots at once).
    periodMs: hasPercentDeadline(s) ? periodMs(s, at) : null,
  });
}

const readGroup = (tenantId: Types.ObjectId, id: Types.ObjectId) =>
  GroupModel.findById(id)
    .lean<GroupDoc>()
    .then((g) => (g && g.tenant_id.equals(tenantId) ? g : null));

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = map.get(key);
  if (!p) {
    p = load();
    map.set(key, p);
    p.catch(() => map.delete(key)); // a failed read is retried by the next caller
  }
  return p;
}

export function settingsOf(p: ProfileDoc): ProfileSettings {
  return {
    id: p._id.toHexString(),
    name: p.name,
    max_runtime_seconds: p.max_runtime_seconds,
    max_concurrent: p.max_concurrent,
    allow_preemption: p.allow_preemption,
    default_priority: p.default_priority,
    retry: p.retry,
  };
}
