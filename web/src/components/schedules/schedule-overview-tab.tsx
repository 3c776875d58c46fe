'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { parseDuration, type Schedule, type ScheduleStats } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { durationInWords, whenInWords, whenRaw } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { Spinner } from '../ui/skeleton.tsx';
import { DateTime, RelativeTime, StackedTime } from '../ui/time.tsx';
import { LastResult } from './last-result.tsx';
import { concurrencyText, misfireText, retryInWords } from './policies.ts';
import { TargetProps } from './target-props.tsx';

const NEXT_COUNT = 10;

/** The schedule's Overview tab: run counts, settings in words, and the next fire times. */
export function ScheduleOverviewTab({ schedule: s }: { schedule: Schedule }) {
  return (
    <>
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
                hoverZone={s.timezone}
              />
            </dd>
            <dt>Last result</dt>
            <dd>
              <LastResult run={s.last_run} layout="inline-gap" />
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
        {s.effective.paused ? ' — paused: none of these will fire until it is resumed' : ''}
      </p>
      {next.isPending ? <Spinner /> : null}
      {next.isError ? <p className="field-error">{errorMessage(next.error)}</p> : null}
      {next.isSuccess && times.length === 0 ? <p className="muted">No upcoming runs.</p> : null}
      {times.length > 0 ? (
        <ol className={`fire-times${s.effective.paused ? ' stale' : ''}`}>
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
