'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CreateProfileBody, defaultRetry, DEFAULT_PRIORITY, UpdateProfileBody, type Profile } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, focusFirstError, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { LimitField } from '../schedules/limit-field.tsx';
import { RetryFields, retryValues, type RetryValues } from '../schedules/retry-fields.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { FormActions } from '../ui/form-actions.tsx';

interface Values extends RetryValues {
  name: string;
  description: string;
  priority: string;
  maxRuntime: string;
  maxConcurrent: string;
  preemption: boolean;
}

const fields = [
  'name',
  'description',
  'default_priority',
  'max_runtime_seconds',
  'max_concurrent',
  'allow_preemption',
  'retry.max_attempts',
  'retry.initial_interval',
  'retry.backoff_coefficient',
  'retry.max_interval',
] as const;
const normalize = (path: string) =>
  (fields as readonly string[]).find((f) => path === f || path.startsWith(`${f}.`)) ?? null;

function initial(p: Profile | null): Values {
  return {
    name: p?.name ?? '',
    description: p?.description ?? '',
    priority: String(p?.default_priority ?? DEFAULT_PRIORITY),
    maxRuntime: p?.max_runtime_seconds == null ? '' : String(p.max_runtime_seconds),
    maxConcurrent: p?.max_concurrent == null ? '' : String(p.max_concurrent),
    preemption: p?.allow_preemption ?? false,
    ...retryValues(p?.retry ?? defaultRetry),
  };
}

/** Blank means "no limit" (null); anything else must be a number, which the schema then checks. */
const optionalNumber = (v: string): number | null => (v.trim() === '' ? null : Number(v));

/** Creates a profile (no `profile`) or edits one; validation messages come from the shared schemas. */
export function ProfileForm({
  profile,
  onSaved,
  onCancel,
}: {
  profile: Profile | null;
  onSaved: (p: Profile) => void;
  onCancel?: () => void;
}) {
  const [values, setValues] = useState<Values>(() => initial(profile));
  const [errors, setErrors] = useState<FieldErrors>({});
  const prefix = profile ? `profile-${profile.id}` : 'profile-new';
  const fieldId = (k: string) => `${prefix}-${k.replace(/\./g, '-')}`;

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      profile
        ? api.updateProfile(profile.id, body)
        : api.createProfile(body as Parameters<typeof api.createProfile>[0]),
    onSuccess: (p) => {
      setErrors({});
      if (!profile) setValues(initial(null));
      onSaved(p);
    },
    onError: (err) => {
      const found = apiFieldErrors(err, normalize);
      if (found) setErrors(found);
    },
  });

  const set = <K extends keyof Values>(k: K, v: Values[K], errorKey: string) => {
    setValues((old) => ({ ...old, [k]: v }));
    if (errors[errorKey]) setErrors(({ [errorKey]: _, ...rest }) => rest);
  };

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    save.reset();
    const body = {
      name: values.name,
      description: values.description.trim() === '' ? null : values.description,
      default_priority: Number(values.priority),
      max_runtime_seconds: optionalNumber(values.maxRuntime),
      max_concurrent: optionalNumber(values.maxConcurrent),
      allow_preemption: values.preemption,
      retry: {
        max_attempts: Number(values.maxAttempts),
        initial_interval: values.initialInterval,
        backoff_coefficient: Number(values.backoff),
        max_interval: values.maxInterval,
      },
    };
    const parsed = (profile ? UpdateProfileBody : CreateProfileBody).safeParse(body);
    if (!parsed.success) {
      const found = zodFieldErrors(parsed.error, normalize);
      setErrors(found);
      focusFirstError(found, fieldId);
      return;
    }
    setErrors({});
    save.mutate(body);
  }

  const input = (key: string, hasHint = false) => ({
    id: fieldId(key),
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': describedBy(fieldId(key), hasHint, errors[key]),
  });

  return (
    <form
      className="card stack"
      onSubmit={onSubmit}
      noValidate
      aria-label={profile ? `Edit profile ${profile.name}` : 'New profile'}
    >
      <h3>{profile ? `Edit “${profile.name}”` : 'New profile'}</h3>
      <div className="field-row">
        <Field id={fieldId('name')} label="Name" error={errors.name}>
          <input
            type="text"
            autoComplete="off"
            placeholder="batch"
            value={values.name}
            onChange={(e) => set('name', e.target.value, 'name')}
            {...input('name')}
          />
        </Field>
        <LimitField
          path="default_priority"
          label="Default priority"
          hint="0 to 1000; higher runs first."
          min={0}
          max={1000}
          value={values.priority}
          onChange={(v) => set('priority', v, 'default_priority')}
          errors={errors}
          fieldId={fieldId}
          inputProps={input}
        />
      </div>
      <Field id={fieldId('description')} label="Description" error={errors.description}>
        <input
          type="text"
          value={values.description}
          onChange={(e) => set('description', e.target.value, 'description')}
          {...input('description')}
        />
      </Field>
      <div className="field-row">
        <LimitField
          path="max_runtime_seconds"
          label="Max runtime (seconds)"
          hint="Blank: unlimited. A run past it is stopped (timed out)."
          min={1}
          blank="unlimited"
          value={values.maxRuntime}
          onChange={(v) => set('maxRuntime', v, 'max_runtime_seconds')}
          errors={errors}
          fieldId={fieldId}
          inputProps={input}
        />
        <LimitField
          path="max_concurrent"
          label="Max concurrent runs"
          hint="Blank: unlimited. Across all workers and servers."
          min={1}
          blank="unlimited"
          value={values.maxConcurrent}
          onChange={(v) => set('maxConcurrent', v, 'max_concurrent')}
          errors={errors}
          fieldId={fieldId}
          inputProps={input}
        />
      </div>
      <div className="field checkbox-field">
        <label htmlFor={fieldId('allow_preemption')} className="checkbox-label">
          <input
            type="checkbox"
            checked={values.preemption}
            onChange={(e) => set('preemption', e.target.checked, 'allow_preemption')}
            {...input('allow_preemption', true)}
          />
          Allow preemption
        </label>
        <div id={`${fieldId('allow_preemption')}-hint`} className="hint">
          A waiting run of higher priority may stop a run of this profile, which is requeued as its next attempt.
        </div>
      </div>
      <fieldset className="stack">
        <legend>Retry defaults (for schedules that set none)</legend>
        <RetryFields
          values={values}
          errors={errors}
          fieldId={fieldId}
          inputProps={input}
          onChange={(key, value, errorKey) => set(key, value, errorKey)}
        />
      </fieldset>
      <FormActions
        submitLabel={profile ? 'Save profile' : 'Create profile'}
        pending={save.isPending}
        onCancel={onCancel}
        requestError={save.isError && !apiFieldErrors(save.error, normalize) ? errorMessage(save.error) : null}
        formError={errors['']}
      />
    </form>
  );
}
