'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { MouseEvent } from 'react';
import type { Run } from '@crony/shared';
import { formatDuration } from '../../lib/format.ts';
import { TableState } from '../ui/table-state.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, StackedTime } from '../ui/time.tsx';
import { AttemptCount, ManualTag, RunReason } from './run-meta.tsx';

export function lateness(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 0) return `${formatDuration(-ms)} early`;
  return `+${formatDuration(ms)}`;
}

export function httpClass(status: number): string {
  if (status >= 500) return 'http http-5xx';
  if (status >= 400) return 'http http-4xx';
  if (status >= 300) return 'http http-3xx';
  return 'http http-2xx';
}

/**
 * A click anywhere on a row opens the run, unless it lands on a link or button of its own or
 * ends a text selection. Keyboard and screen-reader users get the real link in the time cell.
 */
function useRowClick() {
  const router = useRouter();
  return (e: MouseEvent<HTMLTableRowElement>, href: string) => {
    if (e.defaultPrevented || e.button !== 0) return;
    if ((e.target as HTMLElement).closest('a, button, input, select, textarea, summary')) return;
    if (window.getSelection()?.toString()) return;
    if (e.metaKey || e.ctrlKey) window.open(href, '_blank', 'noopener');
    else router.push(href);
  };
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
  const onRowClick = useRowClick();
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
          <TableState columns={columns} pending={pending} empty={runs.length === 0 ? empty : null} />
          {runs.map((r) => {
            const href = `/runs/${r.id}`;
            return (
              <tr
                key={r.id}
                data-run-id={r.id}
                data-run-status={r.status}
                className="is-link"
                onClick={(e) => onRowClick(e, href)}
              >
                {showSchedule ? (
                  <td className="schedule-cell">
                    <Link href={`/schedules/${r.schedule_id}`} className="row-title">
                      {r.schedule_name}
                    </Link>
                  </td>
                ) : null}
                <td className="nowrap">
                  <span className="status-cell">
                    <StatusBadge status={r.status} />
                    <AttemptCount run={r} />
                    <RunReason run={r} />
                    <ManualTag run={r} />
                  </span>
                </td>
                <td className="nowrap">
                  <Link href={href} className="run-link">
                    <StackedTime iso={r.nominal_at} />
                  </Link>
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
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
