import {
  CreateWorkerTokenBody,
  LeaseRequestBody,
  RegisterWorkerBody,
  WorkerCompleteBody,
  WorkerHeartbeatBody,
  WorkerOnlineBody,
} from '@crony/shared';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { body, idParam } from '../../http/validate.ts';
import type { WorkerDoc } from './worker.model.ts';
import { completeFor, drainFor, heartbeatFor, leaseFor } from './protocol.service.ts';
import {
  createWorkerToken,
  listWorkers,
  listWorkerTokens,
  markSeen,
  registerWorker,
  revokeWorker,
  revokeWorkerToken,
  setOnline,
  workerForCredential,
} from './workers.service.ts';

/** Tenant routes (users and API tokens): registration tokens and the worker list. */
export function workersRouter(): Router {
  const r = Router();
  r.post('/worker-tokens', requireRole('admin'), async (req, res) => {
    const apiUrl = `${req.protocol}://${req.get('host')}`;
    res.status(201).json(await createWorkerToken(principal(req), body(req, CreateWorkerTokenBody), apiUrl));
  });
  r.get('/worker-tokens', requireRole('admin'), async (req, res) => {
    res.json({ data: await listWorkerTokens(principal(req)), next_cursor: null });
  });
  r.delete('/worker-tokens/:id', requireRole('admin'), async (req, res) => {
    await revokeWorkerToken(principal(req), idParam(req, 'id', 'Worker token'));
    res.status(204).end();
  });
  r.get('/workers', async (req, res) => {
    res.json({ data: await listWorkers(principal(req)), next_cursor: null });
  });
  r.delete('/workers/:id', requireRole('admin'), async (req, res) => {
    await revokeWorker(principal(req), idParam(req, 'id', 'Worker'));
    res.status(204).end();
  });
  return r;
}

/** Registration, authenticated by the registration token in the body. */
export function workerRegistrationRouter(): Router {
  const r = Router();
  r.post('/workers/register', async (req, res) => {
    res.status(201).json(await registerWorker(body(req, RegisterWorkerBody)));
  });
  return r;
}

const worker = (res: Response): WorkerDoc => res.locals.worker as WorkerDoc;

/** Workers authenticate with their own credential (`crony_w_...`), never a tenant token. */
const authenticateWorker: RequestHandler = async (req: Request, res, next) => {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const found = m ? await workerForCredential(m[1]!) : null;
  if (!found) {
    return next(
      new AppError(
        'unauthenticated',
        'The worker credential is unknown or revoked; register again with a registration token',
      ),
    );
  }
  res.locals.worker = found;
  await markSeen(found);
  next();
};

/** The worker protocol under /v1/worker: lease (long-poll), heartbeat, complete, drain. */
export function workerProtocolRouter(): Router {
  const r = Router();
  r.use(authenticateWorker);
  r.post('/lease', async (req, res) => {
    const { wait_ms } = body(req, LeaseRequestBody);
    let closed = false;
    res.on('close', () => (closed = true));
    const run = await leaseFor(worker(res), wait_ms, () => closed);
    if (run) res.json(run);
    else res.status(204).end();
  });
  r.post('/runs/:id/heartbeat', async (req, res) => {
    await heartbeatFor(worker(res), String(req.params.id), body(req, WorkerHeartbeatBody));
    res.json({ ok: true });
  });
  r.post('/runs/:id/complete', async (req, res) => {
    await completeFor(worker(res), String(req.params.id), body(req, WorkerCompleteBody));
    res.json({ ok: true });
  });
  r.post('/drain', async (_req, res) => {
    await drainFor(worker(res));
    res.status(204).end();
  });
  r.post('/online', async (req, res) => {
    res.json(await setOnline(worker(res), body(req, WorkerOnlineBody)));
  });
  return r;
}
