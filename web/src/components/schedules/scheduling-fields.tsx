'use client';

import { useQuery } from '@tanstack/react-query';
import { parseDeadline, type Schedule } from '@crony/shared';
import { api } from '../../lib/api.ts';
import { durationInWords } from '../../lib/format.ts';
import type { FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { ProfileOptions } from '../profiles/profile-options.tsx';
import { Field } from '../ui/field.tsx';
import { LimitField } from './limit-field.tsx';

/** The schedule form's group, profile, priority, deadline and runtime inputs, kept apart from its other state. */
export interface SchedulingValues {
  group: string;
  profile: string;
  priority: string;
  deadline: string;
  maxRuntime: string;
}

/** The body paths these inputs answer for (for the form's error mapping). */
export const schedulingKeys = ['group', 'profile', 'priority', 'deadline', 'max_runtime_seconds'] as const;

export function schedulingValues(schedule: Schedule | undefined, group?: string): SchedulingValues {
  return {
    group: schedule?.group?.id ?? group ?? '',
    profile: schedule?.profile ?? '',
    priority: schedule?.priority == null ? '' : String(schedule.priority),
    deadline: schedule?.deadline ?? '',
    maxRuntime: schedule?.max_runtime_seconds == null ? '' : String(schedule.max_runtime_seconds),
  };
}

/** Blank inputs inherit (null on edit, left out on create); numbers that are not numbers go to `errors`. */
export function schedulingBody(
  v: SchedulingValues,
  mode: 'create' | 'edit',
  errors: FieldErrors,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (value !== null) out[key] = value;
    else if (mode === 'edit') out[key] = null;
  };
  const num = (raw: string, key: string) => {
    if (raw.trim() === '') return null;
    const n = Number(raw);
    if (!Number.isFinite(n)) errors[key] = 'Enter a number, or leave blank to inherit';
    return n;
  };
  put('group', v.group || null);
  put('profile', v.profile || null);
  put('priority', num(v.priority, 'priority'));
  put('deadline', v.deadline.trim() || null);
  put('max_runtime_seconds', num(v.maxRuntime, 'max_runtime_seconds'));
  return out;
}

/**
 * A schedule without its own retry policy uses its profile's. The form always shows retry
 * inputs; while they still hold what they started with, the policy is left out of the body so
 * the schedule keeps inheriting. Returns that starting policy (as JSON) or null when the
 * schedule has a policy of its own.
 */
export function inheritedRetryBaseline(schedule: Schedule | undefined, initialRetry: unknown): string | null {
  return !schedule || schedule.retry === null ? JSON.stringify(initialRetry) : null;
}

type InputProps = (key: string, hasHint?: boolean) => Record<string, unknown>;

export function SchedulingFields({
  values,
  errors,
  onChange,
  inputProps,
  fieldId,
}: {
  values: SchedulingValues;
  errors: FieldErrors;
  onChange: (key: keyof SchedulingValues, value: string, errorKey: string) => void;
  inputProps: InputProps;
  fieldId: (key: string) => string;
}) {
  const groups = useQuery({ queryKey: queryKeys.groups, queryFn: api.listGroups });
  const deadline = values.deadline.trim() ? parseDeadline(values.deadline.trim()) : null;
  const deadlineHint = !values.deadline.trim()
    ? 'Optional. A run not started by then is recorded as missed: "300s" after the slot, or "80%" of the period.'
    : deadline === null
      ? 'Not a deadline yet: try "300s", "5 minutes" or "80%".'
      : deadline.kind === 'after'
        ? `${durationInWords(deadline.ms)} after each slot.`
        : `${deadline.percent}% of the time until the next slot.`;

  return (
    <section className="card form-section" aria-labelledby="sf-scheduling">
      <h2 id="sf-scheduling">Group and limits</h2>
      <p className="muted small">Blank fields inherit from the group&apos;s or the default profile.</p>
      <div className="field-row">
        <Field id={fieldId('group')} label="Group" hint="Its profile, labels and pause apply." error={errors.group}>
          <select
            value={values.group}
            onChange={(e) => onChange('group', e.target.value, 'group')}
            {...inputProps('group', true)}
          >
            <option value="">No group</option>
            {(groups.data ?? []).map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
                {g.paused ? ' (paused)' : ''}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id={fieldId('profile')}
          label="Profile"
          hint="Blank: the group's profile, else the default."
          error={errors.profile}
        >
          <select
            value={values.profile}
            onChange={(e) => onChange('profile', e.target.value, 'profile')}
            {...inputProps('profile', true)}
          >
            <option value="">Inherit</option>
            <ProfileOptions />
          </select>
        </Field>
      </div>
      <div className="field-row">
        <LimitField
          path="priority"
          label="Priority"
          hint="0 to 1000, higher runs first. Blank: the profile's."
          min={0}
          max={1000}
          blank="inherit"
          value={values.priority}
          onChange={(v) => onChange('priority', v, 'priority')}
          errors={errors}
          fieldId={fieldId}
          inputProps={inputProps}
        />
        <LimitField
          path="max_runtime_seconds"
          label="Max runtime (seconds)"
          hint="Blank: the profile's limit."
          min={1}
          blank="inherit"
          value={values.maxRuntime}
          onChange={(v) => onChange('maxRuntime', v, 'max_runtime_seconds')}
          errors={errors}
          fieldId={fieldId}
          inputProps={inputProps}
        />
      </div>
      <Field id={fieldId('deadline')} label="Deadline" hint={deadlineHint} error={errors.deadline}>
        <input
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="300s or 80%"
          value={values.deadline}
          onChange={(e) => onChange('deadline', e.target.value, 'deadline')}
          {...inputProps('deadline', true)}
        />
      </Field>
    </section>
  );
}
