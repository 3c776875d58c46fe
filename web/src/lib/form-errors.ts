import type { z } from 'zod';
import { isApiError } from './api.ts';

/** Field errors keyed by dotted path (`target.url`); the key `''` holds errors of no known field. */
export type FieldErrors = Record<string, string>;

/** Message for an issue, with zod's generic wording replaced where a form can say it better. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) return 'Required';
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'Required';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'Must be a whole number';
  if (issue.code === 'too_small' && issue.origin === 'number')
    return `Must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'number')
    return `Must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
  return issue.message;
}

/**
 * Turns dotted paths into the form's field keys: `normalize` maps a path to a known field (for
 * instance every `target.headers.*` to `target.headers`) or returns null for "no such field".
 */
function collect(
  entries: { path: string; message: string }[],
  normalize: (path: string) => string | null,
): FieldErrors {
  const out: FieldErrors = {};
  for (const e of entries) {
    const key = normalize(e.path) ?? '';
    const message = key === '' && e.path ? `${e.path}: ${e.message}` : e.message;
    if (out[key] === undefined) out[key] = message;
    else if (key === '') out[key] = `${out[key]}; ${message}`;
  }
  return out;
}

export function zodFieldErrors(error: z.ZodError, normalize: (path: string) => string | null): FieldErrors {
  return collect(
    error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: issueMessage(i) })),
    normalize,
  );
}

/** Field errors from the API's `details`, or null when the error carries none. */
export function apiFieldErrors(err: unknown, normalize: (path: string) => string | null): FieldErrors | null {
  if (!isApiError(err) || err.details.length === 0) return null;
  return collect(err.details, normalize);
}

/** Moves focus to the first field (in document order) that has an error. */
export function focusFirstError(errors: FieldErrors, idFor: (key: string) => string): void {
  const elements = Object.keys(errors)
    .filter((k) => k !== '')
    .map((k) => document.getElementById(idFor(k)))
    .filter((el): el is HTMLElement => el !== null);
  elements.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  elements[0]?.focus();
}
