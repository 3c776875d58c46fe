import { ListErrorsQuery } from '@crony/shared';
import { Router } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { idParam, query } from '../../http/validate.ts';
import { listErrors } from './errors.queries.ts';
import { clearErrors } from './errors.service.ts';

export function errorsRouter(): Router {
  const r = Router();
  r.get('/errors', async (req, res) => {
    res.json(await listErrors(principal(req), query(req, ListErrorsQuery)));
  });
  r.delete('/schedules/:id/errors', requireRole('member'), async (req, res) => {
    await clearErrors(principal(req), idParam(req, 'id', 'Schedule'));
    res.status(204).end();
  });
  return r;
}
