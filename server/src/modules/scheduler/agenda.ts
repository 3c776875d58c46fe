import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import type { Db } from 'mongodb';
import { hostname } from 'node:os';
import type { Ticker } from './ticker.ts';
import { defineSchedulerTick, SCHEDULER_TICK } from './jobs/scheduler.tick.ts';

/** Agenda on mongoose's own connection (one driver, one pool), jobs in `agenda_jobs`. */
export function createAgenda(db: Db): Agenda {
  return new Agenda({
    backend: new MongoBackend({ mongo: db, collection: 'agenda_jobs' }),
    name: `${hostname()}:${process.pid}`,
    processEvery: 1000,
    maxConcurrency: 20,
    defaultLockLifetime: 60_000,
  });
}

/** The one place where Agenda job definitions are registered. */
export function registerJobs(agenda: Agenda, deps: { ticker: Ticker }): void {
  defineSchedulerTick(agenda, deps.ticker);
}

export async function startScheduler(agenda: Agenda): Promise<void> {
  await agenda.start();
  // `every` upserts a single job by name, so each process may call it at start.
  await agenda.every('1 second', SCHEDULER_TICK);
}
