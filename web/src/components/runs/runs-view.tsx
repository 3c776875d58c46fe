'use client';

import Link from 'next/link';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { RunStatus, retryableRunStatuses, runStatuses } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useAddressParams } from '../../lib/address-params.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { LoadMore } from '../ui/load-more.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { statusLabel } from '../ui/status-badge.tsx';
import { TimeRangeInputs, useTimeRange } from '../ui/time-range.tsx';
import { RunsTable } from './runs-table.tsx';

const REFRESH_MS = 2_000;

/**
 * All runs of the tenant, newest first, filterable by status, slot time range (and schedule,
 * from the address). The range is kept in the address as ISO instants, so a shared link means
 * the same runs in every zone; the inputs show it in the viewer's zone.
 */
export function RunsView() {
  const { searchParams, setParams } = useAddressParams();
  const statusParam = RunStatus.safeParse(searchParams.get('status'));
  const status = statusParam.success ? statusParam.data : undefined;
  const scheduleId = searchParams.get('schedule_id') ?? undefined;
  const range = useTimeRange(searchParams, setParams);
  const { from, to } = range;
  const worker = searchParams.get('worker') || undefined;

  const runs = useInfiniteQuery({
    queryKey: queryKeys.runList({ status, schedule_id: scheduleId, from, to, worker }),
    queryFn: ({ pageParam }) =>
      api.listRuns({ status, schedule_id: scheduleId, from, to, worker, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });

  const setParam = (key: string, value: string | undefined) => setParams({ [key]: value });

  const clearRange = () => {
    range.clearInputs();
    setParams({ from: undefined, to: undefined });
  };

  const workers = useQuery({ queryKey: queryKeys.workers, queryFn: api.listWorkers, staleTime: 30_000 });

  const rangeBackwards = from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to);
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
        <TimeRangeInputs range={range} idPrefix="run" label="Slot time range" caption="Slot time">
          {range.active ? (
            <button type="button" className="button ghost small" onClick={clearRange}>
              Clear range
            </button>
          ) : null}
        </TimeRangeInputs>
        <div className="field inline">
          <label htmlFor="run-worker">Worker</label>
          <select
            id="run-worker"
            value={worker ?? ''}
            onChange={(e) => setParam('worker', e.target.value || undefined)}
          >
            <option value="">Any executor</option>
            {(workers.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
            {worker && !workers.data?.some((w) => w.id === worker) ? <option value={worker}>{worker}</option> : null}
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

      {rangeBackwards ? (
        <Alert tone="info">“To” is not after “From”, so no run can match. Change one of them.</Alert>
      ) : null}
      {runs.isError ? <QueryErrorAlert query={runs} /> : null}

      <RetryAll status={status} scheduleId={scheduleId} from={from} to={to} worker={worker} />

      <RunsTable
        runs={list}
        pending={runs.isPending}
        showSchedule
        empty={emptyMessage(status, from !== undefined || to !== undefined)}
      />

      <LoadMore pages={runs} />
    </>
  );
}

function emptyMessage(status: RunStatus | undefined, ranged: boolean): string {
  const what = status ? `${statusLabel(status).toLowerCase()} runs` : 'runs';
  if (ranged) return `No ${what} in this time range.`;
  return status ? `No ${what}.` : 'No runs yet. Runs appear here as schedules fire.';
}

type Retryable = (typeof retryableRunStatuses)[number];

/**
 * "Retry all failed" for the filter on screen: with a status filter that can be retried, those
 * runs; otherwise the failed ones. The API retries at most 100 per call and says how many.
 */
function RetryAll(props: {
  status: RunStatus | undefined;
  scheduleId: string | undefined;
  from: string | undefined;
  to: string | undefined;
  worker: string | undefined;
}) {
  const canWrite = useHasRole('member');
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const status: Retryable = (retryableRunStatuses as readonly string[]).includes(props.status ?? '')
    ? (props.status as Retryable)
    : 'failed';
  const retry = useMutation({
    mutationFn: () =>
      api.retryRuns({ status, schedule_id: props.scheduleId, from: props.from, to: props.to, worker: props.worker }),
    onSuccess: () => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs });
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedules });
    },
  });
  if (!canWrite) return null;
  const what = `${statusLabel(status).toLowerCase()} runs`;
  return (
    <div className="retry-all">
      <button
        type="button"
        className="button small"
        onClick={() => {
          retry.reset();
          setOpen(true);
        }}
      >
        Retry all {what}
      </button>
      {retry.isSuccess ? (
        <span className="muted small" role="status" data-testid="retry-all-result">
          Retried {retry.data.retried} {retry.data.retried === 1 ? 'run' : 'runs'}
          {retry.data.skipped ? `; ${retry.data.skipped} skipped (already retried, or schedule deleted)` : ''}
          {retry.data.more ? '; more match — retry again for the next 100' : ''}.
        </span>
      ) : null}
      <ConfirmDialog
        open={open}
        title={`Retry all ${what}?`}
        confirmLabel="Retry them"
        pending={retry.isPending}
        error={retry.isError ? errorMessage(retry.error) : null}
        onCancel={() => setOpen(false)}
        onConfirm={() => retry.mutate()}
      >
        <p>
          Every {statusLabel(status).toLowerCase()} run matching the filters on this page (up to 100, newest first) gets
          a new manual run now, linked to it. A run is retried only once.
        </p>
      </ConfirmDialog>
    </div>
  );
}
