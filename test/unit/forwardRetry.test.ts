// How long a forwarder waits before posting again: its own doubling backoff, and never sooner than a rate-limited
// server's Retry-After (up to the longest wait). A real HTTP server on 127.0.0.1:0 answers as Ringside's would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToRingside } from '../../server/src/cli/forward/ringsideApi';
import { retryAfterMs, retryDelay } from '../../server/src/cli/forward/retry';

describe('forwarder retries', () => {
  const answers: Array<{ status: number; headers: Record<string, string> }> = [];
  let server: Server;
  let url: URL;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      const a = answers.shift() ?? { status: 201, headers: {} };
      res.writeHead(a.status, { 'content-type': 'application/problem+json', ...a.headers }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/milestones`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("takes a 429's Retry-After as the least wait, and leaves a 503's to its own backoff", async () => {
    answers.push({ status: 429, headers: { 'retry-after': '7' } }, { status: 503, headers: { 'retry-after': '30' } }, { status: 429, headers: {} });
    const post = () => postToRingside(url, 'rs_key', '{}', 'application/json');
    expect(await post()).toEqual({ kind: 'retry', reason: `${url.origin} answered 429`, waitMs: 7000 });
    expect(await post()).toEqual({ kind: 'retry', reason: `${url.origin} answered 503` });
    expect(await post()).toEqual({ kind: 'retry', reason: `${url.origin} answered 429` });
  });

  it('doubles its wait up to the longest, and waits at least what the server asked, never beyond the longest', () => {
    const policy = { initialMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 7, 8].map((n) => retryDelay(n, policy))).toEqual([1000, 2000, 4000, 60_000, 60_000]);
    expect(retryDelay(1, policy, 7000)).toBe(7000);
    expect(retryDelay(4, policy, 7000)).toBe(8000);
    expect(retryDelay(1, policy, 600_000)).toBe(60_000);
  });

  it("reads Retry-After as seconds or an HTTP date, and ignores what is neither", () => {
    const now = Date.parse('2026-12-08T01:00:00Z');
    expect(retryAfterMs('12', now)).toBe(12_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Tue, 08 Dec 2026 01:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Tue, 08 Dec 2026 00:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
