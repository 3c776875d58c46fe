'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Schedule } from '@crony/shared';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { PausedBadge } from '../ui/status-badge.tsx';
import { Tabs } from '../ui/tabs.tsx';
import { scheduleTabs } from './schedule-tabs.tsx';
import { usePauseToggle } from './use-pause.ts';

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
    return <QueryErrorAlert query={schedule} />;
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

      <Tabs
        label="Schedule sections"
        tabs={scheduleTabs.map((t) => ({ id: t.id, label: t.label, panel: () => t.render(s) }))}
      />

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
