'use client';

import Link from 'next/link';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole, useMe } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { LabelChips } from '../ui/label-chips.tsx';
import { TableState } from '../ui/table-state.tsx';
import { PausedBadge } from '../ui/status-badge.tsx';
import { GroupForm } from './group-form.tsx';

/** Task groups: everyone reads them; admins and owners create them. */
export function GroupsView() {
  const me = useMe();
  const isAdmin = useHasRole('admin');
  const queryClient = useQueryClient();
  const groups = useQuery({ queryKey: queryKeys.groups, queryFn: api.listGroups });
  const profiles = useQuery({ queryKey: queryKeys.profiles, queryFn: api.listProfiles });
  const profileName = (id: string | null) =>
    id === null ? 'default' : (profiles.data?.find((p) => p.id === id)?.name ?? '…');
  const list = groups.data ?? [];

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Groups</h1>
          <p className="muted">
            A group holds related tasks (schedules) with shared configuration: a profile, worker labels, default headers
            and environment. Pausing a group pauses all its tasks.
          </p>
        </div>
      </div>

      {!isAdmin ? (
        <Alert tone="info">
          Read only: groups are team configuration, so only admins and owners create or change them. You are {me.role};
          you can still add and edit tasks in a group.
        </Alert>
      ) : null}
      {groups.isError ? <QueryErrorAlert query={groups} /> : null}

      <div className="table-wrap">
        <table className="table" aria-busy={groups.isPending} aria-label="Groups">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Tasks</th>
              <th scope="col">Profile</th>
              <th scope="col">Worker labels</th>
            </tr>
          </thead>
          <tbody>
            <TableState
              columns={5}
              rows={2}
              pending={groups.isPending}
              empty={groups.isSuccess && list.length === 0 ? 'No groups yet.' : null}
            />
            {list.map((g) => (
              <tr key={g.id} data-group-id={g.id}>
                <td className="row-title">
                  <Link href={`/groups/${encodeURIComponent(g.name)}`} className="title-link">
                    {g.name}
                  </Link>
                  {g.description ? <div className="muted small">{g.description}</div> : null}
                </td>
                <td>
                  <PausedBadge paused={g.paused} />
                </td>
                <td>{g.tasks}</td>
                <td>{profileName(g.profile)}</td>
                <td>
                  <LabelChips labels={g.labels} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {isAdmin ? (
        <GroupForm group={null} onSaved={() => void queryClient.invalidateQueries({ queryKey: queryKeys.groups })} />
      ) : null}
    </>
  );
}
