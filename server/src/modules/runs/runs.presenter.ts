import type { Run, RunStatus } from '@crony/shared';
import type { RunDoc } from './run.model.ts';

export function toRun(r: RunDoc): Run {
  return {
    id: r._id.toString(),
    schedule_id: r.schedule_id.toString(),
    schedule_name: r.schedule_name,
    status: r.status as RunStatus,
    trigger: r.trigger as Run['trigger'],
    nominal_at: r.nominal_at.toISOString(),
    attempt: r.attempt,
    started_at: r.started_at?.toISOString() ?? null,
    finished_at: r.finished_at?.toISOString() ?? null,
    duration_ms: r.duration_ms ?? null,
    lateness_ms: r.lateness_ms ?? null,
    http_status: r.http_status ?? null,
    response_excerpt: r.response_excerpt ?? null,
    error: r.error?.code ? { code: r.error.code, message: r.error.message ?? '' } : null,
    created_at: r.created_at.toISOString(),
  };
}
