'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import {
  CreateScheduleBody,
  UpdateScheduleBody,
  concurrencyPolicies,
  cronFields,
  defaultRetry,
  isTimeZone,
  misfirePolicies,
  type CommandTarget,
  type HttpTarget,
  type Schedule,
} from '@crony/shared';
import { argvToLines, linesToArgv, quoteArgv } from '../../lib/argv.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { cronInWords, durationInWords, everyInWords, formatDateTime } from '../../lib/format.ts';
import { apiFieldErrors, focusFirstError, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { browserTimeZone, isoToWallTime, timeZones, wallTimeToIso } from '../../lib/zoned.ts';
import { Alert } from '../ui/alert.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { KeyValueEditor, LabelsEditor, kvRow as row, rowsToRecord, type KeyValueRow } from '../ui/key-value-editor.tsx';
import { concurrencyText, misfireText } from './policies.ts';
import { RetryFields, retryValues, type RetryValues } from './retry-fields.tsx';
import { durationHint } from '../ui/duration-hint.tsx';
import { HookFields, hookBody, hookFieldKeys, hookValuesOf, type HookValues } from '../hooks/hook-fields.tsx';
import { PreviewPanel } from './preview-panel.tsx';
import {
  inheritedRetryBaseline,
  schedulingBody,
  SchedulingFields,
  schedulingKeys,
  schedulingValues,
} from './scheduling-fields.tsx';

type WhenKind = 'cron' | 'every' | 'at';
type TargetType = Schedule['target']['type'];
type HttpMethod = HttpTarget['method'];
type Concurrency = Schedule['concurrency_policy'];
type Misfire = Schedule['misfire_policy'];

const methods: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

const presets = [
  { label: 'Every minute', cron: '* * * * *' },
  { label: 'Every 5 minutes', cron: '*/5 * * * *' },
  { label: 'Hourly', cron: '0 * * * *' },
  { label: 'Daily at 09:00', cron: '0 9 * * *' },
  { label: 'Weekdays at 09:00', cron: '0 9 * * 1-5' },
];

const targetTypes: { type: TargetType; label: string }[] = [
  { type: 'http', label: 'HTTP request' },
  { type: 'command', label: 'Command' },
];

/** The schema's default, shown in a new form so the user sees what they get. */
const DEFAULT_COMMAND_TIMEOUT_MS = 3_600_000;

const whenKinds: { kind: WhenKind; label: string }[] = [
  { kind: 'cron', label: 'Cron' },
  { kind: 'every', label: 'Interval' },
  { kind: 'at', label: 'Once' },
];

interface FormValues extends RetryValues {
  name: string;
  description: string;
  when: WhenKind;
  cron: string;
  every: string;
  /** A `datetime-local` value, read in `timezone`. */
  at: string;
  timezone: string;
  targetType: TargetType;
  // Both kinds keep their own fields, so switching back and forth loses nothing typed.
  url: string;
  method: HttpMethod;
  headers: KeyValueRow[];
  body: string;
  timeout: string;
  /** argv, one argument per line. */
  command: string;
  env: KeyValueRow[];
  labels: KeyValueRow[];
  network: boolean;
  commandTimeout: string;
  concurrency: Concurrency;
  misfire: Misfire;
  catchup: string;
  hooks: HookValues;
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
  'target.command',
  'target.env',
  'target.labels',
  'target.network',
  'target.headers',
  'target.body',
  'target.timeout_ms',
  'concurrency_policy',
  'misfire_policy',
  'catchup_window',
  'retry.max_attempts',
  'retry.initial_interval',
  'retry.backoff_coefficient',
  'retry.max_interval',
  ...hookFieldKeys,
] as const;

/** Fields inside the collapsed "Advanced" section, which must open to show their errors. */
const advancedKeys = new Set<string>(fieldKeys.slice(fieldKeys.indexOf('concurrency_policy')));

const fieldId = (key: string) => `schedule-${key.replace(/\./g, '-')}`;

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
      ...httpValues(undefined),
      ...commandValues(undefined),
      targetType: 'http',
      ...policyValues(undefined),
      hooks: hookValuesOf(undefined),
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
    ...httpValues(t.type === 'http' ? t : undefined),
    ...commandValues(t.type === 'command' ? t : undefined),
    targetType: t.type,
    ...policyValues(schedule),
    hooks: hookValuesOf(schedule),
  };
}

function httpValues(t: HttpTarget | undefined): Pick<FormValues, 'url' | 'method' | 'headers' | 'body' | 'timeout'> {
  return {
    url: t?.url ?? '',
    method: t?.method ?? 'POST',
    headers: Object.entries(t?.headers ?? {}).map(([k, v]) => row(k, v)),
    body: t?.body ?? '',
    timeout: String(t?.timeout_ms ?? 30_000),
  };
}

function commandValues(
  t: CommandTarget | undefined,
): Pick<FormValues, 'command' | 'env' | 'labels' | 'network' | 'commandTimeout'> {
  return {
    command: argvToLines(t?.command ?? []),
    env: Object.entries(t?.env ?? {}).map(([k, v]) => row(k, v)),
    labels: Object.entries(t?.labels ?? {}).map(([k, v]) => row(k, v)),
    network: t?.network ?? false,
    commandTimeout: String(t?.timeout_ms ?? DEFAULT_COMMAND_TIMEOUT_MS),
  };
}

function policyValues(
  schedule: Schedule | undefined,
): Pick<
  FormValues,
  'concurrency' | 'misfire' | 'catchup' | 'maxAttempts' | 'initialInterval' | 'backoff' | 'maxInterval'
> {
  const retry = schedule?.retry ?? schedule?.effective.retry ?? defaultRetry;
  return {
    concurrency: schedule?.concurrency_policy ?? 'allow',
    misfire: schedule?.misfire_policy ?? 'run_once',
    catchup: schedule?.catchup_window ?? '24h',
    ...retryValues(retry),
  };
}

/** A number input's value for the body; an error in `errors` when it is empty or not a number. */
function numberValue(raw: string, key: string, errors: FieldErrors): number | undefined {
  const text = raw.trim();
  if (text === '') {
    errors[key] = 'Required';
    return undefined;
  }
  const n = Number(text);
  if (!Number.isFinite(n)) errors[key] = 'Enter a number';
  return n;
}

/** A duration input's value; "Required" when empty (the schemas would default it silently). */
function durationValue(raw: string, key: string, errors: FieldErrors): string | undefined {
  const text = raw.trim();
  if (text === '') {
    errors[key] = 'Required';
    return undefined;
  }
  return text;
}

const hasBody = (method: HttpMethod) => method !== 'GET' && method !== 'HEAD';

/** The current value of the chosen "when" field, as the API takes it (null when empty or unreadable). */
function whenValue(v: FormValues): string | null {
  if (v.when === 'cron') return v.cron.trim() || null;
  if (v.when === 'every') return v.every.trim() || null;
  return v.at ? wallTimeToIso(v.at, v.timezone.trim()) : null;
}

/** Key/value rows to a record; a blank key or a key given twice is an error under `errorKey`. */
function recordOf(
  rows: KeyValueRow[],
  errorKey: string,
  what: string,
  errors: FieldErrors,
  same?: (a: string, b: string) => boolean,
): Record<string, string> {
  const { record, error } = rowsToRecord(rows, what, same);
  if (error) errors[errorKey] ??= error;
  return record;
}

function buildTarget(v: FormValues, errors: FieldErrors): Record<string, unknown> {
  const target: Record<string, unknown> =
    v.targetType === 'http'
      ? {
          type: 'http',
          url: v.url.trim(),
          method: v.method,
          headers: recordOf(
            v.headers,
            'target.headers',
            'header',
            errors,
            (a, b) => a.toLowerCase() === b.toLowerCase(),
          ),
          ...(hasBody(v.method) && v.body !== '' ? { body: v.body } : {}),
        }
      : {
          type: 'command',
          command: linesToArgv(v.command),
          env: recordOf(v.env, 'target.env', 'variable', errors),
          labels: recordOf(v.labels, 'target.labels', 'label', errors),
          network: v.network,
        };
  const timeout = (v.targetType === 'http' ? v.timeout : v.commandTimeout).trim();
  if (timeout !== '') {
    const n = Number(timeout);
    if (!Number.isFinite(n)) errors['target.timeout_ms'] = 'Enter a number of milliseconds';
    target.timeout_ms = n;
  }
  return target;
}

/** The request body the form describes, plus the errors the schemas cannot see (empty inputs). */
function buildBody(v: FormValues, mode: 'create' | 'edit'): { body: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const target = buildTarget(v, errors);

  const body: Record<string, unknown> = { name: v.name, timezone: v.timezone.trim(), target };
  if (v.description.trim()) body.description = v.description;
  else if (mode === 'edit') body.description = null;

  const when = whenValue(v);
  if (when === null) {
    errors[v.when] = v.when === 'at' && v.at ? 'Enter a valid date and time' : 'Required';
  } else {
    body[v.when] = when;
  }

  // Like the fields above, the policies are always sent whole, on create and on edit alike.
  body.concurrency_policy = v.concurrency;
  body.misfire_policy = v.misfire;
  body.catchup_window = durationValue(v.catchup, 'catchup_window', errors);
  body.retry = {
    max_attempts: numberValue(v.maxAttempts, 'retry.max_attempts', errors),
    initial_interval: durationValue(v.initialInterval, 'retry.initial_interval', errors),
    backoff_coefficient: numberValue(v.backoff, 'retry.backoff_coefficient', errors),
    max_interval: durationValue(v.maxInterval, 'retry.max_interval', errors),
  };
  Object.assign(body, hookBody(v.hooks));
  return { body, errors };
}

export function ScheduleForm({ schedule, group }: { schedule?: Schedule; group?: string }) {
  const mode = schedule ? 'edit' : 'create';
  const [scheduling, setScheduling] = useState(() => schedulingValues(schedule, group));
  const [retryBaseline] = useState(() =>
    inheritedRetryBaseline(schedule, buildBody(initialValues(schedule), mode).body.retry),
  );
  const router = useRouter();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => initialValues(schedule));
  const [errors, setErrors] = useState<FieldErrors>({});
  const zones = useMemo(() => timeZones(), []);
  const advancedRef = useRef<HTMLDetailsElement>(null);

  /** Shows `found` under their fields and focuses the first, opening "Advanced" when it holds one. */
  function showErrors(found: FieldErrors) {
    setErrors(found);
    if (advancedRef.current && Object.keys(found).some((k) => advancedKeys.has(k))) advancedRef.current.open = true;
    focusFirstError(found, fieldId);
  }

  const normalize = (path: string): string | null => {
    for (const key of ['target.headers', 'target.env', 'target.labels', 'target.command'])
      if (path === key || path.startsWith(`${key}.`)) return key;
    if ((path === 'cron' || path === 'every' || path === 'at') && path !== values.when) return null;
    if ((schedulingKeys as readonly string[]).includes(path)) return path;
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
      if (fieldErrors) showErrors(fieldErrors);
    },
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    save.reset();
    const { body, errors: early } = buildBody(values, mode);
    Object.assign(body, schedulingBody(scheduling, mode, early));
    if (retryBaseline !== null && JSON.stringify(body.retry) === retryBaseline) delete body.retry;
    const parsed = (mode === 'create' ? CreateScheduleBody : UpdateScheduleBody).safeParse(body);
    const found = { ...(parsed.success ? {} : zodFieldErrors(parsed.error, normalize)), ...early };
    if (Object.keys(found).length > 0) {
      showErrors(found);
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
          <fieldset className="segmented" data-testid="target-type">
            <legend className="sr-only">Kind of target</legend>
            {targetTypes.map((k) => (
              <label key={k.type} className={values.targetType === k.type ? 'selected' : undefined}>
                <input
                  type="radio"
                  name="target-type"
                  value={k.type}
                  checked={values.targetType === k.type}
                  onChange={() => {
                    update('targetType', k.type);
                    // The other kind's errors no longer apply to anything on screen.
                    setErrors((e) =>
                      Object.fromEntries(Object.entries(e).filter(([key]) => !key.startsWith('target.'))),
                    );
                  }}
                />
                {k.label}
              </label>
            ))}
          </fieldset>

          {values.targetType === 'http' ? (
            <>
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
            </>
          ) : (
            <CommandFields values={values} errors={errors} update={update} inputProps={inputProps} />
          )}
        </section>

        <SchedulingFields
          values={scheduling}
          errors={errors}
          fieldId={fieldId}
          inputProps={inputProps}
          onChange={(key, value, errorKey) => {
            setScheduling((v) => ({ ...v, [key]: value }));
            if (errors[errorKey]) setErrors(({ [errorKey]: _, ...rest }) => rest);
          }}
        />

        <details className="card form-section advanced" ref={advancedRef}>
          <summary>
            <h2 id="sf-advanced">Advanced</h2>
            <span className="muted small">{advancedSummary(values)}</span>
          </summary>
          <div className="advanced-body">
            <h3>Overlaps and missed slots</h3>
            <Field
              id={fieldId('concurrency_policy')}
              label="Concurrency policy"
              hint="When a slot comes while an earlier run of this schedule is still active."
              error={errors.concurrency_policy}
            >
              <select
                value={values.concurrency}
                onChange={(e) => update('concurrency', e.target.value as Concurrency, 'concurrency_policy')}
                {...inputProps('concurrency_policy', true)}
              >
                {concurrencyPolicies.map((p) => (
                  <option key={p} value={p}>
                    {concurrencyText[p].label}: {concurrencyText[p].explain}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id={fieldId('misfire_policy')}
              label="Misfire policy"
              hint="For slots that passed while the scheduler could not fire them. All missed slots are recorded in the run history."
              error={errors.misfire_policy}
            >
              <select
                value={values.misfire}
                onChange={(e) => update('misfire', e.target.value as Misfire, 'misfire_policy')}
                {...inputProps('misfire_policy', true)}
              >
                {misfirePolicies.map((p) => (
                  <option key={p} value={p}>
                    {misfireText[p].label}: {misfireText[p].explain}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id={fieldId('catchup_window')}
              label="Catch-up window"
              hint={durationHint(
                values.catchup,
                (words) => `A missed slot up to ${words} old may still run; older ones are recorded as missed.`,
                'How old a missed slot may be and still run, e.g. "24h" or "30 minutes".',
              )}
              error={errors.catchup_window}
            >
              <input
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="24h"
                value={values.catchup}
                onChange={(e) => update('catchup', e.target.value, 'catchup_window')}
                {...inputProps('catchup_window', true)}
              />
            </Field>

            <h3>Retries</h3>
            <RetryFields
              values={values}
              errors={errors}
              fieldId={fieldId}
              inputProps={inputProps}
              onChange={(key, value, errorKey) => update(key, value, errorKey)}
            />
            <HookFields
              values={values.hooks}
              errors={errors}
              fieldId={fieldId}
              onChange={(k, url) => update('hooks', { ...values.hooks, [k]: { ...values.hooks[k], url } }, `${k}.url`)}
            />
          </div>
        </details>

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

type Update = <K extends keyof FormValues>(key: K, value: FormValues[K], errorKey?: string) => void;
type InputProps = (
  key: string,
  hasHint?: boolean,
) => { id: string; 'aria-invalid': boolean | undefined; 'aria-describedby': string | undefined };

/** The fields of a command target: argv, environment, worker labels, network and timeout. */
function CommandFields({
  values,
  errors,
  update,
  inputProps,
}: {
  values: FormValues;
  errors: FieldErrors;
  update: Update;
  inputProps: InputProps;
}) {
  const argv = linesToArgv(values.command);
  const timeoutMs = Number(values.commandTimeout);
  return (
    <>
      <Field
        id={fieldId('target.command')}
        label="Command"
        hint={
          <>
            One argument per line, the program first, exactly as typed: no quotes, no escapes, blank lines skipped. It
            runs without a shell; for pipes or variables, put <code>bash</code>, <code>-c</code> and the script on three
            lines.
            {argv.length > 0 ? (
              <span className="argv-preview" data-testid="argv-preview">
                Runs <code>{quoteArgv(argv)}</code> ({argv.length} {argv.length === 1 ? 'argument' : 'arguments'})
              </span>
            ) : null}
          </>
        }
        error={errors['target.command']}
      >
        <textarea
          rows={4}
          className="mono"
          spellCheck={false}
          autoComplete="off"
          placeholder={'bash\n-c\necho "hello from $HOSTNAME"'}
          value={values.command}
          onChange={(e) => update('command', e.target.value, 'target.command')}
          {...inputProps('target.command', true)}
        />
      </Field>

      <KeyValueEditor
        errorKey="target.env"
        legend="Environment"
        hint="The only variables the command sees. Values are shown on the schedule page behind a toggle."
        keyLabel="Env variable"
        valueLabel="Env value"
        keyPlaceholder="DATABASE_URL"
        valuePlaceholder="postgres://…"
        noun="variable"
        empty="No variables."
        rows={values.env}
        error={errors['target.env']}
        onChange={(rows) => update('env', rows, 'target.env')}
      />

      <LabelsEditor
        errorKey="target.labels"
        legend="Worker labels"
        hint="The command runs on a worker that carries all of these labels; with none, on any of your workers."
        empty="No labels: any worker."
        rows={values.labels}
        error={errors['target.labels']}
        onChange={(rows) => update('labels', rows, 'target.labels')}
      />

      <div className="field-row">
        <div className={`field checkbox-field${errors['target.network'] ? ' has-error' : ''}`}>
          <label htmlFor={fieldId('target.network')} className="checkbox-label">
            <input
              type="checkbox"
              checked={values.network}
              onChange={(e) => update('network', e.target.checked, 'target.network')}
              {...inputProps('target.network', true)}
            />
            Allow network
          </label>
          <div id={`${fieldId('target.network')}-hint`} className="hint">
            Off by default: the sandbox has no network at all.
          </div>
          {errors['target.network'] ? (
            <p id={`${fieldId('target.network')}-error`} className="field-error">
              {errors['target.network']}
            </p>
          ) : null}
        </div>
        <Field
          id={fieldId('target.timeout_ms')}
          label="Timeout (ms)"
          hint={
            Number.isFinite(timeoutMs) && timeoutMs >= 1000 && values.commandTimeout.trim() !== ''
              ? `1000 to 86400000. Stopped after ${durationInWords(timeoutMs)}.`
              : '1000 to 86400000 (one day).'
          }
          error={errors['target.timeout_ms']}
        >
          <input
            type="number"
            inputMode="numeric"
            min={1000}
            max={86_400_000}
            value={values.commandTimeout}
            onChange={(e) => update('commandTimeout', e.target.value, 'target.timeout_ms')}
            {...inputProps('target.timeout_ms', true)}
          />
        </Field>
      </div>
    </>
  );
}

function HeadersEditor({
  rows,
  error,
  onChange,
}: {
  rows: KeyValueRow[];
  error: string | undefined;
  onChange: (rows: KeyValueRow[]) => void;
}) {
  return (
    <KeyValueEditor
      errorKey="target.headers"
      legend="Headers"
      keyLabel="Header key"
      valueLabel="Header value"
      keyPlaceholder="Content-Type"
      valuePlaceholder="application/json"
      noun="header"
      empty="No headers."
      rows={rows}
      error={error}
      onChange={onChange}
    />
  );
}

/** The collapsed section's one-line summary of what it holds. */
function advancedSummary(v: FormValues): string {
  const attempts = v.maxAttempts.trim() === '1' ? 'no retries' : `up to ${v.maxAttempts.trim() || '?'} attempts`;
  return `${concurrencyText[v.concurrency].label} overlaps · ${misfireText[v.misfire].label.toLowerCase()} on misfire · ${attempts}`;
}
