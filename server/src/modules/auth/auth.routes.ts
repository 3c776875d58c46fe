import { LoginBody, SignupBody } from '@crony/shared';
import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import {
  authenticate,
  CSRF_HEADER,
  establishSession,
  logIn,
  logOut,
  principal,
  startsSession,
} from '../../http/auth.ts';
import { body } from '../../http/validate.ts';
import { AppError } from '../../http/errors.ts';
import { describe, signup } from './auth.service.ts';

/** Public routes: sign-up and log-in, rate limited per address against password guessing. */
export function authRouter(opts: { signupOpen: boolean }): Router {
  const r = Router();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: 30,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError('rate_limited', 'Too many attempts; wait a minute and retry')),
  });
  r.post('/auth/signup', startsSession, limiter, async (req, res) => {
    const input = body(req, SignupBody);
    const user = await signup(input, opts);
    await establishSession(req, user);
    res.status(201).json(await describe(user));
  });
  r.post('/auth/login', startsSession, limiter, async (req, res) => {
    body(req, LoginBody);
    const user = await logIn(req, res);
    res.json(await describe(user));
  });
  r.post('/auth/logout', async (req, res) => {
    if (req.user && req.get(CSRF_HEADER) !== '1') {
      throw new AppError('csrf_header_required', 'Requests authenticated by cookie must send "X-Crony-CSRF: 1"');
    }
    if (req.user) await logOut(req);
    res.status(204).end();
  });
  return r;
}

export function meRouter(): Router {
  const r = Router();
  r.get('/me', authenticate, async (req, res) => {
    res.json(await describe(principal(req)));
  });
  return r;
}
