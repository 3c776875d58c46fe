import type { Request, Response } from 'express';

/** One server-sent event: `event:` name, optional `id:`, and `data` sent as JSON. */
export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const PING_MS = 15_000;

/**
 * Answers `req` with a server-sent events stream of what `events` yields. `events` receives an
 * `isClosed` check that turns true once the client goes, so it can stop waiting; the response
 * ends when the iteration ends (or throws) either way.
 */
export async function streamEvents(
  req: Request,
  res: Response,
  events: (isClosed: () => boolean) => AsyncIterable<SseEvent>,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to, which would hold events back.
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  let closed = false;
  req.on('close', () => (closed = true));
  const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
  try {
    for await (const e of events(() => closed)) {
      const id = e.id === undefined ? '' : `id: ${e.id}\n`;
      res.write(`event: ${e.event}\n${id}data: ${JSON.stringify(e.data)}\n\n`);
    }
  } finally {
    clearInterval(ping);
    res.end();
  }
}
