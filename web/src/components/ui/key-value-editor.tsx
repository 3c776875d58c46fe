'use client';

/** One row of a key/value editor (headers, environment, labels); `id` keeps React keys stable. */
export interface KeyValueRow {
  id: number;
  key: string;
  value: string;
}

let nextRowId = 1;
export const kvRow = (key = '', value = ''): KeyValueRow => ({ id: nextRowId++, key, value });

/** The rows as a record: empty rows are skipped; `errors` gets blank keys and keys given twice. */
export function rowsToRecord(
  rows: KeyValueRow[],
  what: string,
  same: (a: string, b: string) => boolean = (a, b) => a === b,
): { record: Record<string, string>; error: string | null } {
  const record: Record<string, string> = {};
  let error: string | null = null;
  for (const r of rows) {
    const key = r.key.trim();
    if (!key && !r.value) continue;
    if (!key) error ??= `Every ${what} needs a ${what === 'header' ? 'key' : 'name'}`;
    else if (Object.keys(record).some((k) => same(k, key)))
      error ??= `${what.charAt(0).toUpperCase()}${what.slice(1)} "${key}" is given twice`;
    else record[key] = r.value;
  }
  return { record, error };
}

/** Rows of key/value inputs with add and remove; `errorKey` names the fieldset for errors and focus. */
export function KeyValueEditor({
  errorKey,
  legend,
  hint,
  keyLabel,
  valueLabel,
  keyPlaceholder,
  valuePlaceholder,
  noun,
  empty,
  rows,
  error,
  onChange,
  idPrefix = 'schedule',
}: {
  errorKey: string;
  legend: string;
  hint?: string;
  keyLabel: string;
  valueLabel: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
  /** What one row is, for "Add header" and "Remove header 2". */
  noun: string;
  empty: string;
  rows: KeyValueRow[];
  error: string | undefined;
  onChange: (rows: KeyValueRow[]) => void;
  idPrefix?: string;
}) {
  const set = (id: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const base = `${idPrefix}-${errorKey.replace(/\./g, '-')}`;
  return (
    <fieldset className={`headers${error ? ' has-error' : ''}`} id={base} tabIndex={-1}>
      <legend>{legend}</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      {rows.length === 0 ? <p className="hint">{empty}</p> : null}
      {rows.map((r, i) => (
        <div key={r.id} className="header-row">
          <div className="field">
            <label htmlFor={`${base}-key-${r.id}`}>{keyLabel}</label>
            <input
              id={`${base}-key-${r.id}`}
              type="text"
              className="mono"
              placeholder={keyPlaceholder}
              autoComplete="off"
              spellCheck={false}
              value={r.key}
              onChange={(e) => set(r.id, { key: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${base}-value-${r.id}`}>{valueLabel}</label>
            <input
              id={`${base}-value-${r.id}`}
              type="text"
              className="mono"
              placeholder={valuePlaceholder}
              autoComplete="off"
              spellCheck={false}
              value={r.value}
              onChange={(e) => set(r.id, { value: e.target.value })}
            />
          </div>
          <button
            type="button"
            className="button ghost small icon"
            aria-label={`Remove ${noun} ${i + 1}`}
            onClick={() => onChange(rows.filter((x) => x.id !== r.id))}
          >
            ✕
          </button>
        </div>
      ))}
      {error ? <p className="field-error">{error}</p> : null}
      <button type="button" className="button small" onClick={() => onChange([...rows, kvRow()])}>
        Add {noun}
      </button>
    </fieldset>
  );
}

type LabelWording = 'keyLabel' | 'valueLabel' | 'keyPlaceholder' | 'valuePlaceholder' | 'noun' | 'empty';

/**
 * A KeyValueEditor for worker labels, worded the same wherever labels are edited (tasks, groups,
 * registration tokens); `empty` defaults to "No labels.".
 */
export function LabelsEditor(props: Omit<Parameters<typeof KeyValueEditor>[0], LabelWording> & { empty?: string }) {
  return (
    <KeyValueEditor
      keyLabel="Label key"
      valueLabel="Label value"
      keyPlaceholder="zone"
      valuePlaceholder="eu-west"
      noun="label"
      {...props}
      empty={props.empty ?? 'No labels.'}
    />
  );
}
