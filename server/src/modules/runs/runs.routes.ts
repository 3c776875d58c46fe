import { ListRunsQuery } from '@crony/shared';
import { Router } from 'express';
import { idParam, query } from '../../http/validate.ts';
import { principal as who, requireRole } from '../../http/auth.ts';
import { getRun, listRuns } from './runs.queries.ts';
import { runLogs } from './logs.ts';
import { cancelRunFor } from './runs.service.ts';

export function runsRouter(): Router {
  const r = Router();
  r.get('/runs', async (req, res) => {
    res.json(await listRuns(who(req), query(req, ListRunsQuery)));
  });
  r.get('/runs/:id', async (req, res) => {
    res.json(await getRun(who(req), idParam(req, 'id', 'Run')));
  });
  r.get('/runs/:id/logs', async (req, res) => {
    res.json(await runLogs(who(req), idParam(req, 'id', 'Run')));
  });
  r.post('/runs/:id/cancel', requireRole('member'), async (req, res) => {
    res.json(await cancelRunFor(who(req), idParam(req, 'id', 'Run')));
  });
  return r;
}
