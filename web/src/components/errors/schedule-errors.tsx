'use client';

import Link from 'next/link';
import { useQueryClient } from '@tanstack/react-query';
import type { Schedule } from '@crony/shared';
import { hooksApi } from '../../lib/api.ts';
import { hookKeys, queryKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { ConfirmAction } from '../ui/confirm-action.tsx';
import { ErrorsTable } from './errors-table.tsx';

/**
 * A schedule's Errors tab: its latest failed, timed-out and missed runs and undeliverable error
 * hooks (the `errors` of `GET /v1/schedules/{id}`), with Clear for members and up.
 */
export function ScheduleErrors({ schedule: s }: { schedule: Schedule }) {
  const canClear = useHasRole('member');
  const qc = useQueryClient();
  // A PATCH or pause answer carries no `errors` (only GET does); the detail query refetches them.
  const loaded = s.errors !== undefined;
  const errors = s.errors ?? [];
  const clear = () => hooksApi.clearErrors(s.id);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: queryKeys.schedule(s.id) });
    void qc.invalidateQueries({ queryKey: hookKeys.errors });
  };

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
            <ConfirmAction
              label="Clear"
              title="Clear this schedule’s errors?"
              confirmLabel="Clear errors"
              action={clear}
              onDone={refresh}
              plain
            >
              <p>The list is emptied. The runs themselves, their logs and hook deliveries stay.</p>
            </ConfirmAction>
          ) : null}
        </span>
      </div>
      <ErrorsTable
        errors={errors}
        pending={!loaded}
        showSchedule={false}
        empty="No errors. Failed, timed-out and missed runs appear here."
      />
    </section>
  );
}
