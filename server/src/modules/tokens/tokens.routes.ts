import { CreateTokenBody } from '@crony/shared';
import { Router } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { body, idParam } from '../../http/validate.ts';
import { createToken, listTokens, revokeToken } from './tokens.service.ts';

export function tokensRouter(): Router {
  const r = Router();
  r.get('/tokens', requireRole('member'), async (req, res) => {
    res.json({ data: await listTokens(principal(req)), next_cursor: null });
  });
  r.post('/tokens', requireRole('member'), async (req, res) => {
    res.status(201).json(await createToken(principal(req), body(req, CreateTokenBody)));
  });
  r.delete('/tokens/:id', requireRole('member'), async (req, res) => {
    await revokeToken(principal(req), idParam(req, 'id', 'Token'));
    res.status(204).end();
  });
  return r;
}
