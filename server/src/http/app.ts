import type { Health } from '@crony/shared';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { forUser } from '../db/write-lane.ts';
import { authRouter, meRouter } from '../modules/auth/auth.routes.ts';
import type { TargetPolicy } from '../modules/outbound/policy.ts';
import { invitationAcceptRouter, membersRouter } from '../modules/members/members.routes.ts';
import { redactUrl } from '../log.ts';
import { overviewRouter } from '../modules/overview/overview.routes.ts';
import type { ProgressTokens } from '../modules/runs/progress.ts';
import { progressRouter, runsRouter } from '../modules/runs/runs.routes.ts';
import { groupsRouter } from '../modules/groups/groups.routes.ts';
import { groupTasksRouter } from '../modules/groups/tasks.routes.ts';
import { profilesRouter } from '../modules/profiles/profiles.routes.ts';
import { schedulesRouter } from '../modules/schedules/schedules.routes.ts';
import { errorsRouter } from '../modules/errors/errors.routes.ts';
import { hooksRouter } from '../modules/hooks/hooks.routes.ts';
import { tokensRouter } from '../modules/tokens/tokens.routes.ts';
import { workerProtocolRouter, workerRegistrationRouter, workersRouter } from '../modules/workers/workers.routes.ts';
import { openApiDocument } from '../openapi/document.ts';
import { authenticate, consoleSession } from './auth.ts';
import { AppError, errorMiddleware } from './errors.ts';

export interface AppDeps {
  log: Logger;
  policy: TargetPolicy;
  sessionSecret: string;
  signupOpen: boolean;
  progress: ProgressTokens;
  /** `verbose` adds the process's runtime figures (memory, event-loop delay). */
  health: (verbose: boolean) => Promise<Health>;
  /** Next.js request handler for the console; absent in API-only processes. */
  console?: RequestHandler;
}

const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    return next(
      new AppError('unsupported_media_type', 'Send the request body as JSON with "Content-Type: application/json"'),
    );
  }
  next();
};

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  // The console (Next.js) and the API docs use inline scripts; a CSP for them needs nonces
  // wired through Next, so only the other helmet protections are on for now.
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(
    pinoHttp({
      logger: deps.log,
      autoLogging: { ignore: (req) => req.url === '/v1/health' },
      serializers: { req: (req: { url: string }) => ({ ...req, url: redactUrl(req.url) }) },
    }),
  );

  const doc = openApiDocument();
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(doc);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(doc, { customSiteTitle: 'Cloud Crony API' }));

  const v1 = express.Router();
  v1.get('/health', async (req, res) => {
    const h = await deps.health(req.query.verbose === 'true');
    res.status(h.status === 'ok' ? 200 : 503).json(h);
  });
  v1.use(requireJson, express.json({ limit: '1mb', strict: true }));
  v1.use(consoleSession(deps.sessionSecret));
  v1.use(workerRegistrationRouter());
  v1.use(progressRouter(deps.progress));
  v1.use('/worker', workerProtocolRouter());
  // From here on a user waits for the answer: its writes go ahead of the scheduler's (db/write-lane.ts).
  // Workers, progress reports and registrations above are the executors' traffic.
  v1.use((_req, _res, next) => forUser(next));
  v1.use(authRouter({ signupOpen: deps.signupOpen }));
  v1.use(invitationAcceptRouter());
  v1.use(meRouter());
  v1.use(authenticate);
  v1.use(schedulesRouter({ policy: deps.policy }));
  v1.use(groupTasksRouter({ policy: deps.policy }));
  v1.use(profilesRouter());
  v1.use(groupsRouter({ policy: deps.policy }));
  v1.use(runsRouter());
  v1.use(tokensRouter());
  v1.use(workersRouter());
  v1.use(hooksRouter());
  v1.use(errorsRouter());
  v1.use(overviewRouter());
  v1.use(membersRouter());
  v1.use((req, _res, next) => next(new AppError('not_found', `No route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/v1', v1, errorMiddleware(deps.log));

  if (deps.console) app.use(deps.console);
  app.use(errorMiddleware(deps.log));
  return app;
}
