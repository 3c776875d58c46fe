import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The process logger: JSON lines on stdout (or `destination`). Credentials never reach the
 * logs: bearer tokens, session cookies and the cookies we set are censored wherever a request
 * or response is logged.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Invitation links carry their secret in the path (`/invite/<token>`, `/v1/invitations/accept/<token>`). */
const secretInPath = /(\/invite\/|\/invitations\/accept\/)[^/?#]+/g;

/** A request URL fit for the logs: secrets in the path replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(secretInPath, '$1[redacted]');
}
