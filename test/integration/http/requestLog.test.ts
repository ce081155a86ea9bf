// One log line per request, naming the whole path the client asked for, wherever the answer came from (a router
// mounted below /api/v1 makes req.url relative to itself before the answer is sent); a health probe's success at
// debug, however its path is spelled; so is a dashboard's periodic refresh that succeeded (X-Ringside-Refresh).
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../../server/src/http/clientAddress';
import { requestLog } from '../../../server/src/http/httpHardening';
import { PERIODIC_REFRESH, REFRESH_HEADER } from '../../../server/src/protocol/pure';
import { captureLog } from '../support/serverLog';
import { adminHeaders, startTestServer } from '../support/testServer';

const requireFromServer = createRequire(new URL('../../../server/package.json', import.meta.url));
type Handler = (req: unknown, res: { json(v: unknown): void }) => void;
const express = requireFromServer('express') as (() => {
  use(pathOrHandler: unknown, handler?: unknown): void;
  listen(port: number, host: string): import('node:http').Server;
}) & { Router(): { get(path: string, handler: Handler): void } };
const pino = requireFromServer('pino') as (options: object, stream: { write(line: string): void }) => Parameters<typeof requestLog>[0];

describe('request log', () => {
  it('names the full path of a request a mounted router answered, without its query', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const app = express();
    app.use(requestLog(logger, clientAddress(null)));
    const router = express.Router();
    router.get('/sites', (_req, res) => res.json({ sites: [] }));
    app.use('/api/v1', router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/sites?site=a`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await expect.poll(() => lines.length).toBe(1);
      expect(lines[0]).toMatchObject({ msg: 'request', method: 'GET', path: '/api/v1/sites', status: 200, ip: '127.0.0.1' });
    } finally {
      server.close();
    }
  });

  it('writes a health probe that succeeded at debug, however its path is spelled, and its failures and other requests as before', async () => {
    const log = captureLog();
    const server = await startTestServer({ logLevel: 'debug' });
    const asked: Array<[string, string, number]> = [
      ['GET', '/api/v1/health', 200],
      ['GET', '/api/v1/health/ready', 200],
      ['HEAD', '/api/v1/health', 200],
      // Express matches paths case-insensitively and with a trailing slash; a balancer adds its own query.
      ['GET', '/API/V1/Health/Ready/?_=1712', 200],
      ['POST', '/api/v1/health', 405],
      ['GET', '/api/v1/sites', 200],
    ];
    try {
      for (const [method, path, status] of asked) {
        const res = await fetch(`${server.url}${path}`, { method, headers: adminHeaders() });
        expect([method, path, res.status]).toEqual([method, path, status]);
        await res.arrayBuffer();
      }
      const requests = () => log.lines().filter((l) => l.msg === 'request');
      await expect.poll(() => requests().length).toBe(asked.length);
      // pino's levels: 20 debug, 30 info. At the default --log-level info the successful probes are not written.
      expect(requests().map((l) => [l.method, l.path, l.status, l.level])).toEqual([
        ['GET', '/api/v1/health', 200, 20],
        ['GET', '/api/v1/health/ready', 200, 20],
        ['HEAD', '/api/v1/health', 200, 20],
        ['GET', '/API/V1/Health/Ready/', 200, 20],
        ['POST', '/api/v1/health', 405, 30],
        ['GET', '/api/v1/sites', 200, 30],
      ]);
    } finally {
      await server.close();
      log.stop();
    }
  });

  it('writes a dashboard’s periodic refresh that succeeded at debug, and its refusals at their usual level', async () => {
    const log = captureLog();
    const server = await startTestServer({ logLevel: 'debug' });
    const periodic = { [REFRESH_HEADER]: PERIODIC_REFRESH };
    const asked: Array<[string, Record<string, string>, number]> = [
      ['/api/v1/compliance?window=today', { ...adminHeaders(), ...periodic }, 200],
      ['/api/v1/compliance?window=today', adminHeaders(), 200],
      // Another value is not a periodic refresh.
      ['/api/v1/compliance?window=today', { ...adminHeaders(), [REFRESH_HEADER]: 'manual' }, 200],
      ['/api/v1/compliance?window=fortnight', { ...adminHeaders(), ...periodic }, 400],
      ['/api/v1/compliance?window=today', periodic, 401],
    ];
    try {
      for (const [path, headers, status] of asked) {
        const res = await fetch(`${server.url}${path}`, { headers });
        expect([path, res.status]).toEqual([path, status]);
        await res.arrayBuffer();
      }
      const requests = () => log.lines().filter((l) => l.msg === 'request');
      await expect.poll(() => requests().length).toBe(asked.length);
      // pino's levels: 20 debug, 30 info, 40 warn.
      expect(requests().map((l) => [l.status, l.level])).toEqual([
        [200, 20],
        [200, 30],
        [200, 30],
        [400, 30],
        [401, 40],
      ]);
    } finally {
      await server.close();
      log.stop();
    }
  });

  it('lets a cross-origin dashboard send the refresh header (CORS preflight)', async () => {
    const server = await startTestServer({ corsOrigins: ['https://wall.example.com'] });
    try {
      const res = await fetch(`${server.url}/api/v1/compliance`, {
        method: 'OPTIONS',
        headers: { origin: 'https://wall.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-ringside-refresh' },
      });
      expect(res.status).toBe(204);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
      expect(allowed).toContain('x-ringside-refresh');
    } finally {
      await server.close();
    }
  });
});
