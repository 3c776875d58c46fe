import { ListRunsQuery } from '@crony/shared';
import { Router } from 'express';
import { principal } from '../../http/auth.ts';
import { idParam, query } from '../../http/validate.ts';
import { getRun, listRuns } from './runs.queries.ts';

export function runsRouter(): Router {
  const r = Router();
  r.get('/runs', async (req, res) => {
    res.json(await listRuns(principal(req), query(req, ListRunsQuery)));
  });
  r.get('/runs/:id', async (req, res) => {
    res.json(await getRun(principal(req), idParam(req, 'id', 'Run')));
  });
  return r;
}
