import Link from 'next/link';
import type { Run } from '@crony/shared';
import { formatDuration } from '../../lib/format.ts';
import { SkeletonRows } from '../ui/skeleton.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, StackedTime } from '../ui/time.tsx';

function lateness(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 0) return `${formatDuration(-ms)} early`;
  return `+${formatDuration(ms)}`;
}

function httpClass(status: number): string {
  if (status >= 500) return 'http http-5xx';
  if (status >= 400) return 'http http-4xx';
  if (status >= 300) return 'http http-3xx';
  return 'http http-2xx';
}

/** Runs, newest first as the API returns them; used by the runs page and a schedule's history. */
export function RunsTable({
  runs,
  pending,
  showSchedule,
  empty,
}: {
  runs: Run[];
  pending: boolean;
  showSchedule: boolean;
  empty: string;
}) {
  const columns = showSchedule ? 8 : 7;
  return (
    <div className="table-wrap">
      <table className="table runs-table" aria-busy={pending}>
        <thead>
          <tr>
            {showSchedule ? <th scope="col">Schedule</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Nominal time</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Lateness
            </th>
            <th scope="col" className="num">
              HTTP
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {pending ? <SkeletonRows columns={columns} /> : null}
          {!pending && runs.length === 0 ? (
            <tr>
              <td colSpan={columns} className="empty-row">
                {empty}
              </td>
            </tr>
          ) : null}
          {runs.map((r) => (
            <tr key={r.id} data-run-id={r.id} data-run-status={r.status}>
              {showSchedule ? (
                <td>
                  <Link href={`/schedules/${r.schedule_id}`} className="row-title">
                    {r.schedule_name}
                  </Link>
                </td>
              ) : null}
              <td className="nowrap">
                <StatusBadge status={r.status} />
                {r.attempt > 1 ? <span className="muted small"> attempt {r.attempt}</span> : null}
                {r.trigger === 'manual' ? <span className="tag">manual</span> : null}
              </td>
              <td className="nowrap">
                <StackedTime iso={r.nominal_at} />
              </td>
              <td className="nowrap">
                {r.started_at ? <DateTime iso={r.started_at} /> : <span className="muted">—</span>}
              </td>
              <td className="num nowrap">{r.duration_ms === null ? '—' : formatDuration(r.duration_ms)}</td>
              <td className="num nowrap">{lateness(r.lateness_ms)}</td>
              <td className="num">
                {r.http_status === null ? (
                  <span className="muted">—</span>
                ) : (
                  <span className={httpClass(r.http_status)}>{r.http_status}</span>
                )}
              </td>
              <td className="error-cell">
                {r.error ? (
                  <span title={r.error.code}>
                    <span className="error-text">{r.error.message}</span>
                  </span>
                ) : r.response_excerpt ? (
                  <span className="muted small mono truncate" title={r.response_excerpt}>
                    {r.response_excerpt}
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
