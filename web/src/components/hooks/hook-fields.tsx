'use client';

import { hookKinds, type HookKind, type HookTarget, type Schedule } from '@crony/shared';
import { describedBy, Field } from '../ui/field.tsx';

/** What the form keeps per hook: the URL typed, and the saved hook (for its headers and timeout). */
export type HookValues = Record<HookKind, { url: string; saved: HookTarget | null }>;

const about: Record<HookKind, { label: string; hint: string }> = {
  progress_hook: { label: 'Progress hook', hint: 'Receives run.progress events, in order.' },
  error_hook: { label: 'Error hook', hint: 'Receives run.failed once per failed or timed-out attempt.' },
  success_hook: { label: 'Success hook', hint: 'Receives run.succeeded.' },
  missed_hook: { label: 'Missed hook', hint: 'Receives run.missed for each slot that did not run.' },
};

export function hookValuesOf(schedule: Schedule | undefined): HookValues {
  const entry = (k: HookKind) => {
    const saved = schedule?.[k] ?? null;
    return { url: saved?.type === 'http' ? saved.url : '', saved };
  };
  return {
    progress_hook: entry('progress_hook'),
    error_hook: entry('error_hook'),
    success_hook: entry('success_hook'),
    missed_hook: entry('missed_hook'),
  };
}

/** The hook fields of a create or update body: null for an empty URL (no hook). */
export function hookBody(values: HookValues): Record<HookKind, HookTarget | null> {
  const one = (k: HookKind): HookTarget | null => {
    const url = values[k].url.trim();
    const saved = values[k].saved;
    // Command hooks are set through the API; the form keeps them as they are.
    if (saved?.type === 'command' && !url) return saved;
    if (!url) return null;
    return saved?.type === 'http' ? { ...saved, url } : { type: 'http', url, headers: {}, timeout_ms: 10_000 };
  };
  return {
    progress_hook: one('progress_hook'),
    error_hook: one('error_hook'),
    success_hook: one('success_hook'),
    missed_hook: one('missed_hook'),
  };
}

/** Field keys of the hook URLs, as the API reports errors under them (`error_hook.url`). */
export const hookFieldKeys = hookKinds.map((k) => `${k}.url` as const);

/**
 * The four hook URLs of a schedule form. Each receives a signed JSON POST (see the README);
 * leave a URL empty for no hook.
 */
export function HookFields({
  values,
  errors,
  fieldId,
  onChange,
}: {
  values: HookValues;
  errors: Record<string, string | undefined>;
  fieldId: (key: string) => string;
  onChange: (kind: HookKind, url: string) => void;
}) {
  return (
    <>
      <h3>Hooks</h3>
      <p className="hint">
        HTTP endpoints that receive a signed JSON POST for run events. Leave empty for none. Failed deliveries are
        retried and listed on the run.
      </p>
      {hookKinds.map((k) => {
        const key = `${k}.url`;
        const id = fieldId(key);
        return (
          <Field
            key={k}
            id={id}
            label={about[k].label}
            hint={
              values[k].saved?.type === 'command' && !values[k].url
                ? `A command hook runs on a worker (set through the API). Enter a URL to replace it.`
                : about[k].hint
            }
            error={errors[key]}
          >
            <input
              id={id}
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://example.com/hooks/crony"
              value={values[k].url}
              onChange={(e) => onChange(k, e.target.value)}
              aria-invalid={errors[key] ? true : undefined}
              aria-describedby={describedBy(id, true, errors[key])}
            />
          </Field>
        );
      })}
    </>
  );
}
