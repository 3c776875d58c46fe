'use client';

import Link from 'next/link';
import type { RunStatus, ScheduleError } from '@crony/shared';
import { TableState } from '../ui/table-state.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, StackedTime } from '../ui/time.tsx';

/** What an error code means, for the code column's tooltip. */
const codeHelp: Record<string, string> = {
  http_status: 'The target answered with a non-2xx status',
  connection_error: 'The target could not be reached',
  target_timeout: 'The target did not answer in time',
  target_not_allowed: 'The target address is not allowed (private, loopback or metadata)',
  lease_expired: 'The executor stopped heartbeating',
  missed: 'The slot was not run',
  hook_failed: 'The error hook could not be delivered',
};

/** Error entries, newest first; each links to its run (logs, attempts, hook deliveries). */
export function ErrorsTable({
  errors,
  pending,
  showSchedule,
  empty,
}: {
  errors: ScheduleError[];
  pending: boolean;
  showSchedule: boolean;
  empty: string;
}) {
  const columns = showSchedule ? 6 : 5;
  return (
    <div className="table-wrap">
      <table className="table errors-table" aria-busy={pending} data-testid="errors-table">
        <thead>
          <tr>
            <th scope="col">Recorded</th>
            {showSchedule ? <th scope="col">Schedule</th> : null}
            <th scope="col">Kind</th>
            <th scope="col">Code</th>
            <th scope="col">Message</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          <TableState columns={columns} pending={pending} empty={errors.length === 0 ? empty : null} />
          {errors.map((e) => (
            <tr key={e.id} data-testid="error-row">
              <td>
                <StackedTime iso={e.at} />
              </td>
              {showSchedule ? (
                <td>
                  <Link href={`/schedules/${e.schedule_id}`}>{e.schedule_name}</Link>
                </td>
              ) : null}
              <td>{e.status ? <StatusBadge status={e.status as RunStatus} /> : <span className="tag">hook</span>}</td>
              <td className="mono" title={codeHelp[e.code]}>
                {e.code}
              </td>
              <td className="error-message">
                {e.message}
                {e.worker ? <span className="muted small"> · {e.worker}</span> : null}
              </td>
              <td>
                {e.run_id ? (
                  <Link href={`/runs/${e.run_id}`}>
                    {e.nominal_at ? <DateTime iso={e.nominal_at} /> : 'Open run'}
                    {e.attempt && e.attempt > 1 ? ` · attempt ${e.attempt}` : ''}
                  </Link>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
