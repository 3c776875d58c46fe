'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CreateTokenBody, roleRank, roles, type CreatedToken, type Role } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useMe } from '../shell/me-context.tsx';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmAction } from '../ui/confirm-action.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { TableState } from '../ui/table-state.tsx';
import { DateTime, RelativeTime } from '../ui/time.tsx';

const roleHelp: Record<Role, string> = {
  viewer: 'read only',
  member: 'read and manage schedules',
  admin: 'also manage tokens and settings',
  owner: 'everything',
};

export function TokensView() {
  const me = useMe();
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: queryKeys.tokens, queryFn: api.listTokens });
  const [created, setCreated] = useState<CreatedToken | null>(null);

  // A token's role is at most its creator's.
  const grantable = roles.filter((r) => roleRank[r] <= roleRank[me.role]);
  const list = tokens.data ?? [];

  return (
    <>
      <div className="page-header">
        <div>
          <h1>API tokens</h1>
          <p className="muted">
            Call the API from scripts and services with <code>Authorization: Bearer crony_…</code>. A token acts for the
            whole tenant with the role you give it.
          </p>
        </div>
      </div>

      {created ? <NewTokenSecret token={created} onDone={() => setCreated(null)} /> : null}

      <CreateTokenForm
        roles={grantable}
        onCreated={(t) => {
          setCreated(t);
          void queryClient.invalidateQueries({ queryKey: queryKeys.tokens });
        }}
      />

      {tokens.isError ? <QueryErrorAlert query={tokens} /> : null}

      <div className="table-wrap">
        <table className="table" aria-busy={tokens.isPending}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <TableState
              columns={7}
              rows={3}
              pending={tokens.isPending}
              empty={tokens.isSuccess && list.length === 0 ? 'No tokens yet. Create one above to call the API.' : null}
            />
            {list.map((t) => (
              <tr key={t.id} data-token-id={t.id} className={t.revoked_at ? 'is-revoked' : undefined}>
                <td className="row-title">{t.name}</td>
                <td>
                  <span className="tag">{t.role}</span>
                </td>
                <td className="mono small">{t.prefix}…</td>
                <td className="nowrap">
                  <DateTime iso={t.created_at} />
                </td>
                <td className="nowrap">
                  {t.last_used_at ? <RelativeTime iso={t.last_used_at} /> : <span className="muted">Never</span>}
                </td>
                <td className="nowrap">
                  {t.expires_at ? <DateTime iso={t.expires_at} /> : <span className="muted">Never</span>}
                </td>
                <td className="actions">
                  {t.revoked_at ? (
                    <span className="muted small" title={t.revoked_at}>
                      Revoked
                    </span>
                  ) : (
                    <ConfirmAction
                      label="Revoke"
                      accessibleLabel={`Revoke ${t.name}`}
                      title="Revoke token?"
                      confirmLabel="Revoke token"
                      action={() => api.revokeToken(t.id)}
                      onDone={() => void queryClient.invalidateQueries({ queryKey: queryKeys.tokens })}
                    >
                      <p>
                        Requests with <strong>{t.name}</strong> ({t.prefix}…) will be refused from now on. This cannot
                        be undone.
                      </p>
                    </ConfirmAction>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <p className="muted small role-legend">Roles: {roles.map((r) => `${r} (${roleHelp[r]})`).join(' · ')}</p>
    </>
  );
}

function CreateTokenForm({ roles: grantable, onCreated }: { roles: Role[]; onCreated: (t: CreatedToken) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(grantable.includes('member') ? 'member' : (grantable[0] ?? 'viewer'));
  const [errors, setErrors] = useState<FieldErrors>({});
  const normalize = (path: string) => (path === 'name' || path === 'role' ? path : null);

  const create = useMutation({
    mutationFn: api.createToken,
    onSuccess: (t) => {
      setName('');
      setErrors({});
      onCreated(t);
    },
    onError: (err) => setErrors(apiFieldErrors(err, normalize) ?? {}),
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    create.reset();
    const body = { name, role };
    const parsed = CreateTokenBody.safeParse(body);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error, normalize));
      return;
    }
    setErrors({});
    create.mutate(body);
  }

  return (
    <form className="card inline-form" onSubmit={onSubmit} noValidate aria-labelledby="new-token-title">
      <h2 id="new-token-title">New token</h2>
      <div className="inline-form-fields">
        <Field id="token-name" label="Name" error={errors.name}>
          <input
            id="token-name"
            type="text"
            placeholder="ci-deploy"
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('token-name', false, errors.name)}
          />
        </Field>
        <Field id="token-role" label="Role" error={errors.role}>
          <select
            id="token-role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            aria-invalid={errors.role ? true : undefined}
            aria-describedby={describedBy('token-role', false, errors.role)}
          >
            {grantable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="button primary" disabled={create.isPending}>
          Create token
        </button>
      </div>
      {create.isError ? <p className="field-error">{errorMessage(create.error)}</p> : null}
      {errors[''] ? <p className="field-error">{errors['']}</p> : null}
    </form>
  );
}

function NewTokenSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  return (
    <section className="card secret-card" aria-labelledby="secret-title" role="status">
      <h2 id="secret-title">Token “{token.name}” created</h2>
      <p>Copy it now: it is shown only once and cannot be retrieved later.</p>
      <div className="secret-row">
        <code id="new-token-secret" className="secret" data-testid="new-token-secret">
          {token.token}
        </code>
        <CopyButton text={token.token} selectId="new-token-secret" />
        <button type="button" className="button ghost" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
