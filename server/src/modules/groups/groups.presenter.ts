import type { Group } from '@crony/shared';
import type { GroupDoc } from './group.model.ts';

export function toGroup(g: GroupDoc, tasks: number): Group {
  return {
    id: g._id.toHexString(),
    name: g.name,
    description: g.description ?? null,
    profile: g.profile_id?.toHexString() ?? null,
    labels: g.labels ?? {},
    paused: g.paused,
    defaults: { headers: g.defaults?.headers ?? {}, env: g.defaults?.env ?? {} },
    progress_hook: g.progress_hook ?? null,
    error_hook: g.error_hook ?? null,
    success_hook: g.success_hook ?? null,
    missed_hook: g.missed_hook ?? null,
    tasks,
    created_at: g.created_at.toISOString(),
    updated_at: g.updated_at.toISOString(),
  };
}
