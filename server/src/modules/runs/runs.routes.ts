import { Id, ListRunsQuery, ProgressReportBody, RetryRunsBody } from '@crony/shared';
import { z } from 'zod';
import { Router } from 'express';
import { streamEvents } from '../../http/sse.ts';
import { body, idParam, query } from '../../http/validate.ts';
import type { ProgressTokens } from './progress.ts';
import { principal as who, requireRole } from '../../http/auth.ts';
import { getRun, listRuns } from './runs.queries.ts';
import { watchRuns } from './events.ts';
import { checkRunVisible, tailLogs } from './log-stream.ts';
import { runLogs } from './logs.ts';
import { cancelRunFor, retryRunFor, retryRuns } from './runs.service.ts';

const EventsQuery = z.strictObject({ schedule_id: Id.optional(), run_id: Id.optional() });
const LogStreamQuery = z.strictObject({ from: z.coerce.number().int().min(0).default(0) });

export function runsRouter(): Router {
  const r = Router();
  r.get('/runs', async (req, res) => {
    res.json(await listRuns(who(req), query(req, ListRunsQuery)));
  });
  r.get('/runs/:id', async (req, res) => {
    res.json(await getRun(who(req), idParam(req, 'id', 'Run')));
  });
  // Server-sent events: `event: run` with the Run as data, whenever an active run changes.
  r.get('/events', async (req, res) => {
    const q = query(req, EventsQuery);
    const filter = {
      ...(q.schedule_id ? { scheduleId: q.schedule_id } : {}),
      ...(q.run_id ? { runId: q.run_id } : {}),
    };
    await streamEvents(req, res, async function* (isClosed) {
      for await (const run of watchRuns(who(req), filter, isClosed)) {
        yield { event: 'run', id: `${run.id}:${run.attempt}:${run.status}`, data: run };
      }
    });
  });
  // Server-sent events: `event: log` with {offset, data, truncated} as output grows, then `event: end`.
  r.get('/runs/:id/logs/stream', async (req, res) => {
    const runId = idParam(req, 'id', 'Run');
    const { from } = query(req, LogStreamQuery);
    await checkRunVisible(who(req), runId);
    await streamEvents(req, res, async function* (isClosed) {
      for await (const { type, ...data } of tailLogs(who(req), runId, from, isClosed)) {
        yield { event: type, data };
      }
    });
  });
  r.get('/runs/:id/logs', async (req, res) => {
    res.json(await runLogs(who(req), idParam(req, 'id', 'Run')));
  });
  r.post('/runs/:id/cancel', requireRole('member'), async (req, res) => {
    res.json(await cancelRunFor(who(req), idParam(req, 'id', 'Run')));
  });
  r.post('/runs/:id/retry', requireRole('member'), async (req, res) => {
    res.status(201).json(await retryRunFor(who(req), idParam(req, 'id', 'Run')));
  });
  r.post('/runs/retry', requireRole('member'), async (req, res) => {
    res.json(await retryRuns(who(req), body(req, RetryRunsBody)));
  });
  return r;
}

/** Progress callbacks from HTTP targets, authenticated by the per-run token (no tenant credential). */
export function progressRouter(tokens: ProgressTokens): Router {
  const r = Router();
  r.post('/runs/:id/progress', async (req, res) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    await tokens.report(String(req.params.id), bearer, body(req, ProgressReportBody));
    res.status(204).end();
  });
  return r;
}
