'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CreateWorkerTokenBody, type CreatedWorkerToken } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmAction } from '../ui/confirm-action.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { FormActions } from '../ui/form-actions.tsx';
import { LabelsEditor, rowsToRecord, type KeyValueRow } from '../ui/key-value-editor.tsx';
import { LabelChips } from '../ui/label-chips.tsx';
import { TableState } from '../ui/table-state.tsx';
import { DateTime } from '../ui/time.tsx';

/** Registration tokens (admin/owner): create one, copy its command once, revoke it. */
export function RegistrationTokens() {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: queryKeys.workerTokens, queryFn: api.listWorkerTokens });
  const [created, setCreated] = useState<CreatedWorkerToken | null>(null);

  const list = tokens.data ?? [];

  return (
    <section className="section" aria-labelledby="registration-title">
      <div className="section-header">
        <h2 id="registration-title">Registration tokens</h2>
      </div>
      <p className="muted small section-intro">
        A registration token lets a machine join as a worker. Revoking one stops new registrations with it; workers
        already registered keep working until you revoke them above.
      </p>

      {created ? <NewWorkerCommand token={created} onDone={() => setCreated(null)} /> : null}

      <CreateWorkerTokenForm
        onCreated={(t) => {
          setCreated(t);
          void queryClient.invalidateQueries({ queryKey: queryKeys.workerTokens });
        }}
      />

      {tokens.isError ? <QueryErrorAlert query={tokens} /> : null}

      <div className="table-wrap">
        <table className="table" aria-busy={tokens.isPending} aria-label="Registration tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Labels</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <TableState
              columns={5}
              rows={2}
              pending={tokens.isPending}
              empty={tokens.isSuccess && list.length === 0 ? 'No registration tokens yet.' : null}
            />
            {list.map((t) => (
              <tr key={t.id} data-worker-token-id={t.id} className={t.revoked_at ? 'is-revoked' : undefined}>
                <td className="row-title">{t.name}</td>
                <td>
                  <LabelChips labels={t.labels} />
                </td>
                <td className="mono small">{t.prefix}…</td>
                <td className="nowrap">
                  <DateTime iso={t.created_at} />
                </td>
                <td className="actions">
                  {t.revoked_at ? (
                    <span className="muted small" title={t.revoked_at}>
                      Revoked
                    </span>
                  ) : (
                    <ConfirmAction
                      label="Revoke"
                      accessibleLabel={`Revoke token ${t.name}`}
                      title="Revoke registration token?"
                      confirmLabel="Revoke token"
                      action={() => api.revokeWorkerToken(t.id)}
                      onDone={() => void queryClient.invalidateQueries({ queryKey: queryKeys.workerTokens })}
                    >
                      <p>
                        No new worker can register with <strong>{t.name}</strong> ({t.prefix}…). Workers already
                        registered with it keep working. This cannot be undone.
                      </p>
                    </ConfirmAction>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CreateWorkerTokenForm({ onCreated }: { onCreated: (t: CreatedWorkerToken) => void }) {
  const [name, setName] = useState('');
  const [labels, setLabels] = useState<KeyValueRow[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const normalize = (path: string) =>
    path === 'name' ? 'name' : path === 'labels' || path.startsWith('labels.') ? 'labels' : null;

  const create = useMutation({
    mutationFn: api.createWorkerToken,
    onSuccess: (t) => {
      setName('');
      setLabels([]);
      setErrors({});
      onCreated(t);
    },
    onError: (err) => setErrors(apiFieldErrors(err, normalize) ?? {}),
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    create.reset();
    const { record, error } = rowsToRecord(labels, 'label');
    const body = { name, labels: record };
    const parsed = CreateWorkerTokenBody.safeParse(body);
    const found: FieldErrors = {
      ...(parsed.success ? {} : zodFieldErrors(parsed.error, normalize)),
      ...(error ? { labels: error } : {}),
    };
    if (Object.keys(found).length > 0) {
      setErrors(found);
      return;
    }
    setErrors({});
    create.mutate(body);
  }

  return (
    <form className="card inline-form" onSubmit={onSubmit} noValidate aria-labelledby="new-worker-token-title">
      <h3 id="new-worker-token-title">New registration token</h3>
      <div className="inline-form-fields">
        <Field id="worker-token-name" label="Name" error={errors.name}>
          <input
            id="worker-token-name"
            type="text"
            placeholder="build-box-1"
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('worker-token-name', false, errors.name)}
          />
        </Field>
      </div>
      <LabelsEditor
        idPrefix="worker-token"
        errorKey="labels"
        legend="Labels"
        hint="Every worker registered with this token carries these labels (its own labels are added to them)."
        rows={labels}
        error={errors.labels}
        onChange={(rows) => {
          setLabels(rows);
          if (errors.labels) setErrors(({ labels: _, ...rest }) => rest);
        }}
      />
      <FormActions
        submitLabel="Create registration token"
        pending={create.isPending}
        requestError={create.isError ? errorMessage(create.error) : null}
        formError={errors['']}
      />
    </form>
  );
}

function NewWorkerCommand({ token, onDone }: { token: CreatedWorkerToken; onDone: () => void }) {
  return (
    <section className="card secret-card" aria-labelledby="worker-secret-title" role="status">
      <h3 id="worker-secret-title">Registration token “{token.name}” created</h3>
      <p>
        Run this on the machine that should run your commands. Copy it now: the token in it is shown only once and
        cannot be retrieved later.
      </p>
      <div className="secret-row">
        <code id="new-worker-command" className="secret" data-testid="worker-command">
          {token.command}
        </code>
        <CopyButton text={token.command} selectId="new-worker-command" />
        <button type="button" className="button ghost" onClick={onDone}>
          Done
        </button>
      </div>
      <p className="muted small">
        Token alone: <code data-testid="worker-token-secret">{token.token}</code>
      </p>
    </section>
  );
}
