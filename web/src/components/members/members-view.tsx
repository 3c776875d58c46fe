'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { InviteMemberBody, roleRank, roles, type CreatedInvitation, type Member, type Role } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole, useMe } from '../shell/me-context.tsx';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmAction } from '../ui/confirm-action.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { SkeletonRows } from '../ui/skeleton.tsx';
import { DateTime } from '../ui/time.tsx';

const roleHelp: Record<Role, string> = {
  viewer: 'reads everything',
  member: 'also writes schedules and tokens',
  admin: 'also manages members and workers',
  owner: 'everything; a team keeps at least one',
};

/** The team: who is in it with which role, pending invitations, and (for admins) invite/change/remove. */
export function MembersView() {
  const me = useMe();
  const isAdmin = useHasRole('admin');
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: queryKeys.members, queryFn: api.listMembers });
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.members });
  // You cannot grant a role above your own.
  const grantable = roles.filter((r) => roleRank[r] <= roleRank[me.role]);
  const list = members.data?.data ?? [];
  const invitations = members.data?.invitations ?? [];

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Members</h1>
          <p className="muted">Everyone who can log in to {me.tenant.name}, and their roles.</p>
        </div>
      </div>

      {isAdmin ? (
        <InviteForm
          grantable={grantable}
          onCreated={(inv) => {
            setCreated(inv);
            refresh();
          }}
        />
      ) : null}
      {created ? <InviteLink invitation={created} onDone={() => setCreated(null)} /> : null}

      {members.isError ? <QueryErrorAlert query={members} /> : null}

      <div className="table-wrap">
        <table className="table" aria-busy={members.isPending} data-testid="members">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.isPending ? <SkeletonRows columns={4} rows={2} /> : null}
            {list.map((m) => (
              <MemberRow
                key={m.id}
                member={m}
                isSelf={m.id === me.user?.id}
                canManage={isAdmin && roleRank[m.role] <= roleRank[me.role]}
                grantable={grantable}
                onChanged={refresh}
              />
            ))}
          </tbody>
        </table>
      </div>

      {isAdmin && invitations.length > 0 ? (
        <section className="section" aria-labelledby="invitations-title">
          <h2 id="invitations-title">Pending invitations</h2>
          <div className="table-wrap">
            <table className="table" data-testid="invitations">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invitations.map((i) => (
                  <tr key={i.id}>
                    <td className="row-title">{i.email}</td>
                    <td>
                      <span className="tag">{i.role}</span>
                    </td>
                    <td className="nowrap">
                      <DateTime iso={i.expires_at} />
                    </td>
                    <td className="actions">
                      <ConfirmAction
                        label="Withdraw"
                        accessibleLabel={`Withdraw invitation for ${i.email}`}
                        title="Withdraw invitation?"
                        confirmLabel="Withdraw"
                        action={() => api.revokeInvitation(i.id)}
                        onDone={refresh}
                      >
                        <p>
                          The link sent to <strong>{i.email}</strong> stops working. You can invite them again later.
                        </p>
                      </ConfirmAction>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <p className="muted small role-legend">Roles: {roles.map((r) => `${r} (${roleHelp[r]})`).join(' · ')}</p>
    </>
  );
}

function MemberRow({
  member: m,
  isSelf,
  canManage,
  grantable,
  onChanged,
}: {
  member: Member;
  isSelf: boolean;
  canManage: boolean;
  grantable: readonly Role[];
  onChanged: () => void;
}) {
  const change = useMutation({ mutationFn: (role: Role) => api.changeRole(m.id, role), onSuccess: onChanged });
  const selectId = `role-${m.id}`;
  return (
    <tr data-member-id={m.id}>
      <td className="row-title">
        {m.email}
        {isSelf ? <span className="muted small"> (you)</span> : null}
      </td>
      <td>
        {canManage ? (
          <>
            <label htmlFor={selectId} className="sr-only">
              Role of {m.email}
            </label>
            <select
              id={selectId}
              value={change.isPending && change.variables ? change.variables : m.role}
              disabled={change.isPending}
              onChange={(e) => change.mutate(e.target.value as Role)}
            >
              {grantable.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            {change.isError ? (
              <p className="field-error small" role="alert">
                {errorMessage(change.error)}
              </p>
            ) : null}
          </>
        ) : (
          <span className="tag">{m.role}</span>
        )}
      </td>
      <td className="nowrap">
        <DateTime iso={m.created_at} />
      </td>
      <td className="actions">
        {canManage ? (
          <ConfirmAction
            label={isSelf ? 'Leave' : 'Remove'}
            accessibleLabel={`Remove ${m.email}`}
            title={isSelf ? 'Leave this team?' : 'Remove member?'}
            confirmLabel={isSelf ? 'Leave team' : 'Remove member'}
            action={() => api.removeMember(m.id)}
            onDone={isSelf ? () => window.location.assign('/login') : onChanged}
          >
            <p>
              <strong>{m.email}</strong> can no longer log in, and the API tokens they created are revoked. Schedules
              stay. This cannot be undone; invite them again to bring them back.
            </p>
          </ConfirmAction>
        ) : null}
      </td>
    </tr>
  );
}

const inviteInput = (key: string) => `invite-${key}`;

function InviteForm({
  grantable,
  onCreated,
}: {
  grantable: readonly Role[];
  onCreated: (inv: CreatedInvitation) => void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [errors, setErrors] = useState<FieldErrors>({});
  const normalize = (path: string) => (path === 'email' || path === 'role' ? path : null);
  const invite = useMutation({
    mutationFn: api.inviteMember,
    onSuccess: (inv) => {
      setEmail('');
      onCreated(inv);
    },
    onError: (err) => {
      const fe = apiFieldErrors(err, normalize);
      if (fe) setErrors(fe);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    invite.reset();
    const parsed = InviteMemberBody.safeParse({ email, role });
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error, normalize));
      return;
    }
    setErrors({});
    invite.mutate(parsed.data);
  }

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-labelledby="invite-title">
      <h2 id="invite-title">Invite a member</h2>
      <p className="muted small">
        No email is sent: you get a one-time link to pass on. It works for 7 days; the invitee sets a password and
        joins.
      </p>
      <div className="invite-form">
        <Field id={inviteInput('email')} label="Email" error={errors.email}>
          <input
            id={inviteInput('email')}
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={describedBy(inviteInput('email'), false, errors.email)}
          />
        </Field>
        <Field id={inviteInput('role')} label="Role" error={errors.role}>
          <select id={inviteInput('role')} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {grantable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="button primary" disabled={invite.isPending}>
          Create invitation
        </button>
      </div>
      {invite.isError && !errors.email ? <p className="field-error">{errorMessage(invite.error)}</p> : null}
    </form>
  );
}

function InviteLink({ invitation, onDone }: { invitation: CreatedInvitation; onDone: () => void }) {
  const link = `${window.location.origin}${invitation.accept_path}`;
  return (
    <section className="card secret-card" aria-labelledby="invite-link-title" role="status">
      <h2 id="invite-link-title">Invitation for {invitation.email}</h2>
      <p>
        Send this link to {invitation.email} yourself (no email was sent). It is shown only once and works one time,
        until <DateTime iso={invitation.expires_at} />.
      </p>
      <div className="invite-link secret-row">
        <code id="invite-link" className="secret" data-testid="invite-link">
          {link}
        </code>
        <CopyButton text={link} selectId="invite-link" />
        <button type="button" className="button ghost" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
