'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { HookDelivery } from '@crony/shared';
import { hooksApi } from '../../lib/api.ts';
import { formatDuration } from '../../lib/format.ts';
import { hookKeys } from '../../lib/query-keys.ts';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { DateTime, RelativeTime } from '../ui/time.tsx';
import { httpClass } from './runs-table.tsx';

const statusText: Record<HookDelivery['status'], string> = {
  pending: 'Pending',
  succeeded: 'Delivered',
  failed: 'Given up',
  superseded: 'Superseded',
};

/**
 * The run's hook deliveries: each event sent to a progress, error, success or missed hook, and
 * every try with its HTTP status, latency and error. Hidden when the schedule has no hooks.
 */
export function HookDeliveries({ runId, active }: { runId: string; active: boolean }) {
  const deliveries = useQuery({
    queryKey: hookKeys.deliveries(runId),
    queryFn: () => hooksApi.runDeliveries(runId),
    // Deliveries go on (retries) after the run ends, so keep polling while any is pending.
    refetchInterval: (q) => (active || q.state.data?.some((d) => d.status === 'pending') ? 2_000 : false),
  });
  const list = deliveries.data ?? [];
  if (deliveries.isSuccess && list.length === 0) return null;

  return (
    <section className="section" aria-labelledby="deliveries-title" data-testid="hook-deliveries">
      <div className="section-header">
        <h2 id="deliveries-title">Hook deliveries</h2>
        <span className="muted small">Signed with the tenant’s webhook secret; retried up to 5 times</span>
      </div>
      {deliveries.isError ? <QueryErrorAlert query={deliveries} /> : null}
      <div className="table-wrap">
        <table className="table deliveries-table" aria-busy={deliveries.isPending}>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Hook</th>
              <th scope="col">Status</th>
              <th scope="col">Tries</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
                <td>
                  <span className="mono">{d.event_type}</span>
                  <span className="muted small">
                    {' '}
                    · attempt {d.event.attempt}
                    {d.event.progress ? ` · ${d.event.progress.percent}% ${d.event.progress.message}` : ''}
                    {d.event.error ? ` · ${d.event.error.code}` : ''}
                  </span>
                </td>
                <td className="mono small" title={d.url ?? d.command?.join(' ')}>
                  {d.hook} → {d.url ?? `worker: ${d.command?.join(' ') ?? ''}`}
                  {d.hook_run_id ? (
                    <>
                      {' '}
                      (<Link href={`/runs/${d.hook_run_id}`}>run</Link>)
                    </>
                  ) : null}
                </td>
                <td>
                  <span className="tag" data-status={d.status}>
                    {statusText[d.status]}
                  </span>
                  {d.status === 'pending' && d.next_attempt_at ? (
                    <span className="muted small">
                      {' '}
                      next <RelativeTime iso={d.next_attempt_at} />
                    </span>
                  ) : null}
                </td>
                <td>
                  {d.attempts.length === 0 ? <span className="muted">not yet</span> : null}
                  <ol className="tries">
                    {d.attempts.map((a, i) => (
                      <li key={i}>
                        <DateTime iso={a.at} />{' '}
                        {a.http_status !== null ? (
                          <span className={httpClass(a.http_status)}>{a.http_status}</span>
                        ) : null}{' '}
                        <span className="muted small">{formatDuration(a.latency_ms)}</span>
                        {a.error ? <span className="field-error small"> {a.error}</span> : null}
                      </li>
                    ))}
                  </ol>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
