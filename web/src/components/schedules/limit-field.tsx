'use client';

import type { FieldErrors } from '../../lib/form-errors.ts';
import { Field } from '../ui/field.tsx';

type InputProps = (key: string, hasHint?: boolean) => Record<string, unknown>;

/**
 * A whole-number bound on runs (priority, max runtime, max concurrent), as the profile form and
 * the schedule form both ask for it. `path` is the body key: the input's id, its error and its
 * aria wiring all follow from it. `blank` says what an empty input means: the profile's
 * "unlimited" or the schedule's "inherit"; without it the input is expected to hold a number.
 */
export function LimitField({
  path,
  label,
  hint,
  min,
  max,
  blank,
  value,
  onChange,
  errors,
  fieldId,
  inputProps,
}: {
  path: string;
  label: string;
  hint: string;
  min: number;
  max?: number;
  blank?: 'unlimited' | 'inherit';
  value: string;
  onChange: (value: string) => void;
  errors: FieldErrors;
  fieldId: (key: string) => string;
  inputProps: InputProps;
}) {
  return (
    <Field id={fieldId(path)} label={label} hint={hint} error={errors[path]}>
      <input
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        placeholder={blank}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...inputProps(path, true)}
      />
    </Field>
  );
}
