'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { parseDuration, type Schedule, type ScheduleStats } from '@crony/shared';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { durationInWords, whenInWords, whenRaw } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { ScheduleErrors } from '../errors/schedule-errors.tsx';
import { RunsTable } from '../runs/runs-table.tsx';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { PausedBadge, StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, RelativeTime, StackedTime } from '../ui/time.tsx';
import { EffectiveSettingsCard } from './effective-settings.tsx';
import { concurrencyText, misfireText, retryInWords } from './policies.ts';
import { TargetProps } from './target-props.tsx';
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

  const trigger = useMutation({
    mutationFn: () => api.triggerSchedule(s.id),
    onSuccess: (run) => {
      queryClient.setQueryData(queryKeys.run(run.id), run);
      // The history (and the stats) pick the new run up at once rather than on the next tick.
      void queryClient.invalidateQueries({ queryKey: queryKeys.scheduleRuns(s.id) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedule(s.id), exact: true });
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs });
    },
  });

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
            <button
              type="button"
              className="button primary"
              onClick={() => {
                toggle.reset();
                trigger.mutate();
              }}
              disabled={trigger.isPending}
              aria-busy={trigger.isPending}
              title="Call the target now, outside the schedule; recorded as a manual run"
            >
              Run now
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                trigger.reset();
                toggle.mutate(s);
              }}
              disabled={toggle.isPending}
            >
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
      {trigger.isError ? <Alert>{errorMessage(trigger.error)}</Alert> : null}
      {trigger.isSuccess ? (
        <Alert
          tone="success"
          action={
            <Link href={`/runs/${trigger.data.id}`} className="button small">
              View run
            </Link>
          }
        >
          Manual run started{s.paused ? ' (the schedule stays paused)' : ''}.
        </Alert>
      ) : null}

      <StatsStrip scheduleId={s.id} stats={s.stats} />

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
            <TargetProps target={s.target} />
            <dt>Concurrency</dt>
            <dd>
              <span data-testid="concurrency-policy">{concurrencyText[s.concurrency_policy].label}</span>
              <span className="muted small"> — {concurrencyText[s.concurrency_policy].explain}</span>
            </dd>
            <dt>Misfires</dt>
            <dd>
              <span data-testid="misfire-policy">{misfireText[s.misfire_policy].label}</span>
              <span className="muted small"> — {misfireText[s.misfire_policy].explain}</span>
            </dd>
            <dt>Catch-up window</dt>
            <dd>
              {catchupInWords(s.catchup_window)} <code className="muted small">{s.catchup_window}</code>
            </dd>
            <dt>Retries</dt>
            <dd>
              <div>{retryInWords(s.effective.retry)}</div>
              {s.effective.retry.max_attempts > 1 ? (
                <code className="muted small">
                  initial {s.effective.retry.initial_interval} · backoff ×{s.effective.retry.backoff_coefficient} · max{' '}
                  {s.effective.retry.max_interval}
                </code>
              ) : null}
            </dd>
            <dt>Next run</dt>
            <dd>
              <StackedTime
                iso={s.effective.paused ? null : s.next_run_at}
                empty={s.effective.paused ? 'Paused' : 'None'}
              />
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

      <EffectiveSettingsCard schedule={s} />

      <RunHistory scheduleId={s.id} />
      <ScheduleErrors schedule={s} />

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

function catchupInWords(window: string): string {
  const ms = parseDuration(window);
  return ms === null ? window : durationInWords(ms);
}

const statCells: { key: keyof ScheduleStats; label: string; status?: string }[] = [
  { key: 'runs', label: 'Runs' },
  { key: 'succeeded', label: 'Succeeded', status: 'succeeded' },
  { key: 'failed', label: 'Failed', status: 'failed' },
  { key: 'timed_out', label: 'Timed out', status: 'timed_out' },
  { key: 'missed', label: 'Missed', status: 'missed' },
  { key: 'cancelled', label: 'Cancelled', status: 'cancelled' },
  { key: 'active', label: 'Active', status: 'running' },
];

/** Counts over the schedule's whole run ledger; each opens the runs page filtered to it. */
function StatsStrip({ scheduleId, stats }: { scheduleId: string; stats: ScheduleStats | undefined }) {
  if (!stats) return null;
  return (
    <dl className="stats-strip" aria-label="Run counts" data-testid="schedule-stats">
      {statCells.map((c) => {
        const n = stats[c.key];
        // "Active" spans three statuses (queued, leased, running): the runs page filters by one.
        const href =
          c.key === 'active'
            ? null
            : `/runs?schedule_id=${encodeURIComponent(scheduleId)}${c.status ? `&status=${c.status}` : ''}`;
        const value = <span className="stat-value">{n.toLocaleString()}</span>;
        return (
          <div key={c.key} className="stat" data-stat={c.key} data-zero={n === 0 ? '' : undefined}>
            <dt>
              {c.status ? <span className="stat-dot" data-status={c.status} aria-hidden="true" /> : null}
              {c.label}
            </dt>
            <dd>{href && n > 0 ? <Link href={href}>{value}</Link> : value}</dd>
          </div>
        );
      })}
    </dl>
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
