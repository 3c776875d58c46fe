import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP target on loopback that counts what it receives; the e2e server allow-lists 127.0.0.1. */
export async function startReceiver(
  status = 200,
): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits += 1;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${status} from the e2e receiver`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits: () => hits,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Screenshots for reviewers, under the git-ignored e2e/screenshots/. */
export const shot = (name: string) => ({ path: `screenshots/${name}.png`, fullPage: true });
