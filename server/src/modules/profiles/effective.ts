import { parseDeadline, type EffectiveSettings, type RetryPolicy, type SettingSource } from '@crony/shared';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { compiledOf } from '../scheduler/when.ts';

/** The profile settings resolution reads. */
export interface ProfileSettings {
  id: string;
  name: string;
  max_runtime_seconds: number | null;
  max_concurrent: number | null;
  allow_preemption: boolean;
  default_priority: number;
  retry: RetryPolicy;
}

export interface EffectiveInput {
  schedule: Pick<ScheduleDoc, 'priority' | 'max_runtime_seconds' | 'retry' | 'deadline' | 'paused'>;
  group: { paused: boolean } | null;
  /** The profile the schedule names, if it names one that exists. */
  scheduleProfile: ProfileSettings | null;
  /** The profile the schedule's group names, if any. */
  groupProfile: ProfileSettings | null;
  defaultProfile: ProfileSettings;
  /** The schedule's period (ms) for a percentage deadline; null for a one-off. */
  periodMs: number | null;
}

/**
 * The one place a schedule's effective settings are decided: the schedule's own value, else
 * its group's, else the profile named by the schedule or (failing that) its group, else the
 * tenant's default profile. Pure: callers load the documents.
 */
export function resolveEffective(input: EffectiveInput): EffectiveSettings {
  const { schedule: s, group } = input;
  const [profile, profileSource]: [ProfileSettings, SettingSource] = input.scheduleProfile
    ? [input.scheduleProfile, 'schedule']
    : input.groupProfile
      ? [input.groupProfile, 'group']
      : [input.defaultProfile, 'tenant_default'];
  const fromProfile: SettingSource = profileSource === 'tenant_default' ? 'tenant_default' : 'profile';
  const own = <T>(v: T | null | undefined, fallback: T): [T, SettingSource] =>
    v !== null && v !== undefined ? [v, 'schedule'] : [fallback, fromProfile];

  const [priority, prioritySource] = own(s.priority, profile.default_priority);
  const [maxRuntime, maxRuntimeSource] = own(s.max_runtime_seconds, profile.max_runtime_seconds);
  const [retry, retrySource] = own(s.retry, profile.retry);
  const groupPaused = !s.paused && group?.paused === true;
  return {
    priority,
    max_runtime_seconds: maxRuntime,
    max_concurrent: profile.max_concurrent,
    allow_preemption: profile.allow_preemption,
    retry,
    profile: { id: profile.id, name: profile.name },
    paused: s.paused || groupPaused,
    deadline_ms: deadlineMs(s.deadline, input.periodMs),
    sources: {
      priority: prioritySource,
      max_runtime_seconds: maxRuntimeSource,
      max_concurrent: fromProfile,
      allow_preemption: fromProfile,
      retry: retrySource,
      profile: profileSource,
      paused: groupPaused ? 'group' : 'schedule',
      deadline: 'schedule',
    },
  };
}

/** A deadline in ms after the nominal time; a percentage needs the period (null without one). */
export function deadlineMs(deadline: string | null | undefined, periodMs: number | null): number | null {
  const d = deadline ? parseDeadline(deadline) : null;
  if (!d) return null;
  if (d.kind === 'after') return d.ms;
  return periodMs === null ? null : Math.round((periodMs * d.percent) / 100);
}

/**
 * The schedule's period around `at`: the `every` interval, or for cron the gap between the
 * first fire time at/after `at` and the one after it (cron periods vary, e.g. "0 9 * * 1-5").
 * Null for a one-off.
 */
export function periodMs(
  s: Pick<ScheduleDoc, 'cron' | 'every_ms' | 'at' | 'anchor' | 'timezone'>,
  at: Date,
): number | null {
  if (s.every_ms) return s.every_ms;
  if (!s.cron) return null;
  const compiled = compiledOf(s);
  const first = compiled.nextAfter(new Date(at.getTime() - 1));
  const second = first ? compiled.nextAfter(first) : null;
  return first && second ? second.getTime() - first.getTime() : null;
}
