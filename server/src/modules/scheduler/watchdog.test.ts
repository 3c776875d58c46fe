import { defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mongoose, { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createLogger } from '../../log.ts';
import { Dispatcher } from '../executor/dispatcher.ts';
import { RequestThread } from '../outbound/request-thread.ts';
import { ProgressTokens } from '../runs/progress.ts';
import { RunModel } from '../runs/run.model.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { createAgenda, registerJobs } from './agenda.ts';
import { SCHEDULER_TICK } from './jobs/scheduler.tick.ts';
import { ScheduleStateModel } from './schedule-state.model.ts';
import { Ticker } from './ticker.ts';
import { startWatchdog } from './watchdog.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
});
after(() => db.close());

test('when Agenda does not tick, the watchdog fires due slots itself', async () => {
  const log = createLogger('silent');
  const ticker = new Ticker(new Dispatcher(new RequestThread([]), new ProgressTokens('k', () => ''), log), log);
  const agenda = createAgenda(mongoose.connection.db!);
  registerJobs(agenda, { ticker });
  // The tick job exists, but no processor runs it: as if every ticking process had wedged.
  await agenda.every('1 second', SCHEDULER_TICK);

  const _id = new Types.ObjectId();
  await ScheduleModel.collection.insertOne({
    _id,
    tenant_id: new Types.ObjectId(),
    name: 'kept alive',
    description: null,
    cron: '* * * * * *',
    every: null,
    every_ms: null,
    at: null,
    anchor: new Date(),
    timezone: 'UTC',
    paused: true, // nothing executes; only the ledger is watched
    target: { type: 'http', url: 'https://example.com', method: 'POST', headers: {}, timeout_ms: 1000 },
    concurrency_policy: 'allow',
    misfire_policy: 'run_all',
    catchup_window: '24h',
    catchup_window_ms: 86_400_000,
    retry: defaultRetry,
    created_at: new Date(),
    updated_at: new Date(),
  });
  await ScheduleModel.updateOne({ _id }, { $set: { paused: false, next_run_at: new Date(Date.now() - 20_000) } });
  await ScheduleStateModel.create({ _id });

  const stop = startWatchdog(agenda, ticker, log, 200);
  try {
    const deadline = Date.now() + 10_000;
    while ((await RunModel.countDocuments({ schedule_id: _id })) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok((await RunModel.countDocuments({ schedule_id: _id })) >= 20, 'the backlog was recorded without Agenda');
  } finally {
    stop();
  }
});
