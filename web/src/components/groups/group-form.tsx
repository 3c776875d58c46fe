'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CreateGroupBody, UpdateGroupBody, type Group } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, focusFirstError, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { ProfileOptions } from '../profiles/profile-options.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { FormActions } from '../ui/form-actions.tsx';
import { KeyValueEditor, LabelsEditor, kvRow, rowsToRecord, type KeyValueRow } from '../ui/key-value-editor.tsx';

const fields = ['name', 'description', 'profile', 'labels', 'defaults.headers', 'defaults.env'] as const;
const normalize = (path: string) =>
  (fields as readonly string[]).find((f) => path === f || path.startsWith(`${f}.`)) ?? null;
const rowsOf = (r: Record<string, string> | undefined) => Object.entries(r ?? {}).map(([k, v]) => kvRow(k, v));

/** Creates a group (no `group`) or edits one: name, profile, labels and target defaults. */
export function GroupForm({
  group,
  onSaved,
  onCancel,
}: {
  group: Group | null;
  onSaved: (g: Group) => void;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(group?.name ?? '');
  const [description, setDescription] = useState(group?.description ?? '');
  const [profile, setProfile] = useState(group?.profile ?? '');
  const [labels, setLabels] = useState<KeyValueRow[]>(() => rowsOf(group?.labels));
  const [headers, setHeaders] = useState<KeyValueRow[]>(() => rowsOf(group?.defaults.headers));
  const [env, setEnv] = useState<KeyValueRow[]>(() => rowsOf(group?.defaults.env));
  const [errors, setErrors] = useState<FieldErrors>({});
  const prefix = group ? `group-${group.id}` : 'group-new';
  const fieldId = (k: string) => `${prefix}-${k.replace(/\./g, '-')}`;
  const clear = (k: string) => errors[k] && setErrors(({ [k]: _, ...rest }) => rest);

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      group ? api.updateGroup(group.id, body) : api.createGroup(body as Parameters<typeof api.createGroup>[0]),
    onSuccess: (g) => {
      setErrors({});
      if (!group) {
        setName('');
        setDescription('');
        setProfile('');
        setLabels([]);
        setHeaders([]);
        setEnv([]);
      }
      onSaved(g);
    },
    onError: (err) => {
      const found = apiFieldErrors(err, normalize);
      if (found) setErrors(found);
    },
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    save.reset();
    const l = rowsToRecord(labels, 'label');
    const h = rowsToRecord(headers, 'header', (a, b) => a.toLowerCase() === b.toLowerCase());
    const v = rowsToRecord(env, 'variable');
    const body = {
      name: name.trim(),
      description: description.trim() === '' ? null : description,
      profile: profile === '' ? null : profile,
      labels: l.record,
      defaults: { headers: h.record, env: v.record },
    };
    const parsed = (group ? UpdateGroupBody : CreateGroupBody).safeParse(body);
    const found: FieldErrors = {
      ...(parsed.success ? {} : zodFieldErrors(parsed.error, normalize)),
      ...(l.error ? { labels: l.error } : {}),
      ...(h.error ? { 'defaults.headers': h.error } : {}),
      ...(v.error ? { 'defaults.env': v.error } : {}),
    };
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirstError(found, fieldId);
      return;
    }
    setErrors({});
    save.mutate(body);
  }

  return (
    <form
      className="card stack"
      onSubmit={onSubmit}
      noValidate
      aria-label={group ? `Edit group ${group.name}` : 'New group'}
    >
      <h3>{group ? `Edit “${group.name}”` : 'New group'}</h3>
      <div className="field-row">
        <Field
          id={fieldId('name')}
          label="Name"
          hint="Lowercase letters, digits and dashes; used in /v1/schedules/{name}/tasks."
          error={errors.name}
        >
          <input
            id={fieldId('name')}
            type="text"
            autoComplete="off"
            placeholder="nightly-etl"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              clear('name');
            }}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy(fieldId('name'), true, errors.name)}
          />
        </Field>
        <Field
          id={fieldId('profile')}
          label="Profile"
          hint="For tasks that name no profile of their own."
          error={errors.profile}
        >
          <select
            id={fieldId('profile')}
            value={profile}
            onChange={(e) => {
              setProfile(e.target.value);
              clear('profile');
            }}
            aria-invalid={errors.profile ? true : undefined}
            aria-describedby={describedBy(fieldId('profile'), true, errors.profile)}
          >
            <option value="">The default profile</option>
            <ProfileOptions />
          </select>
        </Field>
      </div>
      <Field id={fieldId('description')} label="Description" error={errors.description}>
        <input
          id={fieldId('description')}
          type="text"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          aria-describedby={describedBy(fieldId('description'), false, errors.description)}
        />
      </Field>
      <LabelsEditor
        idPrefix={prefix}
        errorKey="labels"
        legend="Worker labels"
        hint="Every command task of the group needs a worker with these labels too (a task's own label of the same name wins)."
        rows={labels}
        error={errors.labels}
        onChange={(rows) => {
          setLabels(rows);
          clear('labels');
        }}
      />
      <KeyValueEditor
        idPrefix={prefix}
        errorKey="defaults.headers"
        legend="Default HTTP headers"
        hint="Added to the requests of HTTP tasks; a task's own header of the same name wins."
        keyLabel="Header name"
        valueLabel="Header value"
        keyPlaceholder="X-Team"
        valuePlaceholder="data"
        noun="header"
        empty="No headers."
        rows={headers}
        error={errors['defaults.headers']}
        onChange={(rows) => {
          setHeaders(rows);
          clear('defaults.headers');
        }}
      />
      <KeyValueEditor
        idPrefix={prefix}
        errorKey="defaults.env"
        legend="Default environment"
        hint="Added to the environment of command tasks; a task's own variable of the same name wins."
        keyLabel="Variable name"
        valueLabel="Value"
        keyPlaceholder="REGION"
        valuePlaceholder="eu-1"
        noun="variable"
        empty="No variables."
        rows={env}
        error={errors['defaults.env']}
        onChange={(rows) => {
          setEnv(rows);
          clear('defaults.env');
        }}
      />
      <FormActions
        submitLabel={group ? 'Save group' : 'Create group'}
        pending={save.isPending}
        onCancel={onCancel}
        requestError={save.isError && !apiFieldErrors(save.error, normalize) ? errorMessage(save.error) : null}
        formError={errors['']}
      />
    </form>
  );
}
