import { roleRank, type Role } from '@crony/shared';
import { MongoStore } from 'connect-mongo';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import mongoose from 'mongoose';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { Strategy as LocalStrategy } from 'passport-local';
import { principalForPassword, principalForToken, principalForUser } from '../modules/auth/auth.service.ts';
import type { Principal } from '../tenancy/scope.ts';
import { AppError } from './errors.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Principal {}
  }
}

export const SESSION_COOKIE = 'crony.sid';
export const CSRF_HEADER = 'x-crony-csrf';

passport.use(
  new BearerStrategy((token, done) => {
    principalForToken(token).then((p) => done(null, p ?? false), done);
  }),
);
passport.use(
  new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: true }, (email, password, done) => {
    principalForPassword(email, password).then((p) => done(null, p ?? false), done);
  }),
);
// The session stores only the user id; role and tenant are re-read on every request so a
// role change or removal takes effect at once.
passport.serializeUser((user, done) => done(null, user.userId?.toString()));
passport.deserializeUser((id: string, done) => {
  principalForUser(id).then((p) => done(null, p ?? false), done);
});

/** Console sessions in MongoDB (the `sessions` collection), sharing mongoose's client. */
function sessionMiddleware(secret: string): RequestHandler {
  const store = MongoStore.create({
    client: mongoose.connection.getClient(),
    dbName: mongoose.connection.db?.databaseName,
    collectionName: 'sessions',
    ttl: 14 * 24 * 3600,
    // TTL indexes do not expire documents on FerretDB 1.x, so expired sessions are removed
    // by a periodic sweep instead (minutes).
    autoRemove: 'interval',
    autoRemoveInterval: 10,
    touchAfter: 3600,
  });
  return session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 14 * 24 * 3600 * 1000 },
  });
}

const hasBearer = (req: Request) => /^Bearer\s/i.test(req.headers.authorization ?? '');

/**
 * The console's session, for requests without a bearer token. A request that carries one is
 * authenticated by it alone (`authenticate`), so its session would go unused: skipping it saves
 * the session's id, signature and response hooks on every API call (measured: an eighth of
 * the CPU of a page of 50 schedules). The routes that start a session refuse such a request
 * (`startsSession`).
 */
export function consoleSession(secret: string): RequestHandler[] {
  return [sessionMiddleware(secret), passport.session()].map(
    (handler): RequestHandler =>
      (req, res, next) =>
        hasBearer(req) ? next() : handler(req, res, next),
  );
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every `/v1` route after this requires a principal: a bearer token, or a console session.
 * A cookie-authenticated request that changes state must carry `X-Crony-CSRF: 1`, which a
 * cross-site form cannot send.
 */
export const authenticate: RequestHandler = (req, res, next) => {
  if (hasBearer(req)) {
    passport.authenticate('bearer', { session: false }, (err: unknown, user: Principal | false) => {
      if (err) return next(err);
      if (!user) return next(new AppError('unauthenticated', 'The bearer token is unknown, revoked or expired'));
      req.user = user;
      next();
    })(req, res, next);
    return;
  }
  if (!req.user) {
    return next(
      new AppError('unauthenticated', 'Authenticate with "Authorization: Bearer crony_..." or log in to the console'),
    );
  }
  if (!safeMethods.has(req.method) && req.get(CSRF_HEADER) !== '1') {
    return next(new AppError('csrf_header_required', 'Requests authenticated by cookie must send "X-Crony-CSRF: 1"'));
  }
  next();
};

export function principal(req: Request): Principal {
  if (!req.user) throw new AppError('unauthenticated', 'Not authenticated');
  return req.user;
}

export function requireRole(min: Role): RequestHandler {
  return (req, _res, next) => {
    const p = principal(req);
    if (roleRank[p.role] < roleRank[min]) {
      return next(new AppError('forbidden', `This needs the ${min} role or higher; you are ${p.role}`));
    }
    next();
  };
}

/**
 * For the routes that start a console session (sign-up, log-in, accepting an invitation): a
 * request with a bearer token has no session (`consoleSession`), so it is refused before the
 * route does anything, rather than after it created a tenant or used up an invitation.
 */
export const startsSession: RequestHandler = (req, _res, next) => {
  if (!hasBearer(req)) return next();
  next(
    new AppError(
      'validation_failed',
      'A console session is started without an "Authorization: Bearer" header; send this request without it',
    ),
  );
};

/** Runs passport-local and establishes the session; resolves the principal. */
export function logIn(req: Request, res: Parameters<RequestHandler>[1]): Promise<Principal> {
  return new Promise((resolve, reject) => {
    passport.authenticate('local', (err: unknown, user: Principal | false) => {
      if (err) return reject(err);
      if (!user) return reject(new AppError('invalid_credentials', 'Wrong email or password'));
      req.logIn(user, (e) => (e ? reject(e) : resolve(user)));
    })(req, res, (e: unknown) => reject(e));
  });
}

export function establishSession(req: Request, user: Principal): Promise<void> {
  return new Promise((resolve, reject) => req.logIn(user, (e) => (e ? reject(e) : resolve())));
}

export function logOut(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.logOut((e) => {
      if (e) return reject(e);
      req.session.destroy((e2) => (e2 ? reject(e2) : resolve()));
    }),
  );
}

export { passport };
