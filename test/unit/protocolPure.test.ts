// The protocol's zod-free entry (server/src/protocol/pure): the one band rule and percent wording that the
// server, the dashboard page and the VS Code extension all use, and a check that the entry stays free of zod
// and of anything outside its folder (the page's bundle, and its first render, depend on that).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAND_RANK, bandIn, bandOf, bandsOf, defaultBands, fetchDashboard, formatPercent, worstBand } from '../../server/src/protocol/pure';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('bands', () => {
  it('defaults to green from the target and amber down to 5 points below it, never below 0', () => {
    expect(defaultBands(0.9)).toEqual({ green: 0.9, amber: 0.85 });
    expect(defaultBands(0.995)).toEqual({ green: 0.995, amber: 0.945 });
    expect(defaultBands(0.03)).toEqual({ green: 0.03, amber: 0 });
  });

  it('uses a standard’s own bands when it has them', () => {
    expect(bandsOf({ target: 0.9, bands: { green: 0.95, amber: 0.93 } })).toEqual({ green: 0.95, amber: 0.93 });
    expect(bandsOf({ target: 0.9 })).toEqual({ green: 0.9, amber: 0.85 });
  });

  it('is green at or above green, amber at or above amber, red below; no band when nothing was counted', () => {
    expect(bandOf(0.9, undefined, 0.9)).toBe('green');
    expect(bandOf(0.85, undefined, 0.9)).toBe('amber');
    expect(bandOf(0.849, undefined, 0.9)).toBe('red');
    expect(bandOf(null, undefined, 0.9)).toBeNull();
    expect(bandOf(0.94, { green: 0.95, amber: 0.93 }, 0.9)).toBe('amber');
    expect(bandIn(0.92, { green: 0.95, amber: 0.93 })).toBe('red');
  });

  it('ranks red worst, then amber, then green', () => {
    expect(BAND_RANK.red).toBeGreaterThan(BAND_RANK.amber);
    expect(BAND_RANK.amber).toBeGreaterThan(BAND_RANK.green);
    expect(worstBand(['green', null, 'amber'])).toBe('amber');
    expect(worstBand([null, undefined])).toBeNull();
  });
});

describe('formatPercent', () => {
  it('reads a ratio with one decimal (floored: test/unit/incidents.test.ts), and nothing counted as a dash', () => {
    expect(formatPercent(0.931)).toBe('93.1 %');
    expect(formatPercent(0.8999)).toBe('89.9 %');
    expect(formatPercent(1)).toBe('100.0 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('the zod-free entry', () => {
  it('bundles from its own folder alone: no zod, no other protocol module', async () => {
    const result = await build({
      entryPoints: [resolve(root, 'server/src/protocol/pure/index.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'neutral',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(root, input)));
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.filter((input) => !input.startsWith('server/src/protocol/pure/'))).toEqual([]);
  });
});

describe('fetchDashboard (a real HTTP server on 127.0.0.1)', () => {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.url?.includes('/incidents/')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ incidents: [] }));
        if (req.url?.includes('/distribution')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
        if (req.url?.includes('site=gone')) return res.writeHead(502, 'Bad Gateway').end('upstream down');
        res.writeHead(403, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'x', title: 'Forbidden', status: 403, detail: 'needs read' }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('keeps a reverse-proxy prefix, sends the key, and posts the incident ids to acknowledge', async () => {
    const result = await fetchDashboard({ kind: 'ack-incidents', ids: [7, 8] }, { serverUrl: `${base}/ringside`, apiKey: 'rs_k', fetch });
    expect(result).toEqual({ ok: true, body: { incidents: [] } });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/ringside/api/v1/incidents/ack', body: '{"ids":[7,8]}' });
    expect(seen.at(-1)!.headers).toMatchObject({ authorization: 'Bearer rs_k', 'content-type': 'application/json', accept: 'application/json' });
  });

  it('passes the server’s problem on, and makes one up for other failures', async () => {
    expect(await fetchDashboard({ kind: 'compliance', params: { site: 'York' } }, { serverUrl: base, fetch })).toEqual({
      ok: false,
      problem: { type: 'x', title: 'Forbidden', status: 403, detail: 'needs read' },
    });
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    expect(await fetchDashboard({ kind: 'compliance', params: { site: 'gone' } }, { serverUrl: base, fetch })).toEqual({
      ok: false,
      problem: { type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'upstream down' },
    });
    expect(await fetchDashboard({ kind: 'distribution', params: {} }, { serverUrl: base, fetch })).toMatchObject({ ok: false, problem: { status: 200, title: 'Not JSON' } });
  });

  it('marks a periodic refresh with X-Ringside-Refresh (the page’s and the extension host’s calls alike), and nothing else', async () => {
    await fetchDashboard({ kind: 'ack-incidents', ids: [1] }, { serverUrl: base, fetch });
    expect(seen.at(-1)!.headers['x-ringside-refresh']).toBeUndefined();
    await fetchDashboard({ kind: 'ack-incidents', ids: [1] }, { serverUrl: base, fetch, periodic: true });
    expect(seen.at(-1)!.headers['x-ringside-refresh']).toBe('periodic');
  });

  it('answers status 0 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((done) => closed.close(() => done()));
    const result = await fetchDashboard({ kind: 'compliance', params: {} }, { serverUrl: url, fetch });
    expect(result).toMatchObject({ ok: false, problem: { status: 0, title: 'Server unreachable' } });
  });
});
