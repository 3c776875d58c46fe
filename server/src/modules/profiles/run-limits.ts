import type { Target } from '@crony/shared';
import { Types } from 'mongoose';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import type { GroupDoc } from '../groups/group.model.ts';
import type { RunLimits } from '../runs/limits.ts';
import type { SettingsLookup } from './lookup.ts';

/** The limits snapshot for the run of `s` at `nominalAt`; a percentage deadline uses the period at that slot. */
export async function runLimitsFor(s: ScheduleDoc, nominalAt: Date, ctx: SettingsLookup): Promise<RunLimits> {
  const { effective: e } = await ctx.effective(s, nominalAt);
  return {
    priority: e.priority,
    deadline_at: e.deadline_ms === null ? null : new Date(nominalAt.getTime() + e.deadline_ms),
    max_runtime_ms: e.max_runtime_seconds === null ? null : e.max_runtime_seconds * 1000,
    profile_id: new Types.ObjectId(e.profile.id),
    max_concurrent: e.max_concurrent,
    allow_preemption: e.allow_preemption,
    profile_name: e.profile.name,
  };
}

/**
 * The schedule as its runs see it: the effective retry policy (the profile's unless the
 * schedule sets one) and the target with its group's defaults added: the group's labels to a
 * command's required labels, `defaults.env` to its environment, `defaults.headers` to an HTTP
 * target's headers. The task's own values win on a clash.
 */
export async function runScheduleFor(s: ScheduleDoc, ctx: SettingsLookup): Promise<ScheduleDoc> {
  const { effective, group } = await ctx.effective(s, new Date());
  return { ...s, retry: effective.retry, target: targetWithGroup(s.target, group) };
}

export function targetWithGroup(target: Target, group: Pick<GroupDoc, 'labels' | 'defaults'> | null): Target {
  if (!group) return target;
  if (target.type === 'http') {
    // Header names are case-insensitive: a task's `x-team` overrides the group's `X-Team`.
    const own = new Set(Object.keys(target.headers).map((h) => h.toLowerCase()));
    const lent = Object.entries(group.defaults.headers).filter(([h]) => !own.has(h.toLowerCase()));
    return { ...target, headers: { ...Object.fromEntries(lent), ...target.headers } };
  }
  return {
    ...target,
    labels: { ...group.labels, ...target.labels },
    env: { ...group.defaults.env, ...target.env },
  };
}
