import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TargetPolicy } from './policy.ts';

export interface OutboundRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Whole-request budget in milliseconds: connect, send, and read the capped response. */
  timeoutMs: number;
  /** Bytes of the response body kept; past them the connection is closed (default 4096). */
  maxBodyBytes?: number;
  /** Aborts the request (the run was cancelled or its lease lost). */
  signal?: AbortSignal;
  /** Name resolution (default `dns.lookup`); every address it returns is judged by the policy. */
  dnsLookup?: typeof dns.lookup;
}

export interface OutboundResponse {
  status: number;
  body: string;
  truncated: boolean;
}

export class OutboundError extends Error {
  constructor(
    readonly code: 'target_not_allowed' | 'timeout' | 'connection_error' | 'aborted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An HTTP request that checks the destination address at connect time: the resolved
 * address, not the name, is what the policy judges, so DNS rebinding cannot slip a private
 * address in after the URL was accepted. Redirects are not followed.
 */
export function guardedRequest(policy: TargetPolicy, req: OutboundRequest): Promise<OutboundResponse> {
  const url = new URL(req.url);
  const refusedUrl = policy.refuseUrl(req.url);
  if (refusedUrl) return Promise.reject(new OutboundError('target_not_allowed', refusedUrl));
  const hostAllowed = policy.hostAllowed(url.hostname);
  const maxBody = req.maxBodyBytes ?? 4096;

  const lookup: LookupFunction = (hostname, options, callback) => {
    (req.dnsLookup ?? dns.lookup)(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as unknown as dns.LookupAddress[];
      if (list.length === 0) return callback(new Error(`${hostname} has no address`), '', 4);
      for (const a of list) {
        const why = hostAllowed ? null : policy.refuseAddress(a.address);
        if (why) return callback(new OutboundError('target_not_allowed', `${hostname} resolves to ${why}`), '', 4);
      }
      if (options.all) return callback(null, list as never);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 4);
      callback(null, first.address, first.family);
    });
  };

  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, {
      method: req.method,
      headers: { 'user-agent': 'CloudCrony/0.1', ...req.headers },
      lookup,
      timeout: req.timeoutMs,
    });
    const deadline = setTimeout(
      () => request.destroy(new OutboundError('timeout', `no complete response within ${req.timeoutMs} ms`)),
      req.timeoutMs,
    );
    const abort = () => request.destroy(new OutboundError('aborted', 'the request was aborted'));
    if (req.signal?.aborted) abort();
    req.signal?.addEventListener('abort', abort, { once: true });
    request.on('close', () => req.signal?.removeEventListener('abort', abort));
    request.on('timeout', () =>
      request.destroy(new OutboundError('timeout', `no complete response within ${req.timeoutMs} ms`)),
    );
    request.on('error', (err) => {
      clearTimeout(deadline);
      if (err instanceof OutboundError) return reject(err);
      reject(new OutboundError('connection_error', err.message, { cause: err }));
    });
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      const finish = () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), truncated });
      };
      res.on('data', (chunk: Buffer) => {
        const part = chunk.subarray(0, maxBody - kept);
        chunks.push(part);
        kept += part.length;
        if (part.length < chunk.length) {
          // Past the cap: stop reading (an endless body must not hold the connection or memory).
          truncated = true;
          finish();
          request.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', (err) => {
        clearTimeout(deadline);
        reject(new OutboundError('connection_error', err.message, { cause: err }));
      });
    });
    request.end(req.body);
  });
}
