// The dashboard page at / carries its first paint (http/firstPaint.ts) only where its socket and its first query
// would be answered: the snapshot the socket sends on connecting and the report GET /compliance answers, the same
// figures; for a page without a key that may read, the socket's refusal instead (the page then asks for a key).
// GET first-paint, the same for a key in its Authorization header, refuses a key as every route does (401 or 403
// problem details, counted by the rate limit). Real server, real HTTP, a socket.io client.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport, Snapshot } from '../../../server/src/protocol';
import { generateSecret, hashSecret, prefixOf } from '../../../server/src/domain/keys';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, visit, type TestServer } from '../support/testServer';

const PAGE = '<!doctype html>\n<html lang="en">\n<head>\n  <title>Ringside</title>\n  <script defer src="dashboard.js"></script>\n</head>\n<body>\n  <div id="app"></div>\n</body>\n</html>\n';
/** A site name that would end the data block, open a comment, or break an old JavaScript string, were it not escaped. */
const AWKWARD_SITE = 'north</script><script>alert(1)</script><!-- & \u2028\u2029 >';

interface Embedded {
  snapshot: Snapshot;
  report: { request: unknown; body: ComplianceReport } | null;
}

let server: TestServer;
let webviewDir: string;
// Local noon of a fixed day: the events below, a second before the server's now, fall on its "today" whenever the
// test runs (on the real clock, a start just before midnight put them on the next day).
const clock = testClock(new Date(2026, 2, 5, 12, 0, 0).getTime());
const keys: Record<'read' | 'ingest', string> = { read: '', ingest: '' };

async function createKey(scopes: string[], name = scopes.join('+')): Promise<{ key: string; id: string }> {
  const res = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify({ name, scopes }) });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { key: string; id: string };
  return { key: body.key, id: body.id };
}

async function page(query: string, url = server.url): Promise<{ status: number; html: string; cacheControl: string | null; embedded: Embedded | null; keyRefused: string | null }> {
  const res = await fetch(`${url}/${query}`);
  const html = await res.text();
  const block = /<script type="application\/json" id="rs-first-paint">([^<]*)<\/script>/.exec(html);
  const refusal = /<script type="application\/json" id="rs-key-refused">([^<]*)<\/script>/.exec(html);
  return {
    status: res.status,
    html,
    cacheControl: res.headers.get('cache-control'),
    embedded: block ? (JSON.parse(block[1]!) as Embedded) : null,
    keyRefused: refusal ? (JSON.parse(refusal[1]!) as { message: string }).message : null,
  };
}

function socketSnapshot(url: string, token: string | null): Promise<Snapshot> {
  const client = io(url, { forceNew: true, reconnection: false, ...(token ? { auth: { token } } : {}) });
  return new Promise<Snapshot>((resolve, reject) => {
    client.once('snapshot', resolve);
    client.once('connect_error', reject);
  }).finally(() => client.close());
}

beforeAll(async () => {
  webviewDir = tempDataDir();
  writeFileSync(join(webviewDir, 'index.html'), PAGE);
  server = await startTestServer({ webviewDir, clock });
  keys.read = (await createKey(['read'])).key;
  keys.ingest = (await createKey(['ingest'])).key;
  const occurredAt = new Date(clock.now() - 1000).toISOString();
  const posted = await server.postEvents({ events: [call({ rings: 1, occurredAt }), call({ rings: 4, occurredAt }), visit({ site: AWKWARD_SITE, occurredAt }), call({ site: AWKWARD_SITE, rings: 2, occurredAt })] });
  expect(posted.status).toBeLessThan(300);
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  removeDir(webviewDir);
});

describe('the dashboard page’s first paint', () => {
  it('with a key that may read in its address: the socket’s snapshot and GET /compliance’s report, never cached', async () => {
    const { status, html, cacheControl, embedded } = await page(`?token=${keys.read}&window=7d`);
    expect(status).toBe(200);
    expect(cacheControl).toBe('no-store');
    // The page itself is unchanged around the block, which sits before </body>.
    expect(html.startsWith(PAGE.slice(0, PAGE.indexOf('</body>')))).toBe(true);
    expect(html.trimEnd().endsWith('</body>\n</html>')).toBe(true);
    expect(embedded).not.toBeNull();
    // The server's clock stands still: the socket's snapshot is built at the same instant, so it must say the same.
    expect(embedded!.snapshot).toEqual(await socketSnapshot(server.url, keys.read));
    expect(embedded!.snapshot.eventsToday).toBe(4);
    expect(embedded!.report!.request).toEqual({ kind: 'compliance', params: { window: '7d', bucket: 'hour' } });
    expect(embedded!.report!.body).toEqual((await server.getJson('/api/v1/compliance?window=7d&bucket=hour')).body);
  });

  it('the report for the site and standard in the address, as the page would ask it', async () => {
    const { embedded } = await page(`?token=${keys.read}&window=1h&site=downtown&standard=call-answer-2-rings`);
    const request = { kind: 'compliance', params: { window: '1h', site: 'downtown', standard: 'call-answer-2-rings', bucket: 'minute' } };
    expect(embedded!.report!.request).toEqual(request);
    expect(embedded!.report!.body).toEqual((await server.getJson('/api/v1/compliance?window=1h&site=downtown&standard=call-answer-2-rings&bucket=minute')).body);
  });

  it('no report where the query would be refused or is not the page’s first (a custom range): the snapshot alone', async () => {
    const unknownStandard = await page(`?token=${keys.read}&standard=no-such-standard`);
    expect((await server.getJson('/api/v1/compliance?window=today&standard=no-such-standard&bucket=hour')).status).toBe(400);
    expect(unknownStandard.embedded!.snapshot.standards.length).toBeGreaterThan(0);
    expect(unknownStandard.embedded!.report).toBeNull();
    const custom = await page(`?token=${keys.read}&window=custom&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`);
    expect(custom.embedded!.report).toBeNull();
  });

  it('without a key, with a key the socket refuses, or one that may not read: no data, the socket’s refusal instead', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /^unauthorized: an API key with scope "read" is required/],
      ['?window=7d', /^unauthorized: an API key with scope "read" is required/],
      ['?token=&window=7d', /^unauthorized: an API key with scope "read" is required/],
      ['?token=rs_not-a-key-0123456789abcdef', /^unauthorized: the API key is not recognised$/],
      [`?token=${keys.ingest}`, /^forbidden: the live feed needs a key with scope "read"$/],
    ];
    for (const [query, refusal] of cases) {
      const { status, html, embedded, keyRefused } = await page(query);
      expect(status, query).toBe(200);
      expect(embedded, query).toBeNull();
      // The page asks for a key with it, rather than open a socket and send a query only to be refused.
      expect(keyRefused, query).toMatch(refusal);
      expect(html, query).toBe(PAGE.replace('</body>', `<script type="application/json" id="rs-key-refused">${JSON.stringify({ message: keyRefused })}</script>\n</body>`));
    }
    // The socket agrees: it refuses the same keys, in the same words.
    await expect(socketSnapshot(server.url, keys.ingest)).rejects.toThrow(/^forbidden: the live feed needs a key with scope "read"$/);
    await expect(socketSnapshot(server.url, null)).rejects.toThrow(/^unauthorized: an API key with scope "read" is required/);
    await expect(socketSnapshot(server.url, 'rs_not-a-key-0123456789abcdef')).rejects.toThrow(/^unauthorized: the API key is not recognised$/);
  });

  it('nothing once the key is revoked', async () => {
    const { key, id } = await createKey(['read'], 'revoked soon');
    expect((await page(`?token=${key}`)).embedded).not.toBeNull();
    expect((await fetch(`${server.url}/api/v1/keys/${id}`, { method: 'DELETE', headers: adminHeaders(server.apiKey) })).status).toBeLessThan(300);
    const revoked = await page(`?token=${key}`);
    expect(revoked.embedded).toBeNull();
    expect(revoked.keyRefused).toBe('unauthorized: the API key is revoked');
  });

  it('escapes what it embeds: a site named with </script>, <!-- and U+2028 neither ends the block nor changes', async () => {
    const { html, embedded } = await page(`?token=${keys.read}`);
    const block = html.slice(html.indexOf('id="rs-first-paint">'), html.lastIndexOf('</body>'));
    expect(block.match(/<\/script>/g)).toHaveLength(1);
    expect(block).not.toMatch(/<!--|\u2028|\u2029/);
    expect(embedded!.snapshot.recent.map((j) => j.event.site)).toContain(AWKWARD_SITE);
  });

  it('GET first-paint gives the same for the key in its Authorization header (a #token= page’s)', async () => {
    const res = await fetch(`${server.url}/first-paint?window=7d`, { headers: { authorization: `Bearer ${keys.read}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const answered = (await res.json()) as { firstPaint?: Embedded };
    expect(answered.firstPaint).toEqual((await page(`?token=${keys.read}&window=7d`)).embedded);
    expect(answered.firstPaint!.report!.request).toEqual({ kind: 'compliance', params: { window: '7d', bucket: 'hour' } });
  });

  it('GET first-paint refuses a wrong, missing or weak key as every route does: the same problem details, status and header', async () => {
    // Refused as GET /compliance (the report it carries) refuses the same key: a log watcher counting 401s sees a
    // wrong key tried here too. A key in its query is none (only a page's `?token=` is read, by the page's request).
    const cases: Array<[string, string | null, number, string]> = [
      ['?window=7d', 'rs_not-a-key-0123456789abcdef', 401, 'key-unknown'],
      [`?token=${keys.read}&window=7d`, null, 401, 'missing-key'],
      ['', keys.ingest, 403, 'insufficient-scope'],
    ];
    for (const [query, key, status, slug] of cases) {
      const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
      const res = await fetch(`${server.url}/first-paint${query}`, { headers });
      const api = await fetch(`${server.url}/api/v1/compliance${query}`, { headers });
      expect(res.status, slug).toBe(status);
      expect(res.headers.get('content-type'), slug).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate'), slug).toBe(api.headers.get('www-authenticate'));
      const [problem, apiProblem] = [(await res.json()) as { type: string; title: string; detail: string }, (await api.json()) as { detail: string }];
      expect(problem.type, slug).toMatch(new RegExp(`/${slug}$`));
      if (status === 401) expect(problem, slug).toEqual(apiProblem);
      else {
        expect(problem).toMatchObject({
          detail: 'GET /first-paint needs a key with scope "read" (this key has: ingest)',
          errors: [{ path: 'Authorization', message: 'carries a key without scope "read", which GET /first-paint needs (this key has: ingest)' }],
        });
      }
    }
  });

  it('GET first-paint holds a key to its scope only: a read key limited to other sites gets the snapshot, without the report of the site in the address', async () => {
    // The API makes site lists on ingest keys only; the store keeps what it is given, so the key is written there.
    const key = generateSecret();
    const db = openDatabase(server.dataDir);
    try {
      db.prepare("INSERT INTO api_keys (id, name, scopes, sites, hash, prefix, source, created_at_ms, expires_at_ms) VALUES ('k_twositesread', 'two sites', '[\"read\"]', '[\"north\",\"harbour\"]', ?, ?, 'api', ?, NULL)").run(hashSecret(key), prefixOf(key), clock.now());
    } finally {
      db.close();
    }
    // The live feed accepts it (the page's socket), and so does GET first-paint for a page showing another site.
    expect((await socketSnapshot(server.url, key)).recent.length).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/first-paint?site=downtown&window=7d`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const answered = (await res.json()) as { firstPaint?: Embedded };
    expect(answered.firstPaint!.snapshot.recent.length).toBeGreaterThan(0);
    expect(answered.firstPaint!.report).toBeNull();
    expect(answered.firstPaint).toEqual((await page(`?token=${key}&site=downtown&window=7d`)).embedded);
    // The API's routes still hold the address's site to the key's list.
    expect((await fetch(`${server.url}/api/v1/compliance?site=downtown&window=7d`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
  });

  it('answers HEAD with the page’s headers and no data read', async () => {
    const res = await fetch(`${server.url}/?token=${keys.read}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('');
  });
});

describe('GET first-paint’s refusals and the rate limit', () => {
  // The buckets refill on the server's clock, which stands still here.
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ webviewDir, clock: testClock(), rateLimit: { perSecond: 2, burst: 5 } });
  });
  afterAll(async () => {
    await limited?.close();
    if (limited) removeDir(limited.dataDir);
  });

  it('counts a wrong key refused there in its sender’s address bucket, as a refusal on any route is counted', async () => {
    const wrong = { authorization: 'Bearer rs_not-a-key-0123456789abcdef' };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/first-paint?window=7d`, { headers: wrong })).status);
    for (let i = 0; i < 2; i++) statuses.push((await fetch(`${limited.url}/api/v1/compliance`, { headers: wrong })).status);
    // The burst of 5 is spent by both routes' refusals alike: the next guess, on either, is refused for its rate.
    statuses.push((await fetch(`${limited.url}/first-paint`, { headers: wrong })).status);
    statuses.push((await fetch(`${limited.url}/api/v1/compliance`, { headers: wrong })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const stats = (await (await fetch(`${limited.url}/api/v1/stats`, { headers: adminHeaders(limited.apiKey) })).json()) as { http: { rateLimited: number } };
    expect(stats.http.rateLimited).toBe(2);
  });
});

describe('the first paint on a server without keys (--no-auth, loopback)', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ webviewDir, noAuth: true });
  });
  afterAll(async () => {
    await open?.close();
    if (open) removeDir(open.dataDir);
  });

  it('is embedded for any page, as its socket connects without a key', async () => {
    const { embedded } = await page('?window=30d', open.url);
    expect(embedded!.report!.request).toEqual({ kind: 'compliance', params: { window: '30d', bucket: 'hour' } });
    expect(embedded!.snapshot.standards).toEqual((await socketSnapshot(open.url, null)).standards);
    expect((await page('', open.url)).keyRefused).toBeNull();
  });
});
