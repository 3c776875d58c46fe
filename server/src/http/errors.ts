import type { ErrorCode, ErrorDetail } from '@crony/shared';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';

const statusOf: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  invalid_credentials: 401,
  csrf_header_required: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  // A worker's lease ended because the server stopped the attempt; see protocol.service.ts.
  run_preempted: 409,
  run_timed_out: 409,
  group_not_empty: 409,
  profile_in_use: 409,
  signup_closed: 403,
  target_not_allowed: 400,
  rate_limited: 429,
  internal: 500,
};

/** The one error type the API raises on purpose. Its code is stable; its message says what to do. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.status = statusOf[code];
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

export function fromZod(error: z.ZodError, where: string): AppError {
  const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = details[0];
  const summary = first ? `${first.path || where}: ${first.message}` : 'invalid input';
  return new AppError('validation_failed', `Invalid ${where}: ${summary}`, details);
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Turns every error into the envelope of DESIGN.md; a 5xx never leaks internals. */
export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let appError: AppError;
    if (err instanceof AppError) appError = err;
    else if (err instanceof z.ZodError) appError = fromZod(err, 'input');
    else if (isBodyParserError(err) && err.type === 'entity.parse.failed')
      appError = new AppError('malformed_json', 'The request body is not valid JSON', undefined, { cause: err });
    else if (isBodyParserError(err) && err.type === 'entity.too.large')
      appError = new AppError('payload_too_large', 'The request body is larger than 1 MB', undefined, { cause: err });
    else {
      log.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
      appError = new AppError('internal', 'Something went wrong on our side; it has been logged', undefined, {
        cause: err,
      });
    }
    if (res.headersSent) return;
    res.status(appError.status).json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details ? { details: appError.details } : {}),
      },
    });
  };
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return err instanceof Error && typeof (err as BodyParserError).type === 'string';
}
