// Site ids and lists of sites: a new site id may not hold a comma (refused at every door that names a site), a
// list is read one way everywhere (several values: each one site, whole; one value: a stored site's exact id whole,
// else the sites between its commas), a site stored with a comma before the rule stays reachable, and an export
// naming a site no record names is refused instead of signed empty.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSite } from '../../../server/src/domain/sites';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { appendIdList } from '../../../server/src/protocol/pure';
import { buildServer, mainJs, runNode } from '../support/cli';
import { openTestCore } from '../support/core';
import { adminHeaders, call, databaseUrlOf, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const OLD = 'North, Annex'; // stored before site ids were refused a comma
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-04-01T00:00:00Z';
let server: TestServer;

beforeAll(async () => {
  buildServer();
  const dataDir = tempDataDir();
  // What a server before the rule stored: the event through the same preparation ingest uses, past the wire schema.
  const databaseUrl = await databaseUrlOf(dataDir);
  const core = await openTestCore(dataDir, databaseUrl ? { databaseUrl } : {});
  try {
    const input = call({ id: 'old-1', site: OLD, occurredAt: '2026-03-02T09:00:00Z', rings: 1 }) as never;
    await core.store.write((tx) => tx.writes.events([prepareEvent(input, { standardsAt: (ms) => core.standards.judgingAt(ms), site: defaultSite(OLD, 'UTC'), receivedAtMs: Date.now() })]));
  } finally {
    await core.close();
  }
  server = await startTestServer({ dataDir, logLevel: 'error' });
  const posted = await server.postEvents({ events: [call({ id: 'h-1', site: 'harbour', occurredAt: '2026-03-03T09:00:00Z' }), call({ id: 'n-1', site: 'North', occurredAt: '2026-03-04T09:00:00Z' })] });
  expect(posted.status, JSON.stringify(posted.body)).toBe(201);
});

afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

const send = (method: string, path: string, body?: unknown, type = 'application/json') =>
  fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(server.apiKey), 'content-type': type }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });

/** Runs node with `args` without blocking this process, with no API key in its environment unless `env` gives one. */
const node = (args: string[], env: Record<string, string> = {}) => runNode(args, { env: { ...process.env, RINGSIDE_API_KEY: '', ...env } });

const COMMA = 'must not contain a comma: lists of sites separate ids with commas (site=a,b), so a site id cannot hold one';

describe('a new site id may not hold a comma', () => {
  it('is refused at ingest, for milestones, at site creation and by an integration, naming the field; nothing is stored', async () => {
    const event = await send('POST', '/events', call({ site: 'South, Annex' }));
    expect(event.status).toBe(400);
    expect((await event.json()).errors).toEqual([{ path: 'site', message: COMMA }]);
    const batch = await send('POST', '/events', { events: [call({ site: 'harbour' }), call({ site: OLD })] });
    expect(batch.status).toBe(400);
    expect((await batch.json()).errors).toEqual([{ path: 'events.1.site', message: COMMA }]);
    const milestone = await send('POST', '/milestones', { type: 'call', site: 'South, Annex', caseId: 'c1', milestone: 'started', at: new Date().toISOString() });
    expect(milestone.status).toBe(400);
    expect((await milestone.json()).errors).toEqual([{ path: 'site', message: COMMA }]);
    const site = await send('POST', '/sites', { id: 'South, Annex', timeZone: 'Europe/London' });
    expect(site.status).toBe(400);
    expect((await site.json()).errors).toEqual([{ path: 'id', message: COMMA }]);
    const asterisk = await send('POST', `/integrations/asterisk/queue-log?site=${encodeURIComponent('South, Annex')}`, '1700000000|1|q|NONE|ENTERQUEUE||100|1\n', 'text/plain');
    expect(asterisk.status).toBe(400);
    expect((await asterisk.json()).errors).toEqual([{ path: 'site', message: COMMA }]);
    expect((await send('GET', '/sites/South%2C%20Annex')).status).toBe(404);
    // The forwarders refuse it before they start, as the server would refuse every record.
    for (const action of [['asterisk-queue-log', '--file', join(server.dataDir, 'queue_log')], ['mqtt', '--broker', 'mqtt://127.0.0.1:1', '--topic', 't']]) {
      const r = await node([mainJs, 'forward', ...action, '--server', server.url, '--site', 'South, Annex'], { RINGSIDE_API_KEY: 'rs_x' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--site ${COMMA}`);
    }
  });
});

describe('lists of sites', () => {
  const exportCsv = async (query: string) => {
    const res = await send('GET', `/export/events?from=${FROM}&to=${TO}&format=csv&${query}`);
    return { status: res.status, text: await res.text() };
  };
  const manifestOf = (csv: string) => JSON.parse(/# manifest (.*)\r\n$/.exec(csv)![1]!) as { rowCount: number; filters: { sites: string[] } };

  it('take a stored site whose id holds a comma whole, and the export verifies with its row', async () => {
    const one = await exportCsv(`site=${encodeURIComponent(OLD)}`);
    expect(one.status, one.text).toBe(200);
    expect(manifestOf(one.text)).toMatchObject({ rowCount: 1, filters: { sites: [OLD] } });
    const file = join(server.dataDir, 'north-annex.csv');
    writeFileSync(file, one.text);
    const verified = await node(['scripts/verify-export.mjs', file]);
    expect(verified.stdout).toMatch(/^NOT PROVEN: .*\(events, csv, 1 rows/); // every check passes; no key given
    // Repeated: each value one site, whole (the dashboard and the extension write lists so).
    const q = new URLSearchParams();
    appendIdList(q, 'site', [OLD, 'harbour']);
    const two = await exportCsv(q.toString());
    expect(manifestOf(two.text)).toMatchObject({ rowCount: 2, filters: { sites: [OLD, 'harbour'] } });
    // One value between commas, as before; the compliance export and the report read the same list.
    expect(manifestOf((await exportCsv('site=harbour,North')).text)).toMatchObject({ rowCount: 2, filters: { sites: ['harbour', 'North'] } });
    const compliance = await (await send('GET', `/export/compliance?from=${FROM}&to=${TO}&tz=UTC&format=json&site=${encodeURIComponent(OLD)}`)).json();
    expect(compliance.rows.map((r: { site: string }) => r.site)).toEqual([OLD]);
    const report = await send('GET', `/export/report?from=${FROM}&to=${TO}&tz=UTC&site=${encodeURIComponent(OLD)}`);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('North, Annex');
  });

  it('refuse a site no record names, naming the parameter, instead of a validly signed empty file', async () => {
    const split = await exportCsv('site=North,Annex'); // "North" exists, "Annex" does not
    expect(split.status).toBe(400);
    expect(JSON.parse(split.text).errors).toEqual([{ path: 'site', message: 'unknown site "Annex": no site of that name is configured or has events' }]);
    const whole = await exportCsv('site=harbour,airport&site=downtown'); // repeated: "harbour,airport" is one (unknown) id
    expect(JSON.parse(whole.text).errors).toEqual([
      { path: 'site', message: 'unknown site "harbour,airport": no site of that name is configured or has events' },
      { path: 'site', message: 'unknown site "downtown": no site of that name is configured or has events' },
    ]);
    expect((await send('GET', `/export/report?from=${FROM}&to=${TO}&site=nowhere`)).status).toBe(400);
    expect((await send('GET', `/export/compliance?from=${FROM}&to=${TO}&site=nowhere`)).status).toBe(400);
  });

  it('keys create --site reads the same list: a stored id whole, else between commas, repeated each whole', async () => {
    const database = await databaseUrlOf(server.dataDir);
    const run = (...sites: string[]) =>
      node([mainJs, 'keys', 'create', '--data', server.dataDir, ...(database ? ['--database', database] : []), '--name', 'desk', '--scope', 'ingest', '--url', 'http://127.0.0.1:4870', '--json', ...sites.flatMap((s) => ['--site', s])]);
    const create = async (...sites: string[]) => JSON.parse((await run(...sites)).stdout) as { sites: string[]; kioskUrl?: string };
    expect(await create(OLD)).toMatchObject({ sites: [OLD], kioskUrl: expect.stringContaining('/kiosk?site=North%2C%20Annex#key=') });
    expect((await create('harbour, airport')).sites).toEqual(['harbour', 'airport']);
    expect((await create(OLD, 'z')).sites).toEqual([OLD, 'z']);
    // Repeated values are each one site: one with a comma that no stored site has could never write, which is bad
    // usage, named with the option and beside every other problem of the command.
    expect(await run('x,y', 'z')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^ringside keys create: --site must not contain a comma: .* \(no site "x,y" is stored\)\nUsage: /) });
    const both = await node([mainJs, 'keys', 'create', '--data', server.dataDir, ...(database ? ['--database', database] : []), '--name', 'desk', '--scope', 'reed', '--site', 'x,y', '--site', 'z']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^ringside keys create: --scope must be one of .* \(got "reed"\).*; --site must not contain a comma: .* \(no site "x,y" is stored\)\n/);
    const api = await send('POST', '/keys', { name: 'desk', scopes: ['ingest'], sites: ['harbour', 'x,y'] });
    expect(api.status).toBe(400);
    expect((await api.json()).errors).toEqual([{ path: 'sites.1', message: `${COMMA} (no site "x,y" is stored)` }]);
    expect((await send('POST', '/keys', { name: 'desk', scopes: ['ingest'], sites: [OLD] })).status).toBe(201);
  });
});
