'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Schedule } from '@crony/shared';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { formatDuration, whenInWords, whenRaw } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { RunsTable } from '../runs/runs-table.tsx';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { PausedBadge, StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, RelativeTime, StackedTime } from '../ui/time.tsx';
import { usePauseToggle } from './use-pause.ts';

const NEXT_COUNT = 10;
const RUNS_REFRESH_MS = 2_000;

export function ScheduleDetail({ id }: { id: string }) {
  const schedule = useQuery({
    queryKey: queryKeys.schedule(id),
    queryFn: () => api.getSchedule(id),
    refetchInterval: RUNS_REFRESH_MS, // same pace as the run history, so the two never disagree for long
  });

  if (schedule.isPending) {
    return (
      <div className="page-center">
        <Spinner />
      </div>
    );
  }
  if (schedule.isError) {
    if (isApiError(schedule.error) && schedule.error.status === 404) return <NotFound />;
    return (
      <Alert
        action={
          <button type="button" className="button" onClick={() => void schedule.refetch()}>
            Try again
          </button>
        }
      >
        {errorMessage(schedule.error)}
      </Alert>
    );
  }
  return <Loaded schedule={schedule.data} />;
}

export function NotFound() {
  return (
    <div className="empty-state card">
      <h1>Schedule not found</h1>
      <p className="muted">It may have been deleted, or it belongs to another tenant.</p>
      <Link href="/schedules" className="button">
        Back to schedules
      </Link>
    </div>
  );
}

function Loaded({ schedule: s }: { schedule: Schedule }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const canWrite = useHasRole('member');
  const toggle = usePauseToggle();
  const [confirming, setConfirming] = useState(false);

  const remove = useMutation({
    mutationFn: () => api.deleteSchedule(s.id),
    onSuccess: () => {
      router.replace('/schedules');
      // Mark lists stale without refetching now: an immediate refetch would ask for the deleted
      // schedule's own queries (404s) while this page is still mounted.
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedules, refetchType: 'none' });
      queryClient.removeQueries({ queryKey: queryKeys.schedule(s.id) });
    },
  });

  const t = s.target;
  const headerNames = Object.keys(t.headers ?? {});

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/schedules">Schedules</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{s.name}</span>
      </nav>

      <div className="page-header">
        <div>
          <div className="title-row">
            <h1>{s.name}</h1>
            <PausedBadge paused={s.paused} />
          </div>
          {s.description ? <p className="muted">{s.description}</p> : null}
        </div>
        {canWrite ? (
          <div className="header-actions">
            <button type="button" className="button" onClick={() => toggle.mutate(s)} disabled={toggle.isPending}>
              {s.paused ? 'Resume' : 'Pause'}
            </button>
            <Link href={`/schedules/${s.id}/edit`} className="button">
              Edit
            </Link>
            <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
              Delete
            </button>
          </div>
        ) : null}
      </div>

      {toggle.isError ? <Alert>{errorMessage(toggle.error)}</Alert> : null}

      <div className="detail-grid">
        <section className="card" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl className="props">
            <dt>When</dt>
            <dd>
              <div>{whenInWords(s)}</div>
              <code className="muted small">{whenRaw(s)}</code>
            </dd>
            <dt>Time zone</dt>
            <dd>{s.timezone}</dd>
            <dt>Target</dt>
            <dd>
              <code className="target">
                <span className="method">{t.method}</span> {t.url}
              </code>
            </dd>
            <dt>Timeout</dt>
            <dd>{formatDuration(t.timeout_ms)}</dd>
            {headerNames.length > 0 ? (
              <>
                <dt>Headers</dt>
                <dd className="mono small">{headerNames.join(', ')}</dd>
              </>
            ) : null}
            {t.body ? (
              <>
                <dt>Body</dt>
                <dd>
                  <pre className="body-preview">{t.body}</pre>
                </dd>
              </>
            ) : null}
            <dt>Next run</dt>
            <dd>
              <StackedTime iso={s.paused ? null : s.next_run_at} empty={s.paused ? 'Paused' : 'None'} />
            </dd>
            <dt>Last result</dt>
            <dd>
              {s.last_run ? (
                <span className="inline-gap">
                  <StatusBadge status={s.last_run.status} />
                  <span className="muted small">
                    <RelativeTime iso={s.last_run.finished_at ?? s.last_run.nominal_at} />
                  </span>
                </span>
              ) : (
                <span className="muted">No runs yet</span>
              )}
            </dd>
            <dt>Created</dt>
            <dd>
              <DateTime iso={s.created_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <DateTime iso={s.updated_at} />
            </dd>
          </dl>
        </section>

        <NextTimes schedule={s} />
      </div>

      <RunHistory scheduleId={s.id} />

      <ConfirmDialog
        open={confirming}
        title="Delete schedule?"
        confirmLabel="Delete schedule"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
        onConfirm={() => remove.mutate()}
      >
        <p>
          <strong>{s.name}</strong> will stop firing and be removed. Runs already recorded are kept. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

function NextTimes({ schedule: s }: { schedule: Schedule }) {
  const now = useNow(1000);
  const next = useQuery({
    queryKey: queryKeys.nextTimes(s.id, NEXT_COUNT),
    queryFn: () => api.nextTimes(s.id, NEXT_COUNT),
    refetchInterval: 5_000,
  });
  // Between refreshes, drop the times that have gone by rather than show them as "upcoming".
  const times = (next.data?.times ?? []).filter((t) => new Date(t).getTime() > now - 1000);

  return (
    <section className="card" aria-labelledby="next-title" data-testid="next-times">
      <h2 id="next-title">Next {NEXT_COUNT} runs</h2>
      <p className="muted small">
        In {s.timezone}
        {s.paused ? ' — paused: none of these will fire until it is resumed' : ''}
      </p>
      {next.isPending ? <Spinner /> : null}
      {next.isError ? <p className="field-error">{errorMessage(next.error)}</p> : null}
      {next.isSuccess && times.length === 0 ? <p className="muted">No upcoming runs.</p> : null}
      {times.length > 0 ? (
        <ol className={`fire-times${s.paused ? ' stale' : ''}`}>
          {times.map((t) => (
            <li key={t}>
              <DateTime iso={t} timeZone={s.timezone} withZone />
              <span className="muted small">
                <RelativeTime iso={t} />
              </span>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function RunHistory({ scheduleId }: { scheduleId: string }) {
  const runs = useInfiniteQuery({
    queryKey: queryKeys.scheduleRuns(scheduleId),
    queryFn: ({ pageParam }) => api.scheduleRuns(scheduleId, { cursor: pageParam, limit: 25 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: RUNS_REFRESH_MS,
  });
  const list = runs.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <section className="section" aria-labelledby="history-title">
      <div className="section-header">
        <h2 id="history-title">Run history</h2>
        <Link href={`/runs?schedule_id=${encodeURIComponent(scheduleId)}`} className="small">
          Open in Runs
        </Link>
      </div>
      {runs.isError ? <Alert>{errorMessage(runs.error)}</Alert> : null}
      <RunsTable runs={list} pending={runs.isPending} showSchedule={false} empty="No runs yet." />
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
    </section>
  );
}
