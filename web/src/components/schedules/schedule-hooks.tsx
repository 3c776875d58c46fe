'use client';

import Link from 'next/link';
import { Fragment } from 'react';
import { useQuery } from '@tanstack/react-query';
import { hookKinds, type HookKind, type HookTarget, type Schedule } from '@crony/shared';
import { api } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';

const hookText: Record<HookKind, { label: string; event: string }> = {
  progress_hook: { label: 'Progress hook', event: 'run.progress, each time a run reports progress' },
  error_hook: { label: 'Error hook', event: 'run.failed, once per failed or timed-out attempt' },
  success_hook: { label: 'Success hook', event: 'run.succeeded' },
  missed_hook: { label: 'Missed hook', event: 'run.missed, for each slot recorded as missed' },
};

function describe(h: HookTarget): string {
  return h.type === 'http' ? `POST ${h.url}` : `command on a worker: ${h.command.join(' ')}`;
}

/**
 * The hooks this schedule's runs report to: its own, else its group's (the same rule the
 * server applies in hooks-for.ts). Deliveries are per run, on each run's page.
 */
export function ScheduleHooks({ schedule: s }: { schedule: Schedule }) {
  const group = useQuery({
    queryKey: queryKeys.group(s.group?.id ?? ''),
    queryFn: () => api.getGroup(s.group!.id),
    enabled: s.group !== null,
  });
  return (
    <section className="card" aria-labelledby="hooks-title" data-testid="schedule-hooks">
      <h2 id="hooks-title">Hooks</h2>
      <p className="muted small">
        Each hook receives its events as signed webhooks (or on a worker, for command hooks). What was delivered, with
        status codes and latency, is on each run&apos;s page under Hook deliveries.
      </p>
      <dl className="props">
        {hookKinds.map((k) => {
          const own = s[k];
          const lent = own ? null : (group.data?.[k] ?? null);
          const hook = own ?? lent;
          return (
            <Fragment key={k}>
              <dt>{hookText[k].label}</dt>
              <dd data-testid={`hook-${k}`}>
                {hook ? (
                  <>
                    <code className="small">{describe(hook)}</code>{' '}
                    <span className="muted small">
                      — {own ? 'set on this schedule' : 'from its group '}
                      {lent && s.group ? <Link href={`/groups/${s.group.name}`}>{s.group.name}</Link> : null}
                    </span>
                  </>
                ) : (
                  <span className="muted">None</span>
                )}
                <div className="muted small">{hookText[k].event}</div>
              </dd>
            </Fragment>
          );
        })}
      </dl>
    </section>
  );
}
