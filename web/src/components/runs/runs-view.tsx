'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { RunStatus, runStatuses } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { Alert } from '../ui/alert.tsx';
import { statusLabel } from '../ui/status-badge.tsx';
import { RunsTable } from './runs-table.tsx';

const REFRESH_MS = 2_000;

/** All runs of the tenant, newest first, filterable by status (and schedule, from the address). */
export function RunsView() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const statusParam = RunStatus.safeParse(searchParams.get('status'));
  const status = statusParam.success ? statusParam.data : undefined;
  const scheduleId = searchParams.get('schedule_id') ?? undefined;

  const runs = useInfiniteQuery({
    queryKey: queryKeys.runList({ status, schedule_id: scheduleId }),
    queryFn: ({ pageParam }) => api.listRuns({ status, schedule_id: scheduleId, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });

  const setParam = (key: string, value: string | undefined) => {
    const params = new URLSearchParams(searchParams.toString());
    if (value) params.set(key, value);
    else params.delete(key);
    const qs = params.toString();
    // Next's router observes replaceState, so useSearchParams (the filter's source) follows.
    window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
  };

  const list = runs.data?.pages.flatMap((p) => p.data) ?? [];
  const scheduleName = scheduleId ? list.find((r) => r.schedule_id === scheduleId)?.schedule_name : undefined;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Runs</h1>
          <p className="muted">
            Every slot of every schedule, newest first. Refreshes every {REFRESH_MS / 1000} seconds.
          </p>
        </div>
      </div>

      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="run-status">Status</label>
          <select
            id="run-status"
            value={status ?? ''}
            onChange={(e) => setParam('status', e.target.value || undefined)}
          >
            <option value="">All statuses</option>
            {runStatuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        {scheduleId ? (
          <span className="filter-pill">
            Schedule: <Link href={`/schedules/${scheduleId}`}>{scheduleName ?? scheduleId}</Link>
            <button
              type="button"
              className="button ghost small icon"
              aria-label="Show runs of all schedules"
              onClick={() => setParam('schedule_id', undefined)}
            >
              ✕
            </button>
          </span>
        ) : null}
        {runs.isFetching && !runs.isPending ? (
          <span className="live-dot" title="Refreshing" aria-hidden="true" />
        ) : null}
      </div>

      {runs.isError ? <Alert>{errorMessage(runs.error)}</Alert> : null}

      <RunsTable
        runs={list}
        pending={runs.isPending}
        showSchedule
        empty={
          status ? `No ${statusLabel(status).toLowerCase()} runs.` : 'No runs yet. Runs appear here as schedules fire.'
        }
      />

      {runs.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="button"
            onClick={() => void runs.fetchNextPage()}
            disabled={runs.isFetchingNextPage}
          >
            {runs.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </>
  );
}
