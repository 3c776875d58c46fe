import type { ReactNode } from 'react';

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
