'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { AcceptInvitationBody } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { Alert } from '../ui/alert.tsx';
import { describedBy, Field } from '../ui/field.tsx';
import { Spinner } from '../ui/skeleton.tsx';

/** The invitee's page: shows the team and role, asks for a password, joins and logs in. */
export function AcceptInvite({ token }: { token: string }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const invitation = useQuery({
    queryKey: queryKeys.invitation(token),
    queryFn: () => api.previewInvitation(token),
    retry: false,
  });
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const normalize = (path: string) => (path === 'password' ? path : null);

  const accept = useMutation({
    mutationFn: () => api.acceptInvitation(token, password),
    onSuccess: (me) => {
      queryClient.clear();
      queryClient.setQueryData(queryKeys.me, me);
      router.replace('/overview');
    },
    onError: (err) => {
      const fe = apiFieldErrors(err, normalize);
      if (fe) setErrors(fe);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    accept.reset();
    const parsed = AcceptInvitationBody.safeParse({ password });
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error, normalize));
      document.getElementById('invite-password')?.focus();
      return;
    }
    setErrors({});
    accept.mutate();
  }

  if (invitation.isPending) {
    return (
      <div className="auth-card">
        <Spinner label="Checking the invitation" />
      </div>
    );
  }
  if (invitation.isError) {
    return (
      <div className="auth-card">
        <h1>Invitation not valid</h1>
        <Alert>{errorMessage(invitation.error)}</Alert>
        <p className="auth-switch muted">
          Already joined? <Link href="/login">Log in</Link>
        </p>
      </div>
    );
  }

  const inv = invitation.data;
  const hint = 'At least 10 characters.';
  return (
    <div className="auth-card">
      <h1>Join {inv.tenant}</h1>
      <p className="muted">
        You were invited as <strong>{inv.role}</strong>. Choose a password for <strong>{inv.email}</strong> to join.
      </p>
      {accept.isError && !errors.password ? <Alert>{errorMessage(accept.error)}</Alert> : null}
      <form onSubmit={onSubmit} noValidate className="stack">
        <Field id="invite-email" label="Email">
          <input id="invite-email" type="email" value={inv.email} readOnly autoComplete="username" />
        </Field>
        <Field id="invite-password" label="Password" hint={hint} error={errors.password}>
          <input
            id="invite-password"
            type="password"
            autoComplete="new-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={describedBy('invite-password', true, errors.password)}
          />
        </Field>
        <button type="submit" className="button primary block" disabled={accept.isPending}>
          {accept.isPending ? 'Joining…' : `Join ${inv.tenant}`}
        </button>
      </form>
    </div>
  );
}
