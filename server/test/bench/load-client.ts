import http from 'node:http';

/**
 * The HTTP client of the API load (open-loop.ts): node:http over keep-alive connections, as
 * many as requests in flight. Its answers are read whole before they count.
 *
 * Why not fetch: undici's fetch cost the harness about 4.3 ms of CPU per page of 50 schedules,
 * which at 200 a second took most of a core from the machine the server runs on; the requests
 * then waited seconds inside the harness before the server saw them (measured: lists p99 9–11
 * s at the client, 100–400 ms from the server's own arrival to its answer). With this client
 * the same server answered at p99 336 ms (bench/results/REPORT.md, seventeenth round).
 */
export interface LoadClient {
  /** Sends one request; resolves with the status once the whole answer was read. */
  send(
    url: string,
    opts?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number }>;
  close(): void;
}

export function loadClient(timeoutMs: number): LoadClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  return {
    send: (url, { method = 'GET', headers, body } = {}) =>
      new Promise((resolve, reject) => {
        // A deadline for the whole exchange, as fetch's AbortSignal.timeout had (a socket
        // timeout would only bound the gaps between bytes).
        const signal = AbortSignal.timeout(timeoutMs);
        const req = http.request(url, { method, headers, agent, signal }, (res) => {
          res.resume(); // read and drop the body: the answer counts once it has all arrived
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
