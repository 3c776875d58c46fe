'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent } from 'react';
import { IsoDateTime, RunStatus, retryableRunStatuses, runStatuses } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { browserTimeZone, isoToWallTime, wallTimeToIso } from '../../lib/zoned.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert } from '../ui/alert.tsx';
import { LoadMore } from '../ui/load-more.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { statusLabel } from '../ui/status-badge.tsx';
import { RunsTable } from './runs-table.tsx';

const REFRESH_MS = 2_000;

/** An instant from the address, or undefined when absent or not an ISO date-time. */
function instantParam(value: string | null): string | undefined {
  const parsed = IsoDateTime.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** An instant as a `datetime-local` value (minutes) in the viewer's zone. */
function toInput(iso: string | undefined, zone: string): string {
  return iso ? isoToWallTime(iso, zone).slice(0, 16) : '';
}

/**
 * All runs of the tenant, newest first, filterable by status, slot time range (and schedule,
 * from the address). The range is kept in the address as ISO instants, so a shared link means
 * the same runs in every zone; the inputs show it in the viewer's zone.
 */
export function RunsView() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const statusParam = RunStatus.safeParse(searchParams.get('status'));
  const status = statusParam.success ? statusParam.data : undefined;
  const scheduleId = searchParams.get('schedule_id') ?? undefined;
  const from = instantParam(searchParams.get('from'));
  const to = instantParam(searchParams.get('to'));
  const worker = searchParams.get('worker') || undefined;
  const [zone] = useState(browserTimeZone);
  // The inputs keep their own text: a half-typed date has no value yet and must not be wiped
  // by re-rendering from the address.
  const [fromInput, setFromInput] = useState(() => toInput(from, zone));
  const [toInputValue, setToInput] = useState(() => toInput(to, zone));

  const runs = useInfiniteQuery({
    queryKey: queryKeys.runList({ status, schedule_id: scheduleId, from, to, worker }),
    queryFn: ({ pageParam }) =>
      api.listRuns({ status, schedule_id: scheduleId, from, to, worker, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });

  const setParams = (changes: Record<string, string | undefined>) => {
    const params = new URLSearchParams(searchParams.toString());
    for (const [key, value] of Object.entries(changes)) {
      if (value) params.set(key, value);
      else params.delete(key);
    }
    const qs = params.toString();
    // Next's router observes replaceState, so useSearchParams (the filter's source) follows.
    window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
  };

  const setParam = (key: string, value: string | undefined) => setParams({ [key]: value });

  const onRangeInput = (key: 'from' | 'to', setInput: (v: string) => void) => (e: ChangeEvent<HTMLInputElement>) => {
    const { value, validity } = e.target;
    setInput(value);
    // An empty value with badInput is a date still being typed; only a complete one, or a
    // cleared field, changes the filter.
    if (value === '' && validity.badInput) return;
    setParam(key, value ? (wallTimeToIso(value, zone) ?? undefined) : undefined);
  };

  const clearRange = () => {
    setFromInput('');
    setToInput('');
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
        <div className="range" role="group" aria-label="Slot time range">
          <div className="field inline">
            <label htmlFor="run-from">From</label>
            <input
              id="run-from"
              type="datetime-local"
              value={fromInput}
              max={toInputValue || undefined}
              onChange={onRangeInput('from', setFromInput)}
              aria-describedby="run-range-zone"
            />
          </div>
          <div className="field inline">
            <label htmlFor="run-to">To</label>
            <input
              id="run-to"
              type="datetime-local"
              value={toInputValue}
              min={fromInput || undefined}
              onChange={onRangeInput('to', setToInput)}
              aria-describedby="run-range-zone"
            />
          </div>
          <span id="run-range-zone" className="muted small">
            Slot time, in {zone}
          </span>
          {from || to || fromInput || toInputValue ? (
            <button type="button" className="button ghost small" onClick={clearRange}>
              Clear range
            </button>
          ) : null}
        </div>
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
      {runs.isError ? <Alert>{errorMessage(runs.error)}</Alert> : null}

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
