import http from 'node:http';
import type net from 'node:net';

/**
 * The no-op HTTP target of the benchmark, on loopback: it answers 200 at once and notes when
 * each (schedule, nominal time) first arrived, which is when the task "really starts".
 */
export interface Receiver {
  url: string;
  /** `${scheduleId}|${nominal ms}` → first arrival, ms since the epoch. */
  arrivals: Map<string, number>;
  /** Requests received, repeats included. */
  requests(): number;
  close(): Promise<void>;
}

export const arrivalKey = (scheduleId: string, nominalMs: number): string => `${scheduleId}|${nominalMs}`;

export async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  let requests = 0;
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const at = Date.now();
    requests++;
    const sid = req.headers['x-crony-schedule-id'];
    const nominal = req.headers['x-crony-nominal-time'];
    if (typeof sid === 'string' && typeof nominal === 'string') {
      const key = arrivalKey(sid, Date.parse(nominal));
      if (!arrivals.has(key)) arrivals.set(key, at);
    }
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
