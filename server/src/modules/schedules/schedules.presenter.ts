import type { RunStatus, Schedule, Target } from '@crony/shared';
import type { ScheduleDoc } from './schedule.model.ts';

export function toSchedule(s: ScheduleDoc): Schedule {
  return {
    id: s._id.toString(),
    name: s.name,
    description: s.description ?? null,
    cron: s.cron ?? null,
    every: s.every ?? null,
    at: s.at?.toISOString() ?? null,
    timezone: s.timezone,
    target: s.target as Target,
    paused: s.paused,
    next_run_at: s.next_run_at?.toISOString() ?? null,
    last_run: s.last_run
      ? {
          id: s.last_run.id.toString(),
          status: s.last_run.status as RunStatus,
          nominal_at: s.last_run.nominal_at.toISOString(),
          finished_at: s.last_run.finished_at?.toISOString() ?? null,
        }
      : null,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}
