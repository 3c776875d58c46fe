'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../lib/api.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

/**
 * A destructive button that asks first: it opens a confirmation, runs `action`, shows the
 * error in the dialog if it fails, and closes on success. Used for every revoke, remove and clear.
 */
export function ConfirmAction({
  label,
  accessibleLabel,
  title,
  confirmLabel,
  action,
  onDone,
  plain = false,
  children,
}: {
  /** The button's visible text, e.g. "Revoke". */
  label: string;
  /** The button's name for assistive tech when `label` is ambiguous in a table, e.g. "Revoke deploy bot". */
  accessibleLabel?: string;
  title: string;
  confirmLabel: string;
  action: () => Promise<unknown>;
  /** After success, e.g. to invalidate the list. */
  onDone?: () => void;
  /** A plain button instead of the red outline, for what loses no configuration (e.g. clearing a log). */
  plain?: boolean;
  /** What will happen, shown in the dialog. */
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const run = useMutation({
    mutationFn: action,
    onSuccess: () => {
      setOpen(false);
      onDone?.();
    },
  });
  return (
    <>
      <button
        type="button"
        className={plain ? 'button small' : 'button small danger-outline'}
        aria-label={accessibleLabel}
        onClick={() => {
          run.reset();
          setOpen(true);
        }}
      >
        {label}
      </button>
      <ConfirmDialog
        open={open}
        title={title}
        confirmLabel={confirmLabel}
        pending={run.isPending}
        error={run.isError ? errorMessage(run.error) : null}
        onCancel={() => setOpen(false)}
        onConfirm={() => run.mutate()}
      >
        {children}
      </ConfirmDialog>
    </>
  );
}
