import type { Run, RunStatus } from '@crony/shared';
import { limitsOf } from './limits.ts';
import type { RunDoc } from './run.model.ts';

export function toRun(r: RunDoc): Run {
  const l = limitsOf(r);
  return {
    id: r._id.toString(),
    schedule_id: r.schedule_id.toString(),
    schedule_name: r.schedule_name,
    status: r.status as RunStatus,
    trigger: r.trigger as Run['trigger'],
    reason: r.reason ?? null,
    nominal_at: r.nominal_at.toISOString(),
    attempt: r.attempt,
    max_attempts: r.max_attempts,
    available_at: r.status === 'queued' ? r.available_at.toISOString() : null,
    lease: r.lease ? { owner: r.lease.owner, expires_at: r.lease.expires_at.toISOString() } : null,
    priority: l.priority,
    deadline_at: l.deadline_at?.toISOString() ?? null,
    limits: {
      priority: l.priority,
      deadline_at: l.deadline_at?.toISOString() ?? null,
      max_runtime_ms: l.max_runtime_ms ?? null,
      profile_id: l.profile_id?.toHexString() ?? null,
      max_concurrent: l.max_concurrent ?? null,
      allow_preemption: l.allow_preemption ?? false,
    },
    wait_reason: r.status === 'queued' ? (r.wait_reason ?? null) : null,
    attempts: r.attempts.map((a) => ({
      attempt: a.attempt,
      status: a.status,
      started_at: a.started_at?.toISOString() ?? null,
      finished_at: a.finished_at?.toISOString() ?? null,
      executor: a.executor ?? null,
      http_status: a.http_status ?? null,
      error: a.error ?? null,
    })),
    started_at: r.started_at?.toISOString() ?? null,
    finished_at: r.finished_at?.toISOString() ?? null,
    duration_ms: r.duration_ms ?? null,
    lateness_ms: r.lateness_ms ?? null,
    http_status: r.http_status ?? null,
    exit_code: r.exit_code ?? null,
    progress: r.progress
      ? { percent: r.progress.percent, message: r.progress.message, at: r.progress.at.toISOString() }
      : null,
    response_excerpt: r.response_excerpt ?? null,
    error: r.error?.code ? { code: r.error.code, message: r.error.message ?? '' } : null,
    parent_run_id: r.parent_run_id?.toHexString() ?? null,
    retry_of: r.retry_of?.toString() ?? null,
    created_at: r.created_at.toISOString(),
  };
}
