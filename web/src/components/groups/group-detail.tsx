'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Group } from '@crony/shared';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { whenInWords } from '../../lib/format.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole, useMe } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { LabelChips } from '../ui/label-chips.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { TableState } from '../ui/table-state.tsx';
import { PausedBadge } from '../ui/status-badge.tsx';
import { StackedTime } from '../ui/time.tsx';
import { GroupForm } from './group-form.tsx';

const REFRESH_MS = 5_000;

/** One group: its settings, its tasks, and (for admins) pause/resume, edit and delete. */
export function GroupDetail({ group: ref }: { group: string }) {
  const group = useQuery({ queryKey: queryKeys.group(ref), queryFn: () => api.getGroup(ref) });
  if (group.isPending) {
    return (
      <div className="page-center">
        <Spinner />
      </div>
    );
  }
  if (group.isError) {
    if (isApiError(group.error) && group.error.status === 404) {
      return (
        <div className="empty-state card">
          <h1>Group not found</h1>
          <p className="muted">It may have been deleted or renamed.</p>
          <Link href="/groups" className="button">
            All groups
          </Link>
        </div>
      );
    }
    return <Alert>{errorMessage(group.error)}</Alert>;
  }
  return <Loaded group={group.data} refKey={ref} />;
}

function Loaded({ group: g, refKey }: { group: Group; refKey: string }) {
  const me = useMe();
  const isAdmin = useHasRole('admin');
  const canAddTasks = useHasRole('member');
  const router = useRouter();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [cascade, setCascade] = useState(false);
  const tasks = useQuery({
    queryKey: queryKeys.groupTasks(g.id),
    queryFn: () => api.groupTasks(g.id, { limit: 200 }),
    refetchInterval: REFRESH_MS,
  });
  const profiles = useQuery({ queryKey: queryKeys.profiles, queryFn: api.listProfiles });
  const profileName =
    g.profile === null ? 'the default profile' : (profiles.data?.find((p) => p.id === g.profile)?.name ?? '…');

  const refresh = (updated?: Group) => {
    if (updated) queryClient.setQueryData(queryKeys.group(refKey), updated);
    void queryClient.invalidateQueries({ queryKey: queryKeys.groups });
    void queryClient.invalidateQueries({ queryKey: queryKeys.schedules });
  };
  const toggle = useMutation({
    mutationFn: () => (g.paused ? api.resumeGroup(g.id) : api.pauseGroup(g.id)),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api.deleteGroup(g.id, cascade),
    onSuccess: () => {
      refresh();
      router.push('/groups');
    },
  });

  const list = tasks.data?.data ?? [];
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/groups">Groups</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{g.name}</span>
      </nav>
      <div className="page-header">
        <div>
          <div className="title-row">
            <h1>{g.name}</h1>
            <PausedBadge paused={g.paused} />
          </div>
          {g.description ? <p className="muted">{g.description}</p> : null}
        </div>
        <div className="header-actions">
          {canAddTasks ? (
            <Link href={`/schedules/new?group=${encodeURIComponent(g.id)}`} className="button primary">
              New task
            </Link>
          ) : null}
          {isAdmin ? (
            <>
              <button type="button" className="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
                {g.paused ? 'Resume group' : 'Pause group'}
              </button>
              <button type="button" className="button" onClick={() => setEditing((v) => !v)}>
                {editing ? 'Close editor' : 'Edit'}
              </button>
              <button type="button" className="button danger-outline" onClick={() => setDeleting(true)}>
                Delete
              </button>
            </>
          ) : null}
        </div>
      </div>

      {!isAdmin ? (
        <Alert tone="info">
          Only admins and owners change, pause or delete a group; you are {me.role}.
          {canAddTasks ? ' You can add and edit its tasks.' : ''}
        </Alert>
      ) : null}
      {g.paused ? (
        <Alert tone="info">
          This group is paused: none of its tasks fires. Resuming continues each task from its next slot; the paused
          period is not replayed.
        </Alert>
      ) : null}
      {toggle.isError ? <Alert>{errorMessage(toggle.error)}</Alert> : null}

      {editing && isAdmin ? (
        <GroupForm
          group={g}
          onSaved={(updated) => {
            setEditing(false);
            refresh(updated);
            if (updated.name !== refKey && refKey !== updated.id)
              router.replace(`/groups/${encodeURIComponent(updated.name)}`);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : null}

      <section className="card" aria-labelledby="group-settings-title">
        <h2 id="group-settings-title">Configuration</h2>
        <dl className="props">
          <dt>Profile</dt>
          <dd>
            <Link href="/profiles">{profileName}</Link>{' '}
            <span className="muted small">for tasks that name none of their own</span>
          </dd>
          <dt>Worker labels</dt>
          <dd>
            {Object.keys(g.labels).length ? <LabelChips labels={g.labels} /> : <span className="muted">None</span>}
          </dd>
          <dt>Default headers</dt>
          <dd>
            {Object.keys(g.defaults.headers).length ? (
              <LabelChips labels={g.defaults.headers} />
            ) : (
              <span className="muted">None</span>
            )}
          </dd>
          <dt>Default environment</dt>
          <dd>
            {Object.keys(g.defaults.env).length ? (
              <LabelChips labels={g.defaults.env} />
            ) : (
              <span className="muted">None</span>
            )}
          </dd>
          <dt>API</dt>
          <dd>
            <code className="small">/v1/schedules/{g.name}/tasks</code>
          </dd>
        </dl>
      </section>

      <section className="section" aria-labelledby="group-tasks-title">
        <div className="section-header">
          <h2 id="group-tasks-title">Tasks ({g.tasks})</h2>
        </div>
        {tasks.isError ? <QueryErrorAlert query={tasks} /> : null}
        <div className="table-wrap">
          <table className="table" aria-busy={tasks.isPending} aria-label="Tasks">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">When</th>
                <th scope="col">State</th>
                <th scope="col">Priority</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              <TableState
                columns={5}
                rows={2}
                pending={tasks.isPending}
                empty={tasks.isSuccess && list.length === 0 ? 'No tasks in this group yet.' : null}
              />
              {list.map((s) => (
                <tr key={s.id} data-schedule-id={s.id}>
                  <td className="row-title">
                    <Link href={`/schedules/${s.id}`} className="title-link">
                      {s.name}
                    </Link>
                  </td>
                  <td>{whenInWords(s)}</td>
                  <td>
                    <PausedBadge paused={s.effective.paused} />
                  </td>
                  <td>{s.effective.priority}</td>
                  <td className="nowrap">
                    <StackedTime
                      iso={s.effective.paused ? null : s.next_run_at}
                      empty={s.effective.paused ? 'Paused' : 'None'}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <ConfirmDialog
        open={deleting}
        title="Delete group?"
        confirmLabel={cascade ? 'Delete group and tasks' : 'Delete group'}
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onCancel={() => {
          setDeleting(false);
          remove.reset();
        }}
        onConfirm={() => remove.mutate()}
      >
        <p>
          <strong>{g.name}</strong> will be removed.{' '}
          {g.tasks > 0
            ? `It has ${g.tasks} task${g.tasks === 1 ? '' : 's'}: a group with tasks is only deleted together with them.`
            : 'It has no tasks.'}
        </p>
        {g.tasks > 0 ? (
          <label className="checkbox-label">
            <input type="checkbox" checked={cascade} onChange={(e) => setCascade(e.target.checked)} />
            Also delete its {g.tasks} task{g.tasks === 1 ? '' : 's'} and their runs
          </label>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
