'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Profile } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { durationInWords } from '../../lib/format.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { retryInWords } from '../schedules/policies.ts';
import { useHasRole, useMe } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmAction } from '../ui/confirm-action.tsx';
import { SkeletonRows } from '../ui/skeleton.tsx';
import { ProfileForm } from './profile-form.tsx';

/** Scheduling profiles: everyone reads them; admins and owners create, edit and delete. */
export function ProfilesView() {
  const me = useMe();
  const isAdmin = useHasRole('admin');
  const queryClient = useQueryClient();
  const profiles = useQuery({ queryKey: queryKeys.profiles, queryFn: api.listProfiles });
  const [editing, setEditing] = useState<Profile | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.profiles });
    void queryClient.invalidateQueries({ queryKey: queryKeys.schedules }); // effective settings change
  };

  const makeDefault = useMutation({
    mutationFn: (p: Profile) => api.updateProfile(p.id, { is_default: true }),
    onSuccess: refresh,
  });
  const list = profiles.data ?? [];
  const columns = isAdmin ? 7 : 6;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Profiles</h1>
          <p className="muted">
            A profile bounds the runs of the schedules and groups that name it: priority, runtime, how many run at once,
            whether they may be preempted, and retry defaults. Schedules that name none use the default profile.
          </p>
        </div>
      </div>

      {!isAdmin ? (
        <Alert tone="info">
          Read only: profiles bound every team member&apos;s runs, so only admins and owners change them. You are{' '}
          {me.role}.
        </Alert>
      ) : null}
      {profiles.isError ? <QueryErrorAlert query={profiles} /> : null}
      {makeDefault.isError ? <Alert>{errorMessage(makeDefault.error)}</Alert> : null}

      <div className="table-wrap">
        <table className="table" aria-busy={profiles.isPending} aria-label="Profiles">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Priority</th>
              <th scope="col">Max runtime</th>
              <th scope="col">Max concurrent</th>
              <th scope="col">Preemption</th>
              <th scope="col">Retries</th>
              {isAdmin ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {profiles.isPending ? <SkeletonRows columns={columns} rows={2} /> : null}
            {list.map((p) => (
              <tr key={p.id} data-profile-id={p.id}>
                <td className="row-title">
                  {p.name} {p.is_default ? <span className="tag">default</span> : null}
                  {p.description ? <div className="muted small">{p.description}</div> : null}
                </td>
                <td>{p.default_priority}</td>
                <td>{p.max_runtime_seconds === null ? 'Unlimited' : durationInWords(p.max_runtime_seconds * 1000)}</td>
                <td>{p.max_concurrent ?? 'Unlimited'}</td>
                <td>{p.allow_preemption ? 'Allowed' : 'No'}</td>
                <td className="small">{retryInWords(p.retry)}</td>
                {isAdmin ? (
                  <td className="actions nowrap">
                    <button
                      type="button"
                      className="button small"
                      onClick={() => setEditing(p)}
                      aria-label={`Edit profile ${p.name}`}
                    >
                      Edit
                    </button>{' '}
                    {!p.is_default ? (
                      <>
                        <button
                          type="button"
                          className="button small"
                          disabled={makeDefault.isPending}
                          onClick={() => makeDefault.mutate(p)}
                          aria-label={`Make ${p.name} the default profile`}
                        >
                          Make default
                        </button>{' '}
                        <ConfirmAction
                          label="Delete"
                          accessibleLabel={`Delete profile ${p.name}`}
                          title="Delete profile?"
                          confirmLabel="Delete profile"
                          action={() => api.deleteProfile(p.id)}
                          onDone={refresh}
                        >
                          <p>
                            <strong>{p.name}</strong> will be removed. A profile still named by schedules or groups
                            cannot be deleted: point them at another profile first.
                          </p>
                        </ConfirmAction>
                      </>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {isAdmin ? (
        editing ? (
          <ProfileForm
            key={editing.id}
            profile={editing}
            onSaved={() => {
              setEditing(null);
              refresh();
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <ProfileForm profile={null} onSaved={refresh} />
        )
      ) : null}
    </>
  );
}
