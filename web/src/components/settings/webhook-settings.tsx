'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, hooksApi } from '../../lib/api.ts';
import { hookKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { DateTime } from '../ui/time.tsx';

/**
 * The tenant's webhook signing secret: hidden until revealed, copyable, rotatable with a
 * confirmation. Admins and owners only; others are told why they cannot see it.
 */
export function WebhookSettings() {
  const isAdmin = useHasRole('admin');
  return (
    <section className="card" aria-labelledby="webhooks-title" data-testid="webhook-settings">
      <h2 id="webhooks-title">Webhook signing secret</h2>
      <p className="muted">
        Every hook event and every call to an HTTP target carries Standard Webhooks headers (<code>webhook-id</code>,{' '}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>): an HMAC-SHA256 under this secret. Verify them
        with the <code>standardwebhooks</code> library in Node or Python (see the README).
      </p>
      {isAdmin ? (
        <SecretPanel />
      ) : (
        <Alert tone="info">Only admins and owners can see or rotate the signing secret. Ask one of them.</Alert>
      )}
    </section>
  );
}

function SecretPanel() {
  const qc = useQueryClient();
  const secret = useQuery({ queryKey: hookKeys.webhookSecret, queryFn: hooksApi.webhookSecret });
  const [revealed, setRevealed] = useState(false);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const rotate = useMutation({
    mutationFn: hooksApi.rotateWebhookSecret,
    onSuccess: (data) => {
      qc.setQueryData(hookKeys.webhookSecret, data);
      setConfirming(false);
      setRevealed(true);
    },
  });

  if (secret.isPending) return <Spinner label="Loading the secret" />;
  if (secret.isError) return <Alert>{errorMessage(secret.error)}</Alert>;
  const s = secret.data;

  async function copy() {
    try {
      await navigator.clipboard.writeText(s.secret);
      setCopied('yes');
    } catch {
      setCopied('failed'); // clipboard refused (insecure origin, permissions): reveal it to copy by hand
      setRevealed(true);
    }
  }

  return (
    <>
      <div className="secret-row">
        <code className="secret" data-testid="webhook-secret">
          {revealed ? s.secret : `whsec_${'•'.repeat(24)}`}
        </code>
        <button type="button" className="button" onClick={() => setRevealed((r) => !r)}>
          {revealed ? 'Hide' : 'Reveal'}
        </button>
        <button type="button" className="button" onClick={() => void copy()}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button danger" onClick={() => setConfirming(true)}>
          Rotate…
        </button>
      </div>
      {copied === 'failed' ? (
        <p className="muted small">Could not reach the clipboard; copy the secret by hand.</p>
      ) : null}
      <p className="muted small">
        Created <DateTime iso={s.created_at} />.
        {s.previous_valid_until ? (
          <>
            {' '}
            The previous secret also signs until <DateTime iso={s.previous_valid_until} />.
          </>
        ) : null}
      </p>
      {rotate.isSuccess ? (
        <Alert tone="success">A new secret is in use. Update your receivers within 24 hours.</Alert>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title="Rotate the webhook secret?"
        confirmLabel="Rotate secret"
        pending={rotate.isPending}
        error={rotate.isError ? errorMessage(rotate.error) : null}
        onCancel={() => {
          setConfirming(false);
          rotate.reset();
        }}
        onConfirm={() => rotate.mutate()}
      >
        <p>
          A new secret signs from now on. For 24 hours the current one signs too (each request then carries two
          signatures), so receivers keep verifying while you update them. After that, only the new secret works.
        </p>
      </ConfirmDialog>
    </>
  );
}
