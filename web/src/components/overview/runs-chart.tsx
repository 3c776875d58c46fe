'use client';

import type { Overview, RunStatus } from '@crony/shared';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** The statuses the chart stacks, bottom up; the colours are the status badges' (globals.css). */
const series: { status: RunStatus; label: string }[] = [
  { status: 'succeeded', label: 'Succeeded' },
  { status: 'failed', label: 'Failed' },
  { status: 'timed_out', label: 'Timed out' },
  { status: 'missed', label: 'Missed' },
  { status: 'cancelled', label: 'Cancelled' },
  { status: 'preempted', label: 'Preempted' },
  { status: 'running', label: 'Running' },
  { status: 'queued', label: 'Queued' },
];

const hourLabel = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** Runs of the last 24 h by hour (of their slot) and status, stacked. Fixed height: no layout shift on refresh. */
export function RunsChart({ hours }: { hours: Overview['runs_by_hour'] }) {
  const data = hours.map((h) => ({
    hour: h.hour,
    ...Object.fromEntries(series.map((s) => [s.status, h.counts[s.status] ?? 0])),
    running: (h.counts.running ?? 0) + (h.counts.leased ?? 0),
  }));
  return (
    <div className="chart" data-testid="runs-chart">
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis
            dataKey="hour"
            tickFormatter={hourLabel}
            interval="preserveStartEnd"
            minTickGap={24}
            tick={{ fontSize: 12, fill: 'var(--muted)' }}
          />
          <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: 'var(--muted)' }} />
          <Tooltip
            labelFormatter={(v) =>
              `${hourLabel(String(v))} – ${hourLabel(new Date(Date.parse(String(v)) + 3_600_000).toISOString())}`
            }
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', borderRadius: 6 }}
            cursor={{ fill: 'var(--surface-2)' }}
          />
          <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
          {series.map((s) => (
            <Bar
              key={s.status}
              dataKey={s.status}
              name={s.label}
              stackId="runs"
              fill={`var(--st-${s.status}-fg)`}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
