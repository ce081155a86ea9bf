// Keys limited to sites: a reception tablet's ingest key writes its own site and nothing else, on every ingest path
// (events, milestones, routes that take the site from the address), refused with 403 naming the site and storing
// nothing; the limit survives a restart, is listed, and is refused on keys that read.
import { beforeAll, describe, expect, it } from 'vitest';
import { runSubcommand } from '../../../server/src/cli/dispatch';
import { storeAsBefore } from '../support/core';
import { adminHeaders, call, isoAgo, removeDir, startTestServer, tempDataDir, useTestServer, visit } from '../support/testServer';

const server = useTestServer();
let harbourKey: string;

async function send(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(key) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

const arrived = (site: string, caseId: string) => ({ type: 'visit', site, caseId, milestone: 'arrived', at: isoAgo(2) });

beforeAll(async () => {
  const created = await send('POST', '/keys', server().apiKey, { name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'] });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ scopes: ['ingest'], sites: ['harbour'] });
  harbourKey = created.body.key;
});

describe('a key limited to a site', () => {
  it('writes milestones and events of its site', async () => {
    expect((await send('POST', '/milestones', harbourKey, arrived('harbour', 'own-1'))).status).toBe(201);
    expect((await send('POST', '/events', harbourKey, visit({ site: 'harbour', id: 'own-visit' }))).status).toBe(201);
  });

  it('is refused milestones of another site with 403 naming it, and nothing of the request is stored', async () => {
    const refused = await send('POST', '/milestones', harbourKey, { milestones: [arrived('harbour', 'mixed-1'), arrived('airport', 'mixed-2')] });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'https://ringside.dev/problems/site-not-allowed', status: 403 });
    expect(refused.body.errors).toEqual([{ path: 'milestones.1.site', message: 'this key may write only "harbour", not "airport"' }]);
    // The detail is the refusal in words, with no field name stuck onto it (the errors say where).
    expect(refused.body.detail).toBe('this key may write only "harbour", not "airport"; nothing from this request was stored');
    const open = await send('GET', '/clocks?type=visit', server().apiKey);
    expect(open.body.clocks.map((c: { caseId: string }) => c.caseId)).toEqual(['own-1']);
  });

  it('is refused events of another site with 403 naming it', async () => {
    const refused = await send('POST', '/events', harbourKey, visit({ site: 'airport', id: 'elsewhere' }));
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([{ path: 'site', message: 'this key may write only "harbour", not "airport"' }]);
    // A near miss of the key's site is named, as a value not among those accepted is.
    const misspelt = await send('POST', '/events', harbourKey, visit({ site: 'harbor', id: 'misspelt' }));
    expect([misspelt.status, misspelt.body.errors]).toEqual([403, [{ path: 'site', message: 'this key may write only "harbour", not "harbor" (did you mean "harbour"?)' }]]);
    const exported = await fetch(`${server().url}/api/v1/export/events?format=json`, { headers: adminHeaders() });
    expect(JSON.stringify(await exported.json())).not.toContain('elsewhere');
  });

  it('is refused a route whose site is in the address (the kiosk) for another site', async () => {
    const own = await send('GET', '/kiosk?site=harbour', harbourKey);
    expect(own.status).toBe(200);
    expect(own.body.standards).toEqual([{ standardId: 'visit-greet-30s', name: 'Visitors greeted within 30 seconds', atRiskSeconds: 24, deadlineSeconds: 30, clock: 'wall', notCounted: [] }]); // a site without hours is never closed
    expect(own.body.eventType.id).toBe('visit');
    const other = await send('GET', '/kiosk?site=airport', harbourKey);
    expect(other.status).toBe(403);
    expect(other.body.errors).toEqual([{ path: 'site', message: 'this key may write only "harbour", not "airport"' }]);
    expect(other.body.detail).toBe('this key may write only "harbour", not "airport"');
  });

  it('is refused a feed whose site is in the address for another site, told that nothing was stored', async () => {
    const epoch = Math.floor(Date.now() / 1000) - 30;
    const res = await fetch(`${server().url}/api/v1/integrations/asterisk/queue-log?site=airport`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...adminHeaders(harbourKey) },
      body: `${epoch}|c1|support|NONE|ENTERQUEUE||1|1`,
    });
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body.errors).toEqual([{ path: 'site', message: 'this key may write only "harbour", not "airport"' }]);
    expect(body.detail).toBe('this key may write only "harbour", not "airport"; nothing from this request was stored');
    const clocks = await send('GET', '/clocks', server().apiKey);
    expect(clocks.status).toBe(200);
    expect(clocks.body.clocks.map((c: { caseId: string }) => c.caseId)).not.toContain('c1@support');
  });

  it('cannot read, as any ingest key', async () => {
    expect((await send('GET', '/clocks', harbourKey)).status).toBe(403);
  });

  it('is listed with its sites; keys without a list write every site', async () => {
    const keys = await send('GET', '/keys', server().apiKey);
    expect(keys.body.keys.find((k: { name: string }) => k.name === 'harbour desk').sites).toEqual(['harbour']);
    expect(keys.body.keys.find((k: { id: string }) => k.id === 'env').sites).toBeNull();
    expect((await send('POST', '/milestones', server().apiKey, arrived('airport', 'admin-1'))).status).toBe(201);
  });

  it('is refused with scopes that read, and with an empty or malformed list, naming the field', async () => {
    const reading = await send('POST', '/keys', server().apiKey, { name: 'wall', scopes: ['read'], sites: ['harbour'] });
    expect(reading.status).toBe(400);
    expect(reading.body.errors).toEqual([{ path: 'sites', message: 'limits writing only: a key with sites must have the scope ingest and no other' }]);
    const empty = await send('POST', '/keys', server().apiKey, { name: 'x', scopes: ['ingest'], sites: [] });
    expect(empty.body.errors).toEqual([{ path: 'sites', message: 'must be a list of 1 to 100 site ids' }]);
    const blank = await send('POST', '/keys', server().apiKey, { name: 'x', scopes: ['ingest'], sites: ['harbour', ' '] });
    expect(blank.body.errors).toEqual([{ path: 'sites.1', message: 'must be a site id (1 to 200 characters)' }]);
  });
});

describe('a key limited to a site that differs from a stored one only in letter case', () => {
  // Every write of such a site is refused as a second site (ingest's case rule), so the key could store nothing and a
  // kiosk opened with its link would drop every tap: the key is refused when it is made, naming the site meant.
  const twin = 'new site "Harbour" differs from another site only in letter case: site ids are case-sensitive, so it would be a second site (did you mean "harbour"?); a key limited to it could write nothing';

  it('is refused over the API, naming the field, and no key is made', async () => {
    expect((await send('POST', '/milestones', server().apiKey, arrived('harbour', 'case-1'))).status).toBe(201);
    const refused = await send('POST', '/keys', server().apiKey, { name: 'Harbour desk', scopes: ['ingest'], sites: ['lobby', 'Harbour'] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: 'https://ringside.dev/problems/invalid-key-request', title: 'Invalid key request' });
    expect(refused.body.errors).toEqual([{ path: 'sites.1', message: twin }]);
    const keys = await send('GET', '/keys', server().apiKey);
    expect(keys.body.keys.map((k: { name: string }) => k.name)).not.toContain('Harbour desk');
  });

  it('is named at its place in the request, repeats of another site before it counted', async () => {
    const refused = await send('POST', '/keys', server().apiKey, { name: 'Harbour desk', scopes: ['ingest'], sites: ['lobby', 'lobby', 'Harbour'] });
    expect([refused.status, refused.body.errors]).toEqual([400, [{ path: 'sites.2', message: twin }]]);
  });

  it('is named beside every other such entry of the list, in one answer', async () => {
    // One answer names every problem of a request: a desk key for two sites, both mistyped, is told of both at once,
    // as a standard's scope.sites is, not of the first, then of the second once the first is fixed.
    for (const site of ['harbour', 'airport']) expect((await send('POST', '/milestones', server().apiKey, arrived(site, 'case-2'))).status).toBe(201);
    const refused = await send('POST', '/keys', server().apiKey, { name: 'two desks', scopes: ['ingest'], sites: ['Harbour', 'lobby', 'Airport', 'ZZ', 'zz'] });
    expect([refused.status, refused.body.errors]).toEqual([
      400,
      [
        { path: 'sites.0', message: twin },
        { path: 'sites.2', message: twin.replaceAll('Harbour', 'Airport').replace('"harbour"', '"airport"') },
        { path: 'sites.4', message: 'new site "zz" differs from entry 3 ("ZZ") only in letter case: site ids are case-sensitive, so it would be a second site, and only one of the two could ever have events (list one spelling)' },
      ],
    ]);
    expect(refused.body.detail).toBe(refused.body.errors.map((e: { path: string; message: string }) => `${e.path} ${e.message}`).join('; '));
  });

  it('is named beside the request\'s other problems, not only once they are fixed', async () => {
    expect((await send('POST', '/milestones', server().apiKey, arrived('harbour', 'case-3'))).status).toBe(201);
    const refused = await send('POST', '/keys', server().apiKey, { name: 'Harbour desk', scopes: ['ingest'], sites: ['Harbour', 'quay', 'Quay'], expiresAt: '2020-01-01T00:00:00Z', colour: 'red' });
    expect([refused.status, refused.body.type, refused.body.errors]).toEqual([
      400,
      'https://ringside.dev/problems/invalid-key-request',
      [
        { path: 'colour', message: 'is not a known field' },
        { path: 'sites.0', message: twin },
        { path: 'sites.2', message: 'new site "Quay" differs from entry 1 ("quay") only in letter case: site ids are case-sensitive, so it would be a second site, and only one of the two could ever have events (list one spelling)' },
        { path: 'expiresAt', message: 'must be in the future' },
      ],
    ]);
  });

  it('is refused by keys create as bad usage of --site, and no key is printed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSubcommand(['keys', 'create', '--data', server().dataDir, '--name', 'Harbour tablet', '--scope', 'ingest', '--site', 'Harbour'], { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(out.join('')).toBe('');
    expect(err.join('')).toContain(`ringside keys create: --site ${twin}\n`);
    const keys = await send('GET', '/keys', server().apiKey);
    expect(keys.body.keys.map((k: { name: string }) => k.name)).not.toContain('Harbour tablet');
  });
});

describe('a key limited to two spellings of one new site', () => {
  // Only one of them could ever have events (the first written makes the other a second site), so the later entry is
  // refused, naming the earlier one.
  const entryTwin = (site: string, entry: number, other: string) =>
    `new site "${site}" differs from entry ${entry} ("${other}") only in letter case: site ids are case-sensitive, so it would be a second site, and only one of the two could ever have events (list one spelling)`;

  it('is refused over the API, naming the later entry as sent, and no key is made', async () => {
    const refused = await send('POST', '/keys', server().apiKey, { name: 'Paris desk', scopes: ['ingest'], sites: ['Paris', 'paris'] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: 'https://ringside.dev/problems/invalid-key-request' });
    expect(refused.body.errors).toEqual([{ path: 'sites.1', message: entryTwin('paris', 0, 'Paris') }]);
    const repeated = await send('POST', '/keys', server().apiKey, { name: 'Paris desk', scopes: ['ingest'], sites: ['lobby', 'lobby', 'Paris', 'PARIS'] });
    expect([repeated.status, repeated.body.errors]).toEqual([400, [{ path: 'sites.3', message: entryTwin('PARIS', 2, 'Paris') }]]);
    const keys = await send('GET', '/keys', server().apiKey);
    expect(keys.body.keys.map((k: { name: string }) => k.name)).not.toContain('Paris desk');
  });

  it('is refused by keys create as bad usage of --site, naming the entry as given, and no key is printed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const commas = await runSubcommand(['keys', 'create', '--data', server().dataDir, '--name', 'Paris tablet', '--scope', 'ingest', '--site', 'Paris,paris'], io);
    expect(commas).toBe(2);
    expect(err.join('')).toContain(`ringside keys create: --site ${entryTwin('paris', 0, 'Paris')}\n`);
    const repeated = await runSubcommand(['keys', 'create', '--data', server().dataDir, '--name', 'Paris tablet', '--scope', 'ingest', '--site', 'lobby', '--site', 'lobby', '--site', 'Paris', '--site', 'paris'], io);
    expect(repeated).toBe(2);
    expect(err.join('')).toContain(`ringside keys create: --site ${entryTwin('paris', 2, 'Paris')}\n`);
    expect(out.join('')).toBe('');
    const keys = await send('GET', '/keys', server().apiKey);
    expect(keys.body.keys.map((k: { name: string }) => k.name)).not.toContain('Paris tablet');
  });

  it('passes when both are stored sites (a pair stored before the rule), and a site listed twice is one site', async () => {
    const dataDir = tempDataDir();
    await storeAsBefore(dataDir, ['Quay', 'quay'].map((site) => call({ id: `first-${site}`, site })));
    const paired = await startTestServer({ dataDir });
    try {
      const res = await fetch(`${paired.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(paired.apiKey) }, body: JSON.stringify({ name: 'quay desk', scopes: ['ingest'], sites: ['Quay', 'quay', 'Quay'] }) });
      const body = await res.json();
      expect([res.status, body.sites]).toEqual([201, ['Quay', 'quay']]);
    } finally {
      await paired.close();
      removeDir(dataDir);
    }
  });
});

describe('keys create --site', () => {
  it('stores the limit, prints the kiosk link with the key after #, and the server enforces it after a restart', async () => {
    const dataDir = tempDataDir();
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSubcommand(['keys', 'create', '--data', dataDir, '--init', '--name', 'lobby tablet', '--scope', 'ingest', '--site', 'lobby', '--url', 'https://ringside.example/'], { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(code).toBe(0);
    const key = out.join('').trim();
    expect(err.join('')).toContain(`kiosk link (open it on the reception tablet; it holds the key): https://ringside.example/kiosk?site=lobby#key=${encodeURIComponent(key)}`);
    expect(err.join('')).toContain('writes only lobby');
    // One site given twice is one site: its link too.
    const twiceOut: string[] = [];
    const twiceErr: string[] = [];
    expect(await runSubcommand(['keys', 'create', '--data', dataDir, '--name', 'lobby tablet 2', '--scope', 'ingest', '--site', 'lobby', '--site', 'lobby', '--url', 'https://ringside.example/'], { out: (t) => twiceOut.push(t), err: (t) => twiceErr.push(t) })).toBe(0);
    expect(twiceErr.join('')).toContain(`https://ringside.example/kiosk?site=lobby#key=${encodeURIComponent(twiceOut.join('').trim())}`);
    const bad = await runSubcommand(['keys', 'create', '--data', dataDir, '--name', 'x', '--scope', 'read', '--site', 'lobby'], { out: () => undefined, err: (t) => err.push(t) });
    expect(bad).toBe(2);
    expect(err.join('')).toContain('--site limits writing only');
    const cliServer = await startTestServer({ dataDir });
    try {
      const res = await fetch(`${cliServer.url}/api/v1/milestones`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(key) }, body: JSON.stringify(arrived('harbour', 'x')) });
      expect(res.status).toBe(403);
      expect((await res.json()).errors[0].message).toBe('this key may write only "lobby", not "harbour"');
    } finally {
      await cliServer.close();
      removeDir(dataDir);
    }
  });
});
