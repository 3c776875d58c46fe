import Link from 'next/link';
import { Fragment } from 'react';
import type { Schedule, SettingSource } from '@crony/shared';
import { durationInWords } from '../../lib/format.ts';
import { retryInWords } from './policies.ts';

const sourceText: Record<SettingSource, string> = {
  schedule: 'set on this schedule',
  group: 'from its group',
  profile: 'from its profile',
  tenant_default: 'from the default profile',
};

/**
 * What the scheduler applies to this schedule's runs, and where each value came from: the
 * schedule itself, its group, the profile it (or its group) names, or the tenant default.
 */
export function EffectiveSettingsCard({ schedule: s }: { schedule: Schedule }) {
  const e = s.effective;
  const rows: { label: string; value: string; source: SettingSource; testId: string }[] = [
    { label: 'Priority', value: `${e.priority} (higher runs first)`, source: e.sources.priority, testId: 'priority' },
    {
      label: 'Deadline',
      value:
        e.deadline_ms === null
          ? 'None'
          : `${durationInWords(e.deadline_ms)} after the slot${s.deadline?.endsWith('%') ? ` (${s.deadline} of the period)` : ''}`,
      source: e.sources.deadline,
      testId: 'deadline',
    },
    {
      label: 'Max runtime',
      value: e.max_runtime_seconds === null ? 'Unlimited' : durationInWords(e.max_runtime_seconds * 1000),
      source: e.sources.max_runtime_seconds,
      testId: 'max-runtime',
    },
    {
      label: 'Max concurrent',
      value: e.max_concurrent === null ? 'Unlimited' : `${e.max_concurrent} runs of the profile at once`,
      source: e.sources.max_concurrent,
      testId: 'max-concurrent',
    },
    {
      label: 'Preemption',
      value: e.allow_preemption ? 'Allowed: a waiting higher-priority run may stop these runs' : 'Not allowed',
      source: e.sources.allow_preemption,
      testId: 'preemption',
    },
    { label: 'Retries', value: retryInWords(e.retry), source: e.sources.retry, testId: 'retry' },
    {
      label: 'Paused',
      value: e.paused ? 'Yes' : 'No',
      source: e.sources.paused,
      testId: 'paused',
    },
  ];
  return (
    <section className="card" aria-labelledby="effective-title" data-testid="effective-settings">
      <h2 id="effective-title">Effective settings</h2>
      <p className="muted small">
        Profile{' '}
        <Link href="/profiles">
          <strong>{e.profile.name}</strong>
        </Link>{' '}
        ({sourceText[e.sources.profile]})
        {s.group ? (
          <>
            {' '}
            · group <Link href={`/groups/${encodeURIComponent(s.group.name)}`}>{s.group.name}</Link>
          </>
        ) : null}
        . Each value below comes from the schedule, else its group, else its profile, else the default profile.
      </p>
      <dl className="props">
        {rows.map((r) => (
          <Fragment key={r.label}>
            <dt>{r.label}</dt>
            <dd data-testid={`effective-${r.testId}`}>
              {r.value} <span className="muted small">— {sourceText[r.source]}</span>
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}
