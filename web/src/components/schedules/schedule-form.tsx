'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import {
  CreateScheduleBody,
  UpdateScheduleBody,
  cronFields,
  isTimeZone,
  type HttpTarget,
  type Schedule,
} from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { cronInWords, everyInWords, formatDateTime } from '../../lib/format.ts';
import { apiFieldErrors, focusFirstError, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { browserTimeZone, isoToWallTime, timeZones, wallTimeToIso } from '../../lib/zoned.ts';
import { Alert } from '../ui/alert.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { PreviewPanel } from './preview-panel.tsx';

type WhenKind = 'cron' | 'every' | 'at';
type HttpMethod = HttpTarget['method'];

const methods: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

const presets = [
  { label: 'Every minute', cron: '* * * * *' },
  { label: 'Every 5 minutes', cron: '*/5 * * * *' },
  { label: 'Hourly', cron: '0 * * * *' },
  { label: 'Daily at 09:00', cron: '0 9 * * *' },
  { label: 'Weekdays at 09:00', cron: '0 9 * * 1-5' },
];

const whenKinds: { kind: WhenKind; label: string }[] = [
  { kind: 'cron', label: 'Cron' },
  { kind: 'every', label: 'Interval' },
  { kind: 'at', label: 'Once' },
];

interface HeaderRow {
  id: number;
  key: string;
  value: string;
}

interface FormValues {
  name: string;
  description: string;
  when: WhenKind;
  cron: string;
  every: string;
  /** A `datetime-local` value, read in `timezone`. */
  at: string;
  timezone: string;
  url: string;
  method: HttpMethod;
  headers: HeaderRow[];
  body: string;
  timeout: string;
}

/** The fields errors can be shown under, by the dotted path the schemas and the API use. */
const fieldKeys = [
  'name',
  'description',
  'cron',
  'every',
  'at',
  'timezone',
  'target.url',
  'target.method',
  'target.headers',
  'target.body',
  'target.timeout_ms',
] as const;

const fieldId = (key: string) => `schedule-${key.replace(/\./g, '-')}`;

let nextRowId = 1;
const row = (key = '', value = ''): HeaderRow => ({ id: nextRowId++, key, value });

function initialValues(schedule: Schedule | undefined): FormValues {
  if (!schedule) {
    const tz = browserTimeZone();
    return {
      name: '',
      description: '',
      when: 'cron',
      cron: '',
      every: '',
      at: '',
      timezone: isTimeZone(tz) ? tz : 'UTC',
      url: '',
      method: 'POST',
      headers: [],
      body: '',
      timeout: '30000',
    };
  }
  const t = schedule.target;
  return {
    name: schedule.name,
    description: schedule.description ?? '',
    when: schedule.cron ? 'cron' : schedule.every ? 'every' : 'at',
    cron: schedule.cron ?? '',
    every: schedule.every ?? '',
    at: schedule.at ? isoToWallTime(schedule.at, schedule.timezone) : '',
    timezone: schedule.timezone,
    url: t.url,
    method: t.method,
    headers: Object.entries(t.headers ?? {}).map(([k, v]) => row(k, v)),
    body: t.body ?? '',
    timeout: String(t.timeout_ms),
  };
}

const hasBody = (method: HttpMethod) => method !== 'GET' && method !== 'HEAD';

/** The current value of the chosen "when" field, as the API takes it (null when empty or unreadable). */
function whenValue(v: FormValues): string | null {
  if (v.when === 'cron') return v.cron.trim() || null;
  if (v.when === 'every') return v.every.trim() || null;
  return v.at ? wallTimeToIso(v.at, v.timezone.trim()) : null;
}

/** The request body the form describes, plus the errors the schemas cannot see (empty inputs). */
function buildBody(v: FormValues, mode: 'create' | 'edit'): { body: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const headers: Record<string, string> = {};
  for (const h of v.headers) {
    const key = h.key.trim();
    if (!key && !h.value) continue;
    if (!key) errors['target.headers'] ??= 'Every header needs a key';
    else if (Object.keys(headers).some((k) => k.toLowerCase() === key.toLowerCase()))
      errors['target.headers'] ??= `Header "${key}" is given twice`;
    else headers[key] = h.value;
  }

  const target: Record<string, unknown> = { type: 'http', url: v.url.trim(), method: v.method, headers };
  if (hasBody(v.method) && v.body !== '') target.body = v.body;
  const timeout = v.timeout.trim();
  if (timeout !== '') {
    const n = Number(timeout);
    if (!Number.isFinite(n)) errors['target.timeout_ms'] = 'Enter a number of milliseconds';
    target.timeout_ms = n;
  }

  const body: Record<string, unknown> = { name: v.name, timezone: v.timezone.trim(), target };
  if (v.description.trim()) body.description = v.description;
  else if (mode === 'edit') body.description = null;

  const when = whenValue(v);
  if (when === null) {
    errors[v.when] = v.when === 'at' && v.at ? 'Enter a valid date and time' : 'Required';
  } else {
    body[v.when] = when;
  }
  return { body, errors };
}

export function ScheduleForm({ schedule }: { schedule?: Schedule }) {
  const mode = schedule ? 'edit' : 'create';
  const router = useRouter();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => initialValues(schedule));
  const [errors, setErrors] = useState<FieldErrors>({});
  const zones = useMemo(() => timeZones(), []);

  const normalize = (path: string): string | null => {
    if (path.startsWith('target.headers')) return 'target.headers';
    if ((path === 'cron' || path === 'every' || path === 'at') && path !== values.when) return null;
    return (fieldKeys as readonly string[]).includes(path) ? path : null;
  };

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      schedule
        ? api.updateSchedule(schedule.id, body as UpdateScheduleBody)
        : api.createSchedule(body as CreateScheduleBody),
    onSuccess: (saved) => {
      queryClient.setQueryData(queryKeys.schedule(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedules });
      router.push(`/schedules/${saved.id}`);
    },
    onError: (err) => {
      const fieldErrors = apiFieldErrors(err, normalize);
      if (fieldErrors) {
        setErrors(fieldErrors);
        focusFirstError(fieldErrors, fieldId);
      }
    },
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    save.reset();
    const { body, errors: early } = buildBody(values, mode);
    const parsed = (mode === 'create' ? CreateScheduleBody : UpdateScheduleBody).safeParse(body);
    const found = { ...(parsed.success ? {} : zodFieldErrors(parsed.error, normalize)), ...early };
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirstError(found, fieldId);
      return;
    }
    setErrors({});
    save.mutate(body);
  }

  function update<K extends keyof FormValues>(key: K, value: FormValues[K], errorKey: string = key) {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[errorKey]) setErrors(({ [errorKey]: _, ...rest }) => rest);
  }

  const inputProps = (key: string, hasHint = false) => ({
    id: fieldId(key),
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': describedBy(fieldId(key), hasHint, errors[key]),
  });

  const cronHint = (() => {
    const expr = values.cron.trim();
    if (!expr) return 'Five fields (minute hour day-of-month month weekday), or six with seconds first.';
    const words = cronInWords(expr);
    if (words) return <span className="when-words">{words}</span>;
    const parsed = cronFields(expr);
    return <span className="warn">{'error' in parsed ? `Not valid yet: ${parsed.error}` : 'Not valid yet'}</span>;
  })();

  const everyHint = (() => {
    if (!values.every.trim()) return 'A duration such as "30s", "5 minutes" or "1h 30m".';
    const words = everyInWords(values.every);
    return words ? (
      <span className="when-words">{words}</span>
    ) : (
      <span className="warn">
        Not a duration yet: try &quot;30s&quot;, &quot;5 minutes&quot; or &quot;1h 30m&quot;.
      </span>
    );
  })();

  const atIso = values.when === 'at' && values.at ? wallTimeToIso(values.at, values.timezone.trim()) : null;
  const atHint = atIso ? (
    <span className="when-words">
      Once, at {formatDateTime(atIso, { timeZone: values.timezone.trim(), withZone: true })}
    </span>
  ) : (
    'A date and time in the time zone below.'
  );

  const formLevel = [save.isError ? errorMessage(save.error) : null, errors[''] ?? null].filter(Boolean);

  return (
    <form
      className="schedule-form"
      onSubmit={onSubmit}
      noValidate
      aria-label={mode === 'create' ? 'New schedule' : 'Edit schedule'}
    >
      <div className="schedule-form-main">
        {formLevel.length > 0 ? (
          <Alert>
            {formLevel.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </Alert>
        ) : null}

        <section className="card form-section" aria-labelledby="sf-basics">
          <h2 id="sf-basics">Schedule</h2>
          <Field id={fieldId('name')} label="Name" error={errors.name}>
            <input
              type="text"
              autoComplete="off"
              value={values.name}
              onChange={(e) => update('name', e.target.value)}
              {...inputProps('name')}
            />
          </Field>
          <Field id={fieldId('description')} label="Description" hint="Optional." error={errors.description}>
            <textarea
              rows={2}
              value={values.description}
              onChange={(e) => update('description', e.target.value)}
              {...inputProps('description', true)}
            />
          </Field>
        </section>

        <section className="card form-section" aria-labelledby="sf-when">
          <h2 id="sf-when">When</h2>
          <fieldset className="segmented">
            <legend className="sr-only">Kind of schedule</legend>
            {whenKinds.map((k) => (
              <label key={k.kind} className={values.when === k.kind ? 'selected' : undefined}>
                <input
                  type="radio"
                  name="when"
                  value={k.kind}
                  checked={values.when === k.kind}
                  onChange={() => update('when', k.kind)}
                />
                {k.label}
              </label>
            ))}
          </fieldset>

          {values.when === 'cron' ? (
            <>
              <div className="presets" role="group" aria-label="Cron presets">
                {presets.map((p) => (
                  <button
                    key={p.cron}
                    type="button"
                    className={`chip${values.cron.trim() === p.cron ? ' selected' : ''}`}
                    aria-pressed={values.cron.trim() === p.cron}
                    onClick={() => update('cron', p.cron)}
                  >
                    {p.label}
                  </button>
                ))}
              </div>
              <Field id={fieldId('cron')} label="Cron expression" hint={cronHint} error={errors.cron}>
                <input
                  type="text"
                  className="mono"
                  placeholder="*/5 * * * *"
                  autoComplete="off"
                  spellCheck={false}
                  value={values.cron}
                  onChange={(e) => update('cron', e.target.value)}
                  {...inputProps('cron', true)}
                />
              </Field>
            </>
          ) : null}

          {values.when === 'every' ? (
            <Field id={fieldId('every')} label="Every" hint={everyHint} error={errors.every}>
              <input
                type="text"
                placeholder="5 minutes"
                autoComplete="off"
                value={values.every}
                onChange={(e) => update('every', e.target.value)}
                {...inputProps('every', true)}
              />
            </Field>
          ) : null}

          {values.when === 'at' ? (
            <Field id={fieldId('at')} label="Run at" hint={atHint} error={errors.at}>
              <input
                type="datetime-local"
                step={1}
                value={values.at}
                onChange={(e) => update('at', e.target.value)}
                {...inputProps('at', true)}
              />
            </Field>
          ) : null}

          <Field
            id={fieldId('timezone')}
            label="Time zone"
            hint="IANA name, e.g. Europe/Berlin. Daily times follow this zone across DST changes."
            error={errors.timezone}
          >
            <input
              type="text"
              list="schedule-timezones"
              autoComplete="off"
              spellCheck={false}
              value={values.timezone}
              onChange={(e) => update('timezone', e.target.value)}
              {...inputProps('timezone', true)}
            />
          </Field>
          <datalist id="schedule-timezones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </section>

        <section className="card form-section" aria-labelledby="sf-target">
          <h2 id="sf-target">Target</h2>
          <Field id={fieldId('target.url')} label="URL" error={errors['target.url']}>
            <input
              type="url"
              inputMode="url"
              placeholder="https://example.com/hooks/nightly"
              autoComplete="off"
              spellCheck={false}
              value={values.url}
              onChange={(e) => update('url', e.target.value, 'target.url')}
              {...inputProps('target.url')}
            />
          </Field>
          <div className="field-row">
            <Field id={fieldId('target.method')} label="Method" error={errors['target.method']}>
              <select
                value={values.method}
                onChange={(e) => update('method', e.target.value as HttpMethod, 'target.method')}
                {...inputProps('target.method')}
              >
                {methods.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id={fieldId('target.timeout_ms')}
              label="Timeout (ms)"
              hint="100 to 600000."
              error={errors['target.timeout_ms']}
            >
              <input
                type="number"
                inputMode="numeric"
                min={100}
                max={600000}
                value={values.timeout}
                onChange={(e) => update('timeout', e.target.value, 'target.timeout_ms')}
                {...inputProps('target.timeout_ms', true)}
              />
            </Field>
          </div>

          <HeadersEditor
            rows={values.headers}
            error={errors['target.headers']}
            onChange={(rows) => update('headers', rows, 'target.headers')}
          />

          <Field
            id={fieldId('target.body')}
            label="Body"
            hint={
              hasBody(values.method)
                ? 'Sent as is; Content-Type defaults to application/json unless a header sets it.'
                : `${values.method} requests have no body.`
            }
            error={errors['target.body']}
          >
            <textarea
              rows={4}
              className="mono"
              spellCheck={false}
              disabled={!hasBody(values.method)}
              value={values.body}
              onChange={(e) => update('body', e.target.value, 'target.body')}
              {...inputProps('target.body', true)}
            />
          </Field>
        </section>

        <div className="form-actions">
          <Link href={schedule ? `/schedules/${schedule.id}` : '/schedules'} className="button">
            Cancel
          </Link>
          <button type="submit" className="button primary" disabled={save.isPending} aria-busy={save.isPending}>
            {mode === 'create' ? 'Create schedule' : 'Save changes'}
          </button>
        </div>
      </div>

      <aside className="schedule-form-side">
        <PreviewPanel when={values.when} value={whenValue(values)} timezone={values.timezone.trim()} />
      </aside>
    </form>
  );
}

function HeadersEditor({
  rows,
  error,
  onChange,
}: {
  rows: HeaderRow[];
  error: string | undefined;
  onChange: (rows: HeaderRow[]) => void;
}) {
  const set = (id: number, patch: Partial<HeaderRow>) =>
    onChange(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  return (
    <fieldset className={`headers${error ? ' has-error' : ''}`} id={fieldId('target.headers')} tabIndex={-1}>
      <legend>Headers</legend>
      {rows.length === 0 ? <p className="hint">No headers.</p> : null}
      {rows.map((r, i) => (
        <div key={r.id} className="header-row">
          <div className="field">
            <label htmlFor={`header-key-${r.id}`}>Header key</label>
            <input
              id={`header-key-${r.id}`}
              type="text"
              className="mono"
              placeholder="Content-Type"
              autoComplete="off"
              spellCheck={false}
              value={r.key}
              onChange={(e) => set(r.id, { key: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`header-value-${r.id}`}>Header value</label>
            <input
              id={`header-value-${r.id}`}
              type="text"
              className="mono"
              placeholder="application/json"
              autoComplete="off"
              spellCheck={false}
              value={r.value}
              onChange={(e) => set(r.id, { value: e.target.value })}
            />
          </div>
          <button
            type="button"
            className="button ghost small icon"
            aria-label={`Remove header ${i + 1}`}
            onClick={() => onChange(rows.filter((x) => x.id !== r.id))}
          >
            ✕
          </button>
        </div>
      ))}
      {error ? <p className="field-error">{error}</p> : null}
      <button type="button" className="button small" onClick={() => onChange([...rows, row()])}>
        Add header
      </button>
    </fieldset>
  );
}
