import { Router } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { idParam } from '../../http/validate.ts';
import { runDeliveries } from './deliveries.queries.ts';
import { getWebhookSecret, rotateWebhookSecret } from './signing.ts';

export function hooksRouter(): Router {
  const r = Router();
  r.get('/runs/:id/deliveries', async (req, res) => {
    res.json(await runDeliveries(principal(req), idParam(req, 'id', 'Run')));
  });
  r.get('/settings/webhooks', requireRole('admin'), async (req, res) => {
    res.json(await getWebhookSecret(principal(req)));
  });
  r.post('/settings/webhooks/rotate', requireRole('admin'), async (req, res) => {
    res.json(await rotateWebhookSecret(principal(req)));
  });
  return r;
}
