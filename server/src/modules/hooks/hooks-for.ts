import type { HookKind, HookTarget } from '@crony/shared';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';

export type Hooks = Record<HookKind, HookTarget | null>;

/**
 * The hooks that apply to a schedule's runs. The one place inheritance is decided: once task
 * groups exist, a schedule's own hook wins and the group's fills the gaps.
 */
export function hooksFor(
  schedule: Pick<ScheduleDoc, HookKind>,
  group?: Partial<Record<HookKind, HookTarget | null>> | null,
): Hooks {
  const pick = (k: HookKind) => schedule[k] ?? group?.[k] ?? null;
  return {
    progress_hook: pick('progress_hook'),
    error_hook: pick('error_hook'),
    success_hook: pick('success_hook'),
    missed_hook: pick('missed_hook'),
  };
}
