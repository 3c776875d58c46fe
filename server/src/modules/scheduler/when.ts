import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { compile, type Compiled, type When } from './slots.ts';

type Timing = Pick<ScheduleDoc, 'cron' | 'every_ms' | 'anchor' | 'at' | 'timezone'>;

export function whenOf(s: Timing): When {
  if (s.cron) return { kind: 'cron', expr: s.cron };
  if (s.every_ms) return { kind: 'every', intervalMs: s.every_ms, anchor: s.anchor };
  if (s.at) return { kind: 'at', at: s.at };
  throw new Error('schedule has none of cron, every, at');
}

export function compiledOf(s: Timing): Compiled {
  return compile(whenOf(s), s.timezone);
}
