// A standard's scope naming a site that differs from a stored site only in letter case ("Tokyo" beside "tokyo") could
// judge nothing: events of such a site are refused (ingest's rule, as for a new site, a key's sites and POST /sites).
// It is refused on every way a scope is written: POST, PUT and PATCH /standards (a version scheduled ahead too) and the
// standards file, at start and on a reload, naming `scope.sites.<i>` (its place as sent) and the site meant. Two
// spellings of one site that are both new, in one scope, are refused alike, naming the later and the earlier entry:
// only one of them could ever have events. A site named twice in a scope is merged, as a key's sites are. Standards and site pairs stored before the rule keep working. A real server,
// real HTTP, on SQLite and on PostgreSQL (the integration-postgres project).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandardDefinition } from '../../../server/src/protocol';
import { completeDefinition } from '../../../server/src/domain/standards';
import { nextVersion } from '../../../server/src/domain/standardVersions';
import { openTestCore, storeAsBefore } from '../support/core';
import { call, databaseUrlOf, removeDir, tempDataDir, tempStandardsFile } from '../support/testServer';
import { startEngineServer, type EngineServer } from './support';

const twinMessage = (site: string, meant: string) =>
  `new site "${site}" differs from another site only in letter case: site ids are case-sensitive, so it would be a second site (did you mean "${meant}"?); a standard limited to it could judge nothing`;

/** A scope's site new to the store that differs only in letter case from an earlier one of the scope, new too. */
const entryTwinMessage = (site: string, entry: number, other: string) =>
  `new site "${site}" differs from entry ${entry} ("${other}") only in letter case: site ids are case-sensitive, so it would be a second site, and only one of the two could ever have events (list one spelling)`;

const CALLS = { name: 'Calls within 2 rings', eventType: 'call', measure: 'rings', threshold: 2, target: 0.9 };

/** The standards file's entry of a standard of CALLS limited to `sites`, in YAML. */
const fileStandard = (id: string, sites: readonly string[]) =>
  `  - id: ${id}\n    name: ${CALLS.name}\n    eventType: call\n    measure: rings\n    threshold: 2\n    target: 0.9\n    scope:\n      sites: [${sites.join(', ')}]\n`;

/** Stores a standard's first version as a server before the rule stored it (its scope as given), past the service's checks. */
async function storeStandardAsBefore(dataDir: string, id: string, sites: string[]): Promise<void> {
  const databaseUrl = await databaseUrlOf(dataDir);
  const core = await openTestCore(dataDir, databaseUrl ? { databaseUrl } : {});
  try {
    const def = { ...CALLS, id, operator: '<=', formula: 'F3', countOutsideHours: false } as StandardDefinition;
    await core.store.write((tx) => tx.writes.standardVersion(nextVersion(id, 0, { ...completeDefinition(def), scope: { sites }, retired: false }, null)));
  } finally {
    await core.close();
  }
}

const dirs: string[] = [];
let server: EngineServer;
let file: string;

beforeAll(async () => {
  const dataDir = tempDataDir();
  dirs.push(dataDir);
  // tokyo and nyc are sites; north and North a pair stored before the rule (both sites of their own).
  await storeAsBefore(dataDir, ['tokyo', 'nyc', 'north', 'North'].map((site) => call({ id: `first-${site}`, site })));
  await storeStandardAsBefore(dataDir, 'legacy-twin', ['Tokyo']);
  await storeStandardAsBefore(dataDir, 'legacy-repeat', ['nyc', 'nyc']);
  await storeStandardAsBefore(dataDir, 'legacy-new-pair', ['Bremen', 'bremen']);
  // The file names both as they are stored: it starts, and neither gets a new version.
  file = tempStandardsFile(`standards:\n${fileStandard('legacy-twin', ['Tokyo'])}${fileStandard('legacy-repeat', ['nyc', 'nyc'])}`, dirs);
  server = await startEngineServer({ dataDir, standardsFile: file });
});

afterAll(async () => {
  await server?.close();
  dirs.forEach(removeDir);
});

const versionsOf = async (id: string): Promise<Array<Record<string, any>>> => (await server.send('GET', `/api/v1/standards/${id}/versions`)).body.versions ?? [];

describe('a scope site that differs from a stored site only in letter case', () => {
  it('is refused by POST /standards, naming each such site and the site meant, and nothing is stored', async () => {
    const res = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'tokyo-calls', scope: { sites: ['Tokyo'] } });
    expect(res).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.0', message: twinMessage('Tokyo', 'tokyo') }] } });
    const several = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'tokyo-calls', scope: { sites: ['nyc', 'TOKYO', 'NYC'] } });
    expect(several.status).toBe(400);
    expect(several.body.errors).toEqual([
      { path: 'scope.sites.1', message: twinMessage('TOKYO', 'tokyo') },
      { path: 'scope.sites.2', message: twinMessage('NYC', 'nyc') },
    ]);
    expect((await server.send('GET', '/api/v1/standards/tokyo-calls')).status).toBe(404);
    // Events of such a site are refused: what the standard would have judged.
    expect((await server.postEvents(call({ site: 'Tokyo' }))).body.errors).toEqual([{ path: 'site', message: expect.stringContaining('differs from another site only in letter case') }]);
  });

  it('is refused by PUT and by PATCH, a version scheduled ahead included, and the standard keeps its versions', async () => {
    expect((await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'nyc-calls', scope: { sites: ['nyc'] } })).status).toBe(201);
    const put = await server.send('PUT', '/api/v1/standards/nyc-calls', { ...(await versionsOf('nyc-calls'))[0], id: 'nyc-calls', version: undefined, validFrom: undefined, validTo: undefined, createdAt: undefined, retired: undefined, scope: { sites: ['NYC'] } });
    expect(put).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.0', message: twinMessage('NYC', 'nyc') }] } });
    const patch = await server.send('PATCH', '/api/v1/standards/nyc-calls', { scope: { sites: ['NYC'] } });
    expect(patch).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.0', message: twinMessage('NYC', 'nyc') }] } });
    const ahead = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await server.send('PATCH', '/api/v1/standards/nyc-calls', { scope: { sites: ['tokyo', 'Nyc'] }, validFrom: ahead });
    expect(scheduled).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.1', message: twinMessage('Nyc', 'nyc') }] } });
    // A version scheduled ahead, then a change of it keeping its date (which replaces it): refused alike.
    expect((await server.send('PATCH', '/api/v1/standards/nyc-calls', { threshold: 3, validFrom: ahead })).status).toBe(200);
    const replacing = await server.send('PATCH', '/api/v1/standards/nyc-calls', { scope: { sites: ['NYC'] }, validFrom: ahead });
    expect(replacing).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.0', message: twinMessage('NYC', 'nyc') }] } });
    expect((await versionsOf('nyc-calls')).map((v) => [v.version, v.scope.sites])).toEqual([
      [1, ['nyc']],
      [2, ['nyc']],
    ]);
  });

  it('passes when it is itself a stored site (a pair stored before the rule), or new to every stored site', async () => {
    const pair = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'north-calls', scope: { sites: ['North', 'north', 'osaka'] } });
    expect(pair.status, JSON.stringify(pair.body)).toBe(201);
    expect(pair.body.scope.sites).toEqual(['North', 'north', 'osaka']);
  });

  it('is named at its place as sent, repeats of another site before it counted', async () => {
    const res = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'repeat-calls', scope: { sites: ['nyc', 'nyc', 'Tokyo'] } });
    expect(res).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.2', message: twinMessage('Tokyo', 'tokyo') }] } });
  });

  it('passes in a standard stored with it before the rule: the standard can still be changed, and the file naming it started', async () => {
    expect((await versionsOf('legacy-twin')).map((v) => v.version)).toEqual([1]);
    const renamed = await server.send('PATCH', '/api/v1/standards/legacy-twin', { name: 'Tokyo calls (old spelling)' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ version: 2, scope: { sites: ['Tokyo'] } });
    // A site it did not name before is new to it, and refused.
    const added = await server.send('PATCH', '/api/v1/standards/legacy-twin', { scope: { sites: ['Tokyo', 'NORTH'] } });
    expect(added).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.1', message: expect.stringMatching(/^new site "NORTH" differs from the sites "North", "north" only in letter case: /) }] } });
  });
});

describe('two spellings of one new site in a scope', () => {
  it('are refused by POST /standards, naming the later entry as sent and the earlier one, and nothing is stored', async () => {
    const res = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'paris-calls', scope: { sites: ['Paris', 'paris'] } });
    expect(res).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.1', message: entryTwinMessage('paris', 0, 'Paris') }] } });
    // Repeats are counted where they were sent; a third spelling names the first.
    const more = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'paris-calls', scope: { sites: ['Paris', 'Paris', 'nyc', 'PARIS', 'paris'] } });
    expect(more.status).toBe(400);
    expect(more.body.errors).toEqual([
      { path: 'scope.sites.3', message: entryTwinMessage('PARIS', 0, 'Paris') },
      { path: 'scope.sites.4', message: entryTwinMessage('paris', 0, 'Paris') },
    ]);
    expect((await server.send('GET', '/api/v1/standards/paris-calls')).status).toBe(404);
  });

  it('are refused by PUT and by PATCH, a version scheduled ahead included, and the standard keeps its versions', async () => {
    expect((await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'lyon-calls', scope: { sites: ['lyon'] } })).status).toBe(201);
    const put = await server.send('PUT', '/api/v1/standards/lyon-calls', { ...(await versionsOf('lyon-calls'))[0], id: 'lyon-calls', version: undefined, validFrom: undefined, validTo: undefined, createdAt: undefined, retired: undefined, scope: { sites: ['lyon', 'Oslo', 'oslo'] } });
    expect(put).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.2', message: entryTwinMessage('oslo', 1, 'Oslo') }] } });
    const patch = await server.send('PATCH', '/api/v1/standards/lyon-calls', { scope: { sites: ['Oslo', 'OSLO'] } });
    expect(patch).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.1', message: entryTwinMessage('OSLO', 0, 'Oslo') }] } });
    const ahead = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await server.send('PATCH', '/api/v1/standards/lyon-calls', { scope: { sites: ['oslo', 'Oslo'] }, validFrom: ahead });
    expect(scheduled).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.1', message: entryTwinMessage('Oslo', 0, 'oslo') }] } });
    expect((await versionsOf('lyon-calls')).map((v) => [v.version, v.scope.sites])).toEqual([[1, ['lyon']]]);
  });

  it('are refused beside a site the standard already names: the new spelling, naming the one it had', async () => {
    expect((await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'bergen-calls', scope: { sites: ['Bergen'] } })).status).toBe(201);
    const res = await server.send('PATCH', '/api/v1/standards/bergen-calls', { scope: { sites: ['bergen', 'Bergen'] } });
    expect(res).toMatchObject({ status: 400, body: { errors: [{ path: 'scope.sites.0', message: entryTwinMessage('bergen', 1, 'Bergen') }] } });
  });

  it('pass when both are stored (a pair stored before the rule), and in a standard stored with both before it', async () => {
    const pair = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'north-pair-calls', scope: { sites: ['north', 'North'] } });
    expect(pair.status, JSON.stringify(pair.body)).toBe(201);
    expect((await versionsOf('legacy-new-pair')).map((v) => v.version)).toEqual([1]);
    const renamed = await server.send('PATCH', '/api/v1/standards/legacy-new-pair', { name: 'Bremen calls (both spellings)' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.scope.sites).toEqual(['Bremen', 'bremen']);
  });
});

describe('a site named twice in a scope', () => {
  it('is merged, as a key\'s repeated sites are: the version stores it once, in the order first named', async () => {
    const created = await server.send('POST', '/api/v1/standards', { ...CALLS, id: 'twice-calls', scope: { sites: ['nyc', 'tokyo', 'nyc'] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.scope.sites).toEqual(['nyc', 'tokyo']);
    // The same scope with the repeat again is no change.
    const again = await server.send('PATCH', '/api/v1/standards/twice-calls', { scope: { sites: ['nyc', 'nyc', 'tokyo'] } });
    expect(again.body.version).toBe(1);
  });

  it('stored so before the rule, is the same scope as with it once: the file naming it made no new version', async () => {
    expect((await versionsOf('legacy-repeat')).map((v) => [v.version, v.scope.sites])).toEqual([[1, ['nyc', 'nyc']]]);
  });
});

describe('the standards file', () => {
  it('refuses a reload whose scope names such a site, naming it in the file, and applies nothing', async () => {
    writeFileSync(file, `standards:\n${fileStandard('legacy-twin', ['Tokyo'])}${fileStandard('file-calls', ['TOKYO', 'nyc', 'NYC'])}sites:\n  - id: harbour\n`);
    expect(await server.reloadStandards()).toEqual({
      ok: false,
      problems: [
        { path: 'standards.1.scope.sites.0', message: twinMessage('TOKYO', 'tokyo') },
        { path: 'standards.1.scope.sites.2', message: twinMessage('NYC', 'nyc') },
      ],
    });
    expect((await server.send('GET', '/api/v1/standards/file-calls')).status).toBe(404);
    expect((await server.send('GET', '/api/v1/sites/harbour')).status).toBe(404);
  });

  it('refuses a reload whose scope names two spellings of one new site, naming the later one in the file', async () => {
    writeFileSync(file, `standards:\n${fileStandard('legacy-twin', ['Tokyo'])}${fileStandard('file-twins', ['nyc', 'Rome', 'rome'])}`);
    expect(await server.reloadStandards()).toEqual({ ok: false, problems: [{ path: 'standards.1.scope.sites.2', message: entryTwinMessage('rome', 1, 'Rome') }] });
    expect((await server.send('GET', '/api/v1/standards/file-twins')).status).toBe(404);
  });

  it('refuses to start with a scope naming two spellings of one new site', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const twinFile = tempStandardsFile(`standards:\n${fileStandard('vienna-calls', ['Vienna', 'vienna'])}`, dirs);
    await expect(startEngineServer({ dataDir, standardsFile: twinFile })).rejects.toMatchObject({ problems: [{ path: 'standards.0.scope.sites.1', message: entryTwinMessage('vienna', 0, 'Vienna') }] });
  });

  it('refuses to start with a scope site that differs only in letter case from a site the file itself configures', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const twinFile = tempStandardsFile(`standards:\n${fileStandard('paris-calls', ['Paris'])}sites:\n  - id: paris\n    timeZone: Europe/Paris\n`, dirs);
    await expect(startEngineServer({ dataDir, standardsFile: twinFile })).rejects.toMatchObject({ problems: [{ path: 'standards.0.scope.sites.0', message: twinMessage('Paris', 'paris') }] });
    // The same spelling as the file's site starts.
    writeFileSync(twinFile, `standards:\n${fileStandard('paris-calls', ['paris'])}sites:\n  - id: paris\n    timeZone: Europe/Paris\n`);
    const started = await startEngineServer({ dataDir, standardsFile: twinFile });
    try {
      expect((await started.send('GET', '/api/v1/standards/paris-calls')).body.scope).toEqual({ sites: ['paris'] });
    } finally {
      await started.close();
    }
  });
});
