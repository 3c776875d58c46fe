'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { LoginBody, SignupBody, type Me } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { apiFieldErrors, focusFirstError, zodFieldErrors, type FieldErrors } from '../../lib/form-errors.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { Alert } from '../ui/alert.tsx';
import { describedBy, Field } from '../ui/field.tsx';

type Mode = 'login' | 'signup';
type Values = { email: string; password: string; tenant: string };

const fieldsOf: Record<Mode, (keyof Values)[]> = {
  login: ['email', 'password'],
  signup: ['email', 'password', 'tenant'],
};

const inputId = (key: string) => `auth-${key}`;

/** Where to go after logging in: the `next` page the visitor was sent away from, if it is ours. */
function afterAuth(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')) return next;
  return '/overview';
}

/** The login and signup forms: one component, since they differ only in a field and a call. */
export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>({ email: '', password: '', tenant: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const fields = fieldsOf[mode];
  const normalize = (path: string) => (fields.includes(path as keyof Values) ? path : null);

  const submit = useMutation({
    mutationFn: (body: Values): Promise<Me> =>
      mode === 'login' ? api.login({ email: body.email, password: body.password }) : api.signup(body),
    onSuccess: (me) => {
      queryClient.clear();
      queryClient.setQueryData(queryKeys.me, me);
      router.replace(afterAuth());
    },
    onError: (err) => {
      const fieldErrors = apiFieldErrors(err, normalize);
      if (fieldErrors) {
        setErrors(fieldErrors);
        focusFirstError(fieldErrors, inputId);
      }
    },
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit.reset();
    const parsed =
      mode === 'login'
        ? LoginBody.safeParse({ email: values.email, password: values.password })
        : SignupBody.safeParse(values);
    if (!parsed.success) {
      const fieldErrors = zodFieldErrors(parsed.error, normalize);
      setErrors(fieldErrors);
      focusFirstError(fieldErrors, inputId);
      return;
    }
    setErrors({});
    submit.mutate(values);
  }

  const set = (key: keyof Values) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [key]: e.target.value }));
    if (errors[key]) setErrors(({ [key]: _, ...rest }) => rest);
  };

  const input = (key: keyof Values, hint?: string) => ({
    id: inputId(key),
    name: key,
    value: values[key],
    onChange: set(key),
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': describedBy(inputId(key), Boolean(hint), errors[key]),
  });

  const passwordHint = mode === 'signup' ? 'At least 10 characters.' : undefined;
  const tenantHint = 'Your team or company. Schedules, runs and tokens belong to it.';

  return (
    <div className="auth-card">
      <h1>{mode === 'login' ? 'Log in to Cloud Crony' : 'Create your Cloud Crony account'}</h1>
      <p className="muted">
        {mode === 'login'
          ? 'Scheduling as a service: cron, intervals and one-off runs.'
          : 'Start scheduling in a minute.'}
      </p>
      {submit.isError ? <Alert>{errorMessage(submit.error)}</Alert> : null}
      {errors[''] && !submit.isError ? <Alert>{errors['']}</Alert> : null}
      <form onSubmit={onSubmit} noValidate className="stack">
        <Field id={inputId('email')} label="Email" error={errors.email}>
          <input type="email" autoComplete="email" autoFocus {...input('email')} />
        </Field>
        <Field id={inputId('password')} label="Password" hint={passwordHint} error={errors.password}>
          <input
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            {...input('password', passwordHint)}
          />
        </Field>
        {mode === 'signup' ? (
          <Field id={inputId('tenant')} label="Tenant name" hint={tenantHint} error={errors.tenant}>
            <input type="text" autoComplete="organization" {...input('tenant', tenantHint)} />
          </Field>
        ) : null}
        <button type="submit" className="button primary block" disabled={submit.isPending}>
          {submit.isPending
            ? mode === 'login'
              ? 'Logging in…'
              : 'Creating account…'
            : mode === 'login'
              ? 'Log in'
              : 'Create account'}
        </button>
      </form>
      <p className="auth-switch muted">
        {mode === 'login' ? (
          <>
            New here? <Link href="/signup">Create an account</Link>
          </>
        ) : (
          <>
            Already have an account? <Link href="/login">Log in</Link>
          </>
        )}
      </p>
    </div>
  );
}
