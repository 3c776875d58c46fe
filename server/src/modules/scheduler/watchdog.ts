import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import { SCHEDULER_TICK } from './jobs/scheduler.tick.ts';
import type { Ticker } from './ticker.ts';

/** How long without a finished tick (anywhere) before a process ticks on its own, in ms. */
export const STALL_MS = 10_000;

/**
 * Keeps slots firing if Agenda stops ticking (a lock orphaned by a killed process, a job
 * processor wedged by a database outage). Every few seconds each scheduler process reads when
 * the tick job last finished, in any process; past STALL_MS it ticks directly. That is safe
 * because correctness never rested on Agenda's lock: the run ledger's unique index keeps one
 * record per slot however many processes tick.
 */
export function startWatchdog(agenda: Agenda, ticker: Ticker, log: Logger, everyMs = 3000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      try {
        const { jobs } = await agenda.queryJobs({ name: SCHEDULER_TICK, limit: 1 });
        const last = jobs[0]?.lastFinishedAt ?? jobs[0]?.lastRunAt;
        const age = last ? Date.now() - new Date(last).getTime() : Infinity;
        if (age > STALL_MS) {
          log.warn({ stalledMs: Number.isFinite(age) ? age : null }, 'the scheduler tick stalled; ticking directly');
          await ticker.tick();
        }
      } catch (err) {
        log.warn({ err }, 'scheduler watchdog check failed');
      } finally {
        running = false;
      }
    })();
  }, everyMs);
  return () => clearInterval(timer);
}
