'use client';

import Link from 'next/link';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Schedule } from '@crony/shared';
import { errorMessage, hooksApi } from '../../lib/api.ts';
import { hookKeys, queryKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { ErrorsTable } from './errors-table.tsx';

/**
 * A schedule's Errors tab: its latest failed, timed-out and missed runs and undeliverable error
 * hooks (the `errors` of `GET /v1/schedules/{id}`), with Clear for members and up.
 */
export function ScheduleErrors({ schedule: s }: { schedule: Schedule }) {
  const canClear = useHasRole('member');
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  // A PATCH or pause answer carries no `errors` (only GET does); the detail query refetches them.
  const loaded = s.errors !== undefined;
  const errors = s.errors ?? [];
  const clear = useMutation({
    mutationFn: () => hooksApi.clearErrors(s.id),
    onSuccess: async () => {
      setConfirming(false);
      await Promise.all([
        qc.invalidateQueries({ queryKey: queryKeys.schedule(s.id) }),
        qc.invalidateQueries({ queryKey: hookKeys.errors }),
      ]);
    },
  });

  return (
    <section className="section" aria-labelledby="schedule-errors-title" data-testid="schedule-errors">
      <div className="section-header">
        <h2 id="schedule-errors-title">
          Errors {errors.length > 0 ? <span className="count">{errors.length}</span> : null}
        </h2>
        <span className="section-actions">
          <Link href={`/errors?schedule_id=${encodeURIComponent(s.id)}`} className="small">
            Open in Errors
          </Link>
          {canClear && errors.length > 0 ? (
            <button type="button" className="button small" onClick={() => setConfirming(true)}>
              Clear
            </button>
          ) : null}
        </span>
      </div>
      {clear.isError && !confirming ? <Alert>{errorMessage(clear.error)}</Alert> : null}
      <ErrorsTable
        errors={errors}
        pending={!loaded}
        showSchedule={false}
        empty="No errors. Failed, timed-out and missed runs appear here."
      />
      <ConfirmDialog
        open={confirming}
        title="Clear this schedule’s errors?"
        confirmLabel="Clear errors"
        pending={clear.isPending}
        error={clear.isError ? errorMessage(clear.error) : null}
        onCancel={() => {
          setConfirming(false);
          clear.reset();
        }}
        onConfirm={() => clear.mutate()}
      >
        <p>The list is emptied. The runs themselves, their logs and hook deliveries stay.</p>
      </ConfirmDialog>
    </section>
  );
}
