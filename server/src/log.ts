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
