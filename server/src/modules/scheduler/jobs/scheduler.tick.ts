import type { Agenda } from 'agenda';
import type { Ticker } from '../ticker.ts';

export const SCHEDULER_TICK = 'scheduler.tick';

/**
 * The durable heartbeat of the scheduler. A single repeating Agenda job whose lock elects
 * which process ticks; it carries no payload.
 */
export function defineSchedulerTick(agenda: Agenda, ticker: Ticker): void {
  agenda.define(
    SCHEDULER_TICK,
    async () => {
      await ticker.tick();
    },
    // A tick takes about a second; a lock orphaned by a killed process blocks others for at most
    // this long. A tick that overruns it may overlap the next one, which the run ledger makes safe.
    { concurrency: 1, lockLifetime: 5_000 },
  );
}
