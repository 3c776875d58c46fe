'use client';

import type { RetryPolicy } from '@crony/shared';
import { formatDuration } from '../../lib/format.ts';
import type { FieldErrors } from '../../lib/form-errors.ts';
import { durationHint } from '../ui/duration-hint.tsx';
import { Field } from '../ui/field.tsx';
import { retryDelays } from './policies.ts';

/** A retry policy as its inputs hold it (text, so a half-typed value stays on screen). */
export interface RetryValues {
  maxAttempts: string;
  initialInterval: string;
  backoff: string;
  maxInterval: string;
}

export function retryValues(retry: RetryPolicy): RetryValues {
  return {
    maxAttempts: String(retry.max_attempts),
    initialInterval: retry.initial_interval,
    backoff: String(retry.backoff_coefficient),
    maxInterval: retry.max_interval,
  };
}

type InputProps = (key: string, hasHint?: boolean) => Record<string, unknown>;

/**
 * The four retry inputs and a preview of the waits they add up to; used by the schedule form
 * and by the profile form (the defaults for schedules that set none). Errors are keyed by the
 * body paths `retry.max_attempts`, `retry.initial_interval`, … as the shared schemas report them.
 */
export function RetryFields({
  values,
  errors,
  onChange,
  inputProps,
  fieldId,
}: {
  values: RetryValues;
  errors: FieldErrors;
  onChange: (key: keyof RetryValues, value: string, errorKey: string) => void;
  inputProps: InputProps;
  fieldId: (key: string) => string;
}) {
  return (
    <>
      <div className="field-row">
        <Field
          id={fieldId('retry.max_attempts')}
          label="Max attempts"
          hint="1 to 100. 1 means no retries."
          error={errors['retry.max_attempts']}
        >
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={100}
            step={1}
            value={values.maxAttempts}
            onChange={(e) => onChange('maxAttempts', e.target.value, 'retry.max_attempts')}
            {...inputProps('retry.max_attempts', true)}
          />
        </Field>
        <Field
          id={fieldId('retry.backoff_coefficient')}
          label="Backoff coefficient"
          hint="1 to 10. Each retry waits this many times longer than the one before."
          error={errors['retry.backoff_coefficient']}
        >
          <input
            type="number"
            inputMode="decimal"
            min={1}
            max={10}
            step="any"
            value={values.backoff}
            onChange={(e) => onChange('backoff', e.target.value, 'retry.backoff_coefficient')}
            {...inputProps('retry.backoff_coefficient', true)}
          />
        </Field>
      </div>
      <div className="field-row">
        <Field
          id={fieldId('retry.initial_interval')}
          label="Initial retry interval"
          hint={durationHint(values.initialInterval, (w) => `First retry after ${w}.`, 'e.g. "10s".')}
          error={errors['retry.initial_interval']}
        >
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="10s"
            value={values.initialInterval}
            onChange={(e) => onChange('initialInterval', e.target.value, 'retry.initial_interval')}
            {...inputProps('retry.initial_interval', true)}
          />
        </Field>
        <Field
          id={fieldId('retry.max_interval')}
          label="Max retry interval"
          hint={durationHint(values.maxInterval, (w) => `No retry waits longer than ${w}.`, 'e.g. "5m".')}
          error={errors['retry.max_interval']}
        >
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="5m"
            value={values.maxInterval}
            onChange={(e) => onChange('maxInterval', e.target.value, 'retry.max_interval')}
            {...inputProps('retry.max_interval', true)}
          />
        </Field>
      </div>
      <p className="hint" data-testid="retry-preview">
        {retryPreview(values)}
      </p>
    </>
  );
}

/** What the retry fields add up to, computed the way the server will. */
function retryPreview(v: RetryValues): string {
  const maxAttempts = Number(v.maxAttempts);
  const backoff = Number(v.backoff);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || !Number.isFinite(backoff) || v.backoff.trim() === '')
    return 'A failed attempt is retried after its wait; the run fails once the last attempt fails.';
  if (maxAttempts === 1) return 'A failed attempt fails the run at once.';
  const delays = retryDelays(
    {
      max_attempts: maxAttempts,
      initial_interval: v.initialInterval,
      backoff_coefficient: backoff,
      max_interval: v.maxInterval,
    },
    5,
  );
  if (!delays) return 'A failed attempt is retried after its wait; the run fails once the last attempt fails.';
  const more = maxAttempts - 1 > delays.length ? ', …' : '';
  return `After a failure, retries wait ${delays.map(formatDuration).join(', ')}${more}; the run fails when attempt ${maxAttempts} fails.`;
}
