'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { Overview, Percentiles } from '@crony/shared';
import { api } from '../../lib/api.ts';
import { formatDuration } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { Alert, QueryErrorAlert } from '../ui/alert.tsx';
import { Skeleton } from '../ui/skeleton.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { DateTime, RelativeTime } from '../ui/time.tsx';
import { RunsChart } from './runs-chart.tsx';

const REFRESH_MS = 10_000;
/** The API lists at most this many fire times per schedule (OVERVIEW_LIMITS.upcomingPerSchedule). */
const PER_SCHEDULE_CAP = 60;
const HOUR = 3_600_000;

/** The landing page: what ran, what runs next, how late and how long, what is failing, who works. */
export function OverviewView() {
  const overview = useQuery({ queryKey: queryKeys.overview, queryFn: api.overview, refetchInterval: REFRESH_MS });
  const o = overview.data;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Overview</h1>
          <p className="muted">The last 24 hours and the next hour of your schedules.</p>
        </div>
      </div>

      {overview.isError ? <QueryErrorAlert query={overview} lead="Could not load the overview: " /> : null}
      {o?.truncated ? (
        <Alert tone="info">
          This tenant has more runs or schedules than the overview reads; figures cover the newest.
        </Alert>
      ) : null}

      <div className="kpi-grid">
        <Kpi label="Runs (24 h)" value={o ? total(o) : null} href="/runs" />
        <Kpi
          label="Failed (24 h)"
          value={o ? o.totals.failed + o.totals.timed_out : null}
          href="/runs?status=failed"
          tone={o && o.totals.failed + o.totals.timed_out > 0 ? 'bad' : undefined}
        />
        <Kpi label="Missed (24 h)" value={o?.totals.missed ?? null} href="/runs?status=missed" />
        <Kpi
          label="Workers online"
          value={o ? o.workers.online : null}
          sub={o ? `of ${o.workers.total} registered` : undefined}
          href="/workers"
        />
      </div>

      <section className="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Runs in the last 24 hours</h2>
        <p className="muted small">By the hour of their slot, in your time zone.</p>
        {o ? total(o) === 0 ? <EmptyChart /> : <RunsChart hours={o.runs_by_hour} /> : <Skeleton height={260} />}
      </section>

      <div className="detail-grid">
        <section className="card" aria-labelledby="upcoming-title" data-testid="upcoming">
          <h2 id="upcoming-title">Next hour</h2>
          {o ? <Upcoming upcoming={o.upcoming} generatedAt={o.generated_at} /> : <Skeleton height={120} />}
        </section>
        <section className="card" aria-labelledby="timing-title" data-testid="percentiles">
          <h2 id="timing-title">Lateness and duration</h2>
          <p className="muted small">Finished runs of the last 24 hours. Lateness is the start minus the slot.</p>
          {o ? (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col" />
                  <th scope="col" className="num">
                    p50
                  </th>
                  <th scope="col" className="num">
                    p95
                  </th>
                  <th scope="col" className="num">
                    p99
                  </th>
                  <th scope="col" className="num">
                    runs
                  </th>
                </tr>
              </thead>
              <tbody>
                <PercentileRow label="Lateness" p={o.lateness_ms} />
                <PercentileRow label="Duration" p={o.duration_ms} />
              </tbody>
            </table>
          ) : (
            <Skeleton height={96} />
          )}
        </section>
      </div>

      <section className="section" aria-labelledby="failing-title">
        <div className="section-header">
          <h2 id="failing-title">Failing schedules</h2>
        </div>
        {o ? <Failing failing={o.failing} /> : <Skeleton height={80} />}
      </section>
    </>
  );
}

const total = (o: Overview) => Object.values(o.totals).reduce((a, b) => a + b, 0);

function Kpi({
  label,
  value,
  sub,
  href,
  tone,
}: {
  label: string;
  value: number | null;
  sub?: string;
  href: string;
  tone?: 'bad';
}) {
  return (
    <Link href={href} className="kpi card" data-tone={tone}>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value === null ? '–' : value.toLocaleString()}</span>
      {sub ? <span className="muted small">{sub}</span> : null}
    </Link>
  );
}

function EmptyChart() {
  const canWrite = useHasRole('member');
  return (
    <div className="empty-chart">
      <p className="muted">No runs in the last 24 hours.</p>
      {canWrite ? (
        <Link href="/schedules/new" className="button primary small">
          Create a schedule
        </Link>
      ) : null}
    </div>
  );
}

function PercentileRow({ label, p }: { label: string; p: Percentiles }) {
  const cell = (v: number | null) => <td className="num mono">{v === null ? '—' : formatDuration(v)}</td>;
  return (
    <tr>
      <th scope="row">{label}</th>
      {cell(p.p50)}
      {cell(p.p95)}
      {cell(p.p99)}
      <td className="num muted">{p.count.toLocaleString()}</td>
    </tr>
  );
}

/** A 60-minute axis with a mark per fire time, and the first ones listed. */
function Upcoming({ upcoming, generatedAt }: { upcoming: Overview['upcoming']; generatedAt: string }) {
  const now = useNow(5_000);
  const start = Math.min(now, Date.parse(generatedAt) + 60_000);
  const future = upcoming.filter((u) => Date.parse(u.at) >= start - 1000);
  if (future.length === 0) return <p className="muted">Nothing is due in the next hour.</p>;
  const position = (iso: string) => Math.min(100, Math.max(0, ((Date.parse(iso) - start) / HOUR) * 100));
  return (
    <>
      <div className="timeline" role="img" aria-label={`${future.length} runs due in the next hour`}>
        <div className="timeline-axis" />
        {future.map((u) => (
          <span
            key={`${u.schedule_id}:${u.at}`}
            className="timeline-mark"
            style={{ left: `${position(u.at)}%` }}
            title={`${u.schedule_name} — ${new Date(u.at).toLocaleTimeString()}`}
          />
        ))}
        <span className="timeline-label start">now</span>
        <span className="timeline-label mid">+30 min</span>
        <span className="timeline-label end">+60 min</span>
      </div>
      <ol className="upcoming-list">
        {bySchedule(future)
          .slice(0, 8)
          .map((g) => (
            <li key={g.id}>
              <Link href={`/schedules/${g.id}`}>{g.name}</Link>
              <span className="muted small">
                <DateTime iso={g.next} /> · <RelativeTime iso={g.next} />
                {g.count > 1 ? ` · ${g.count >= PER_SCHEDULE_CAP ? `${PER_SCHEDULE_CAP}+` : g.count} in the hour` : ''}
              </span>
            </li>
          ))}
      </ol>
      {bySchedule(future).length > 8 ? (
        <p className="muted small">and {bySchedule(future).length - 8} more schedules in the hour</p>
      ) : null}
    </>
  );
}

/** One line per schedule, in the order of its next fire time, with how often it fires in the hour. */
function bySchedule(upcoming: Overview['upcoming']) {
  const groups = new Map<string, { id: string; name: string; next: string; count: number }>();
  for (const u of upcoming) {
    const g = groups.get(u.schedule_id);
    if (g) g.count += 1;
    else groups.set(u.schedule_id, { id: u.schedule_id, name: u.schedule_name, next: u.at, count: 1 });
  }
  return [...groups.values()];
}

function Failing({ failing }: { failing: Overview['failing'] }) {
  if (failing.length === 0) {
    return (
      <p className="card muted" data-testid="no-failing">
        No schedule failed in the last 24 hours.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="failing">
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            <th scope="col">Last result</th>
            <th scope="col" className="num">
              Failures (24 h)
            </th>
            <th scope="col">Last failure</th>
          </tr>
        </thead>
        <tbody>
          {failing.map((f) => (
            <tr key={f.schedule_id}>
              <td>
                <Link href={`/schedules/${f.schedule_id}`} className="row-title">
                  {f.schedule_name}
                </Link>
              </td>
              <td>{f.last_status ? <StatusBadge status={f.last_status} /> : <span className="muted">—</span>}</td>
              <td className="num">
                <Link href={`/runs?schedule_id=${f.schedule_id}&status=failed`}>{f.failures_24h}</Link>
              </td>
              <td className="nowrap">
                {f.last_failed_at ? <RelativeTime iso={f.last_failed_at} /> : <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
