import { Router } from 'express';
import { principal } from '../../http/auth.ts';
import { overview } from './overview.queries.ts';

export function overviewRouter(): Router {
  const r = Router();
  r.get('/overview', async (req, res) => {
    res.json(await overview(principal(req)));
  });
  return r;
}
