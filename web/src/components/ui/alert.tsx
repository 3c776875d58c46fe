import type { ReactNode } from 'react';
import { errorMessage } from '../../lib/api.ts';

/** A message about the whole page or form; errors are announced to screen readers. */
export function Alert({
  tone = 'error',
  children,
  action,
}: {
  tone?: 'error' | 'info' | 'success';
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div className="alert-body">{children}</div>
      {action ? <div className="alert-action">{action}</div> : null}
    </div>
  );
}

/** A query that failed, with Try again to refetch it; `lead` goes before the message. */
export function QueryErrorAlert({
  query,
  lead,
}: {
  query: { error: unknown; refetch: () => Promise<unknown> };
  lead?: string;
}) {
  return (
    <Alert
      action={
        <button type="button" className="button" onClick={() => void query.refetch()}>
          Try again
        </button>
      }
    >
      {lead}
      {errorMessage(query.error)}
    </Alert>
  );
}
