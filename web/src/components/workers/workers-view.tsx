'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Worker } from '@crony/shared';
import { api } from '../../lib/api.ts';
import { useNow } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { ConfirmAction } from '../ui/confirm-action.tsx';
import { LabelChips } from '../ui/label-chips.tsx';
import { SkeletonRows } from '../ui/skeleton.tsx';
import { RegistrationTokens } from './registration-tokens.tsx';

const REFRESH_MS = 3_000;

const stateLabels: Record<Worker['state'], string> = {
  online: 'Online',
  draining: 'Draining',
  offline: 'Offline',
  revoked: 'Revoked',
};

export function WorkersView() {
  const isAdmin = useHasRole('admin');
  const queryClient = useQueryClient();
  const workers = useQuery({ queryKey: queryKeys.workers, queryFn: api.listWorkers, refetchInterval: REFRESH_MS });
  const revoked = () => void queryClient.invalidateQueries({ queryKey: queryKeys.workers });

  const list = workers.data ?? [];
  const columns = isAdmin ? 7 : 6;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Workers</h1>
          <p className="muted">
            Workers run your command targets on machines you choose, each command in a sandbox. They connect out to this
            API, so nothing needs to reach them.
          </p>
        </div>
      </div>

      {workers.isError ? <QueryErrorAlert query={workers} /> : null}

      {workers.isSuccess && list.length === 0 ? (
        <div className="empty-state card" data-testid="workers-empty">
          <h2>No workers yet</h2>
          <p className="muted">
            {isAdmin
              ? 'Create a registration token below, then run the command it shows on the machine that should run your commands.'
              : 'An admin creates a registration token on this page and runs the command it shows on the machine that should run your commands.'}{' '}
            The worker appears here within seconds and takes the command targets whose worker labels it carries.
          </p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table workers-table" aria-busy={workers.isPending} aria-label="Workers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Labels</th>
                <th scope="col">Version</th>
                <th scope="col" className="num">
                  Running
                </th>
                <th scope="col">Heartbeat</th>
                {isAdmin ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {workers.isPending ? <SkeletonRows columns={columns} rows={2} /> : null}
              {list.map((w) => (
                <WorkerRow key={w.id} worker={w} canRevoke={isAdmin} onRevoked={revoked} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {isAdmin ? <RegistrationTokens /> : null}
    </>
  );
}

function WorkerRow({ worker: w, canRevoke, onRevoked }: { worker: Worker; canRevoke: boolean; onRevoked: () => void }) {
  return (
    <tr data-worker-id={w.id} className={w.state === 'revoked' ? 'is-revoked' : undefined}>
      <td className="row-title">{w.name}</td>
      <td className="nowrap">
        <span className="badge state worker-state" data-state={w.state}>
          <span className="dot" aria-hidden="true" />
          {stateLabels[w.state]}
        </span>
      </td>
      <td>
        <LabelChips labels={w.labels} />
      </td>
      <td className="mono small">{w.version}</td>
      <td className="num nowrap" title={`${w.running} of ${w.concurrency} slots busy`}>
        {w.running}/{w.concurrency}
      </td>
      <td className="nowrap" data-testid="worker-heartbeat">
        <HeartbeatAge iso={w.last_heartbeat_at} />
      </td>
      {canRevoke ? (
        <td className="actions">
          {w.state === 'revoked' ? null : (
            <ConfirmAction
              label="Revoke"
              accessibleLabel={`Revoke worker ${w.name}`}
              title="Revoke worker?"
              confirmLabel="Revoke worker"
              action={() => api.revokeWorker(w.id)}
              onDone={onRevoked}
            >
              <p>
                <strong>{w.name}</strong> is refused from its next call to the API on, and stops. To bring the machine
                back, register it again with a registration token. This cannot be undone.
              </p>
            </ConfirmAction>
          )}
        </td>
      ) : null}
    </tr>
  );
}

/** "3 s ago", "4 min ago", "2 h ago": short enough for a table that refreshes every few seconds. */
function HeartbeatAge({ iso }: { iso: string | null }) {
  const now = useNow(1000);
  if (!iso) return <span className="muted">Never</span>;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return <span>{iso}</span>;
  const s = Math.max(0, Math.round((now - t) / 1000));
  const text =
    s < 60
      ? `${s} s ago`
      : s < 3600
        ? `${Math.floor(s / 60)} min ago`
        : s < 86_400
          ? `${Math.floor(s / 3600)} h ago`
          : `${Math.floor(s / 86_400)} d ago`;
  return (
    <time dateTime={iso} title={iso}>
      {text}
    </time>
  );
}
