'use client';

import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  activeRunStatuses,
  finalRunStatuses,
  retryableRunStatuses,
  type Attempt,
  type Run,
  type Schedule,
} from '@crony/shared';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { formatDuration, formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useRunStream } from '../../lib/run-events.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, RelativeTime } from '../ui/time.tsx';
import { HookDeliveries } from './hook-deliveries.tsx';
import { RunLogs } from './run-logs.tsx';
import { DispatchProps, PreemptedNote, reasonLong, reasonShort } from './run-meta.tsx';
import { RunProgress } from './run-progress.tsx';
import { httpClass, lateness } from './runs-table.tsx';

const REFRESH_MS = 2_000;

const isFinal = (run: Run | undefined) => run !== undefined && finalRunStatuses.includes(run.status);

export function RunDetail({ id }: { id: string }) {
  const [final, setFinal] = useState(false);
  // Live updates come over server-sent events; the poll is only a fallback while the stream is down.
  const streaming = useRunStream(id, !final);
  const run = useQuery({
    queryKey: queryKeys.run(id),
    queryFn: () => api.getRun(id),
    // A final run never changes again.
    refetchInterval: (q) => (isFinal(q.state.data) || streaming ? false : REFRESH_MS),
  });
  const nowFinal = isFinal(run.data);
  if (nowFinal !== final) setFinal(nowFinal);

  if (run.isPending) {
    return (
      <div className="page-center">
        <Spinner />
      </div>
    );
  }
  if (run.isError) {
    if (isApiError(run.error) && run.error.status === 404) return <RunNotFound />;
    return <QueryErrorAlert query={run} />;
  }
  return <Loaded run={run.data} refreshing={streaming || run.isFetching} />;
}

function RunNotFound() {
  return (
    <div className="empty-state card">
      <h1>Run not found</h1>
      <p className="muted">It may belong to another tenant, or the address is mistyped.</p>
      <Link href="/runs" className="button">
        Back to runs
      </Link>
    </div>
  );
}

function Loaded({ run: r, refreshing }: { run: Run; refreshing: boolean }) {
  const queryClient = useQueryClient();
  const canWrite = useHasRole('member');
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const cancellable = activeRunStatuses.includes(r.status);
  const retryable = (retryableRunStatuses as readonly string[]).includes(r.status);
  const kind = useTargetKind(r);

  const retry = useMutation({
    mutationFn: () => api.retryRun(r.id),
    onSuccess: (run) => {
      queryClient.setQueryData(queryKeys.run(run.id), run);
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs });
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedule(run.schedule_id) });
    },
  });

  const cancel = useMutation({
    mutationFn: () => api.cancelRun(r.id),
    onSuccess: (run) => {
      setConfirming(false);
      queryClient.setQueryData(queryKeys.run(run.id), run);
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs });
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedule(run.schedule_id) });
    },
    onError: (err) => {
      // It finished while the dialog was open: nothing left to cancel, so say so on the page.
      if (isApiError(err) && err.code === 'conflict') {
        setConfirming(false);
        setNotice(err.message);
        cancel.reset();
        void queryClient.invalidateQueries({ queryKey: queryKeys.run(r.id) });
      }
    },
  });

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/runs">Runs</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/runs?schedule_id=${encodeURIComponent(r.schedule_id)}`}>{r.schedule_name}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Run</span>
      </nav>

      <div className="page-header">
        <div>
          <div className="title-row">
            <h1>
              <Link href={`/schedules/${r.schedule_id}`} className="title-link">
                {r.schedule_name}
              </Link>
            </h1>
            <span data-testid="run-status">
              <StatusBadge status={r.status} />
            </span>
            <span className={r.trigger === 'manual' ? 'tag manual' : 'tag'} data-testid="run-trigger">
              {r.trigger === 'manual' ? 'manual' : r.trigger === 'hook' ? 'hook' : 'scheduled'}
            </span>
            {r.reason && r.reason !== 'manual' ? (
              <span className="reason" data-reason={r.reason} title={reasonLong(r.reason)}>
                {reasonShort(r.reason)}
              </span>
            ) : null}
            {refreshing && !isFinal(r) ? <span className="live-dot" title="Refreshing" aria-hidden="true" /> : null}
          </div>
          <p className="muted">
            Slot <DateTime iso={r.nominal_at} withZone /> · run <code className="small">{r.id}</code>
          </p>
        </div>
        {canWrite && (cancellable || retryable) ? (
          <div className="header-actions">
            {cancellable ? (
              <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
                Cancel run
              </button>
            ) : null}
            {retryable ? (
              <button
                type="button"
                className="button primary"
                onClick={() => retry.mutate()}
                disabled={retry.isPending || retry.isSuccess}
                title="Start a new manual run of this schedule now, linked to this one"
              >
                Retry
              </button>
            ) : null}
          </div>
        ) : null}
      </div>

      {r.retry_of ? (
        <p className="muted small">
          Retry of <Link href={`/runs/${r.retry_of}`}>run {r.retry_of}</Link>
        </p>
      ) : null}
      {retry.isError ? <Alert>{errorMessage(retry.error)}</Alert> : null}
      {retry.isSuccess ? (
        <Alert
          tone="success"
          action={
            <Link href={`/runs/${retry.data.id}`} className="button small">
              Open the retry
            </Link>
          }
        >
          Retry started as a new run.
        </Alert>
      ) : null}

      {notice ? (
        <Alert
          tone="info"
          action={
            <button type="button" className="button small" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          }
        >
          {notice}
        </Alert>
      ) : null}

      <RunState run={r} />
      <RunProgress progress={r.progress} active={!isFinal(r)} />

      <div className="detail-grid run-grid">
        <section className="card" aria-labelledby="run-outcome-title">
          <h2 id="run-outcome-title">Outcome</h2>
          <Outcome run={r} kind={kind} />
        </section>

        <section className="card" aria-labelledby="run-timing-title">
          <h2 id="run-timing-title">Timing</h2>
          <Timing run={r} />
        </section>
      </div>

      <section className="section" aria-labelledby="attempts-title">
        <div className="section-header">
          <h2 id="attempts-title">Attempts</h2>
          <span className="muted small">
            {r.max_attempts > 1 ? `Up to ${r.max_attempts} attempts` : 'No retries (1 attempt)'}
          </span>
        </div>
        <AttemptsTable run={r} />
      </section>

      <RunLogs runId={r.id} active={!isFinal(r)} />
      <HookDeliveries runId={r.id} active={!isFinal(r)} />

      <ConfirmDialog
        open={confirming}
        title="Cancel this run?"
        confirmLabel="Cancel run"
        cancelLabel="Keep running"
        pending={cancel.isPending}
        error={cancel.isError ? errorMessage(cancel.error) : null}
        onCancel={() => {
          setConfirming(false);
          cancel.reset();
        }}
        onConfirm={() => cancel.mutate()}
      >
        <p>
          {r.status === 'queued'
            ? 'The run will not start. '
            : 'The executor stops waiting for the target; a request already sent may still complete there. '}
          A cancelled run is not retried. The schedule’s next slots are not affected.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** What the run is doing right now, for a run that is not final: leased, running, or waiting. */
function RunState({ run: r }: { run: Run }) {
  const now = useNow(1000);
  if (isFinal(r)) return null;

  const of = r.max_attempts > 1 ? ` of ${r.max_attempts}` : '';
  if (r.lease) {
    const expires = new Date(r.lease.expires_at).getTime();
    return (
      <div className="run-state" data-testid="run-lease" role="status">
        <span className="run-state-title">
          {r.status === 'leased' ? 'Leased' : 'Running'}: attempt {r.attempt}
          {of}
        </span>
        <span>
          Lease held by <code>{r.lease.owner}</code>,{' '}
          {expires > now ? 'expires' : <span className="warn">expired</span>}{' '}
          <time dateTime={r.lease.expires_at} title={r.lease.expires_at}>
            {formatRelative(r.lease.expires_at, now)}
          </time>
          <span className="muted"> (renewed while the executor is alive)</span>
        </span>
      </div>
    );
  }
  if (r.status === 'queued') {
    const waiting = r.available_at !== null && new Date(r.available_at).getTime() > now;
    return (
      <div className="run-state" data-testid="run-queued" role="status">
        <span className="run-state-title">
          Queued: attempt {r.attempt}
          {of}
        </span>
        {waiting && r.available_at ? (
          <span>
            Queued until <DateTime iso={r.available_at} /> (
            <time dateTime={r.available_at}>{formatRelative(r.available_at, now)}</time>)
            {r.attempt > 1 ? ': the retry waits for its backoff.' : '.'}
          </span>
        ) : (
          <span>Waiting for an executor to pick it up.</span>
        )}
      </div>
    );
  }
  return null;
}

type TargetKind = Schedule['target']['type'];

/**
 * Whether the run called a URL or ran a command. A run does not say, so: what it produced once
 * it has a result, else its schedule's current target (a cached read; null while unknown).
 */
function useTargetKind(r: Run): TargetKind | null {
  const decided = r.exit_code !== null ? 'command' : r.http_status !== null ? 'http' : null;
  const schedule = useQuery({
    queryKey: queryKeys.schedule(r.schedule_id),
    queryFn: () => api.getSchedule(r.schedule_id),
    enabled: decided === null,
    staleTime: 60_000,
    retry: false,
  });
  return decided ?? schedule.data?.target.type ?? null;
}

function Outcome({ run: r, kind }: { run: Run; kind: TargetKind | null }) {
  return (
    <dl className="props">
      {/* "manual" says no more than the trigger below. */}
      {r.reason && r.reason !== 'manual' ? (
        <>
          <dt>Reason</dt>
          <dd>
            <span className="reason-text">{reasonShort(r.reason)}</span>
            <div className="muted small">{reasonLong(r.reason)}</div>
          </dd>
        </>
      ) : null}
      <dt>Trigger</dt>
      <dd>
        {r.trigger === 'manual' ? (
          <>
            Manual <span className="muted small">— started with “Run now”, outside the schedule’s slots</span>
          </>
        ) : (
          'Schedule slot'
        )}
      </dd>
      <dt>Attempt</dt>
      <dd>
        {r.status === 'missed' && r.attempts.length === 0 ? (
          <span className="muted">None: the slot did not run</span>
        ) : (
          <>
            {r.attempt} of {r.max_attempts}
            <PreemptedNote attempts={r.attempts} />
          </>
        )}
      </dd>
      {kind !== 'command' ? (
        <>
          <dt>HTTP status</dt>
          <dd data-testid="run-http-status">
            {r.http_status === null ? (
              <span className="muted">—</span>
            ) : (
              <span className={httpClass(r.http_status)}>{r.http_status}</span>
            )}
          </dd>
        </>
      ) : null}
      {kind !== 'http' ? (
        <>
          <dt>Exit code</dt>
          <dd data-testid="run-exit-code">
            {r.exit_code === null ? (
              <span className="muted">—</span>
            ) : (
              <span className={r.exit_code === 0 ? 'exit-ok' : 'exit-fail'}>{r.exit_code}</span>
            )}
          </dd>
        </>
      ) : null}
      {r.error ? (
        <>
          <dt>Error</dt>
          <dd>
            <span className="error-text">{r.error.message}</span>
            <div>
              <code className="muted small">{r.error.code}</code>
            </div>
          </dd>
        </>
      ) : null}
      {kind !== 'command' ? (
        <>
          <dt>Response</dt>
          <dd>
            {r.response_excerpt ? (
              <pre className="body-preview" data-testid="response-excerpt">
                {r.response_excerpt}
              </pre>
            ) : (
              <span className="muted">{r.http_status === null ? 'No response' : 'Empty body'}</span>
            )}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function Timing({ run: r }: { run: Run }) {
  const now = useNow(1000);
  const live = r.started_at !== null && r.finished_at === null && !isFinal(r);
  const duration =
    r.duration_ms !== null
      ? formatDuration(r.duration_ms)
      : live && r.started_at
        ? `${formatDuration(Math.max(0, now - new Date(r.started_at).getTime()))} so far`
        : null;
  return (
    <dl className="props">
      <dt>Slot</dt>
      <dd>
        <DateTime iso={r.nominal_at} withZone />
        <div className="muted small">
          <RelativeTime iso={r.nominal_at} />
        </div>
      </dd>
      <DispatchProps run={r} />
      <dt>Started</dt>
      <dd>{r.started_at ? <DateTime iso={r.started_at} /> : <span className="muted">Not started</span>}</dd>
      <dt>Finished</dt>
      <dd>{r.finished_at ? <DateTime iso={r.finished_at} /> : <span className="muted">—</span>}</dd>
      <dt>Duration</dt>
      <dd>{duration ?? <span className="muted">—</span>}</dd>
      <dt>Lateness</dt>
      <dd title="From the slot to the start of the first attempt">{lateness(r.lateness_ms)}</dd>
      <dt>Created</dt>
      <dd>
        <DateTime iso={r.created_at} />
      </dd>
    </dl>
  );
}

function AttemptsTable({ run: r }: { run: Run }) {
  const empty =
    r.status === 'missed'
      ? 'No attempts: the slot was recorded as missed.'
      : r.status === 'cancelled'
        ? 'No attempts: the run was cancelled before it started.'
        : 'No attempts yet.';
  return (
    <div className="table-wrap">
      <table className="table attempts-table">
        <thead>
          <tr>
            <th scope="col" className="num">
              Attempt
            </th>
            <th scope="col">Status</th>
            <th scope="col">Executor</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col" className="num">
              HTTP status
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {r.attempts.length === 0 ? (
            <tr>
              <td colSpan={7} className="empty-row">
                {empty}
              </td>
            </tr>
          ) : null}
          {r.attempts.map((a) => (
            <AttemptRow key={a.attempt} attempt={a} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AttemptRow({ attempt: a }: { attempt: Attempt }) {
  const took =
    a.started_at && a.finished_at ? new Date(a.finished_at).getTime() - new Date(a.started_at).getTime() : null;
  return (
    <tr data-attempt={a.attempt}>
      <td className="num">{a.attempt}</td>
      <td className="nowrap">
        <StatusBadge status={a.status} />
      </td>
      <td>{a.executor ? <code className="small">{a.executor}</code> : <span className="muted">—</span>}</td>
      <td className="nowrap">{a.started_at ? <DateTime iso={a.started_at} /> : <span className="muted">—</span>}</td>
      <td className="nowrap">
        {a.finished_at ? (
          <>
            <DateTime iso={a.finished_at} />
            {took !== null ? <div className="muted small">after {formatDuration(took)}</div> : null}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="num">
        {a.http_status === null ? (
          <span className="muted">—</span>
        ) : (
          <span className={httpClass(a.http_status)}>{a.http_status}</span>
        )}
      </td>
      <td className="error-cell">
        {a.error ? (
          <span title={a.error.code}>
            <span className="error-text">{a.error.message}</span>
          </span>
        ) : null}
      </td>
    </tr>
  );
}
