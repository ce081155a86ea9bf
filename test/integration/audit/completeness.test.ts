// Completeness of exports, as an auditor without the public key meets it: chain links carry tags (site, time, type;
// a correction its event), so scripts/verify-export.mjs can tell which links of the proven range the export's
// filters select, and each must be a row. Real server, real exports, the script as a child process. Attacks: an
// event left out behind digest-only proof lines (row count, SHA-256 and manifest recomputed), a void hidden by
// clearing its correction columns; an honest export passes; a database written before links had tags (migration
// 17) proves completeness through the tags records the migration chained.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvQuote } from '../../../server/src/services/exports/encoders';
import { openRawDatabase } from '../../../server/src/store/sqlite/database';
import { postMilestones, callMilestone } from '../clocks/support';
import { createAt, fillAt } from '../store/pastVersions';
import { adminHeaders, call, chainHead, removeDir, startTestServer, tempDataDir, useTestServer, visit, type TestServer } from '../support/testServer';
import { runNode } from '../support/cli';

const script = join(process.cwd(), 'scripts', 'verify-export.mjs');
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const verify = (file: string, ...args: string[]) => runNode([script, file, ...args]);

async function saved(server: TestServer, name: string, path: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1${path}`, { headers: adminHeaders(server.apiKey) });
  expect(res.status, path).toBe(200);
  const file = join(server.dataDir, name);
  writeFileSync(file, await res.text());
  return file;
}

interface Link {
  seq: number;
  kind: string;
  ref: string;
  tags?: Record<string, unknown>;
}

/** A CSV export's parts (the test data has no line breaks inside cells). */
function csvParts(text: string) {
  const lines = text.split('\r\n');
  const firstTrailer = lines.findIndex((l, i) => i > 0 && l.startsWith('#'));
  const trailer = lines.slice(firstTrailer).filter((l) => l !== '');
  return {
    first: lines[0]!,
    columns: lines[1]!.split(','),
    rows: lines.slice(2, firstTrailer),
    // The chained records the rows refer to (`# correction`, `# standard`): a forger keeps them as they are.
    records: trailer.filter((l) => l.startsWith('# correction ') || l.startsWith('# standard ')),
    links: trailer.filter((l) => l.startsWith('# link ')).map((l) => JSON.parse(l.slice(7)) as Link),
    manifest: JSON.parse(trailer.find((l) => l.startsWith('# manifest '))!.slice(11)) as Record<string, unknown>,
  };
}

/** What an attacker writes after editing rows or links: row count and data SHA-256 recomputed in the manifest. */
function resealed(p: ReturnType<typeof csvParts>): string {
  const data = p.rows.map((r) => r + '\r\n').join('');
  const links = [...p.links].sort((a, b) => a.seq - b.seq).map((l) => `# link ${JSON.stringify(l)}`);
  const manifest = `# manifest ${JSON.stringify({ ...p.manifest, rowCount: p.rows.length, dataSha256: sha(data) })}`;
  return [p.first, p.columns.join(','), ...p.rows, ...p.records, ...links, manifest, ''].join('\r\n');
}

/** Leaves out every row of `eventId` and lists its links as proof lines instead (taken from `donor`'s proof). */
function omitted(full: string, donor: string, eventId: string): string {
  const p = csvParts(full);
  const idAt = p.columns.indexOf('event_id');
  const rows = p.rows.filter((r) => parse(r)[0]![idAt] === eventId);
  expect(rows.length).toBeGreaterThan(0);
  const eventSeq = String(parse(rows[0]!)[0]![0]);
  const links = csvParts(donor).links.filter((l) => (l.kind === 'event' && l.ref === eventSeq) || (l.kind === 'judgement' && l.ref.startsWith(`${eventSeq}/`)));
  expect(links.length).toBe(rows.length + 1); // the event and each judgement
  p.rows = p.rows.filter((r) => !rows.includes(r));
  p.links.push(...links);
  return resealed(p);
}

/** The server's public key, as GET /audit/public-key answers it, in a file for --public-key. */
async function publicKey(server: TestServer): Promise<string> {
  const file = join(server.dataDir, 'public-key.json');
  writeFileSync(file, await (await fetch(`${server.url}/api/v1/audit/public-key`)).text());
  return file;
}

async function fails(file: string, text: string, expected: RegExp): Promise<string> {
  writeFileSync(file, text);
  const r = await verify(file);
  expect(r.status, r.stdout).toBe(1);
  expect(r.stdout).toMatch(/^FAILED/);
  expect(r.stdout).toMatch(expected);
  return r.stdout;
}

describe('an export of a store written with tags', () => {
  const server = useTestServer({ logLevel: 'error' });
  const Q = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&tz=UTC';
  beforeAll(async () => {
    const events = [
      call({ id: 'c1', occurredAt: '2026-03-02T09:00:00Z', rings: 1 }),
      call({ id: 'c2', occurredAt: '2026-03-02T10:00:00Z', rings: 4 }),
      call({ id: 'c3', site: 'airport', occurredAt: '2026-03-09T10:00:00Z', outcome: 'abandoned', rings: 3 }),
      visit({ id: 'v1', occurredAt: '2026-03-10T11:00:00Z', greetSeconds: 12 }),
      call({ id: 'outside', occurredAt: '2026-04-02T10:00:00Z' }),
    ];
    expect((await server().postEvents({ events })).status).toBe(201);
    const voided = await fetch(`${server().url}/api/v1/events/c2/void`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test call' }) });
    expect(voided.status).toBe(201);
    expect((await server().postEvents({ events: [call({ id: 'c4', occurredAt: '2026-03-20T09:00:00Z' })] })).status).toBe(201);
  });

  it('an honest export passes and says what its completeness covers, complete with the key; the manifest states the basis', async () => {
    const keyFile = await publicKey(server());
    for (const q of ['format=csv', 'format=ndjson', 'site=downtown&format=csv', 'standard=call-answer-2-rings&format=json']) {
      const file = await saved(server(), 'honest', `/export/events?${Q}&${q}`);
      // Without the key every check passes, but where the export starts only the signature binds.
      const r = await verify(file);
      expect(r.status, `${q}: ${r.stdout}`).toBe(3);
      expect(r.stdout).toMatch(/^NOT PROVEN: /);
      expect(r.stdout).toMatch(/no row missing from chain links \d+–\d+: every event and judgement of the filters chained there is a row/);
      const signed = await verify(file, '--public-key', keyFile);
      expect(signed.status, `${q}: ${signed.stdout}`).toBe(0);
      expect(signed.stdout).toMatch(/complete: every event and judgement of the filters chained in chain links \d+–\d+ is a row/);
    }
    const p = csvParts(readFileSync(await saved(server(), 'honest.csv', `/export/events?${Q}&format=csv`), 'utf8'));
    expect(p.manifest.completeness).toEqual({ basis: 'chain link tags', fromLinkSeq: (p.manifest.proof as { fromLinkSeq: number }).fromLinkSeq, toLinkSeq: (p.manifest.chainHead as { seq: number }).seq, notProven: [] });
    // The proof lines carry the tags of the links no row carries (another site's event, the correction).
    expect(p.links.find((l) => l.kind === 'correction')?.tags).toEqual({ action: 'void', eventSeq: expect.any(Number) });
  });

  it('an event left out behind digest-only proof lines, count, hash and manifest recomputed: named without the public key', async () => {
    const full = readFileSync(await saved(server(), 'full.csv', `/export/events?${Q}&format=csv`), 'utf8');
    const donor = readFileSync(await saved(server(), 'downtown.csv', `/export/events?${Q}&site=downtown&format=csv`), 'utf8');
    const file = join(server().dataDir, 'forged.csv');
    const out = await fails(file, omitted(full, donor, 'c3'), /event \d+ \(site airport, occurred 2026-03-09T10:00:00Z\) matches the export's filters but is missing/);
    expect(out).toMatch(/judgement call-answer-2-rings of event \d+ \(site airport, occurred 2026-03-09T10:00:00Z\) matches/);
    // Leaving out another site's event is what a site filter does: the site-filtered export is honest (every check
    // passes; where it starts, only the key proves).
    expect((await verify(join(server().dataDir, 'downtown.csv'))).status).toBe(3);
    // The same forgery in a standard-filtered export: the judgement's link names its standard.
    const byStandard = readFileSync(await saved(server(), 'standard.csv', `/export/events?${Q}&standard=call-answer-2-rings&format=csv`), 'utf8');
    await fails(file, omitted(byStandard, donor, 'c3'), /judgement call-answer-2-rings of event \d+ \(site airport, occurred 2026-03-09T10:00:00Z\) matches the export's filters but is missing/);
  });

  it("rows cut from the start, the manifest's start moved to the new first row: not proven without the key (exit 3), a bad signature with it", async () => {
    const p = csvParts(readFileSync(await saved(server(), 'start.csv', `/export/events?${Q}&format=csv`), 'utf8'));
    const cell = (row: string, name: string) => (parse(row)[0] as string[])[p.columns.indexOf(name)]!;
    // The first two events' rows (c1, and c2 with its void): a whole block from the start.
    const cut = p.rows.filter((r) => ['c1', 'c2'].includes(cell(r, 'event_id')));
    expect(p.rows.slice(0, 2).map((r) => cell(r, 'event_id'))).toEqual(['c1', 'c2']);
    expect(p.rows.slice(0, cut.length)).toEqual(cut);
    const cutSeqs = new Set(cut.map((r) => Number(cell(r, 'event_seq'))));
    p.rows = p.rows.slice(cut.length);
    const start = Number(cell(p.rows[0]!, 'event_link_seq'));
    p.links = p.links.filter((l) => l.seq >= start);
    p.records = p.records.filter((l) => !(l.startsWith('# correction ') && cutSeqs.has((JSON.parse(l.slice(13)) as { record: { eventSeq: number } }).record.eventSeq)));
    const m = p.manifest as { proof: object; completeness: object };
    p.manifest = { ...p.manifest, proof: { ...m.proof, fromLinkSeq: start }, completeness: { ...m.completeness, fromLinkSeq: start } };
    const file = join(server().dataDir, 'cut-start.csv');
    writeFileSync(file, resealed(p));
    const bare = await verify(file);
    expect(bare.status, bare.stdout).toBe(3);
    expect(bare.stdout).toMatch(/^NOT PROVEN: .*cut-start\.csv \(events, csv, \d+ rows, data SHA-256 [0-9a-f]{64}; no --public-key\)\n/);
    expect(bare.stdout).toContain(`only the signature binds where the export starts (its first row's link ${start}): rows cut from the start, with rowCount, dataSha256 and the manifest's proof.fromLinkSeq and completeness.fromLinkSeq moved to the new first row, pass every other check, so without --public-key nothing proves that no row was removed before it`);
    expect(bare.stdout).not.toMatch(/^VERIFIED|complete: /m);
    const signed = await verify(file, '--public-key', await publicKey(server()));
    expect(signed.status, signed.stdout).toBe(1);
    expect(signed.stdout).toMatch(/BAD SIGNATURE/);
    // Nor is it proven with the proof left out (proof=none, which only the signature says the server wrote): any row
    // could then be cut.
    const noProof = await verify(await saved(server(), 'no-proof.csv', `/export/events?${Q}&proof=none&format=csv`));
    expect(noProof.status, noProof.stdout).toBe(3);
    expect(noProof.stdout).toContain('the export carries no chain proof (made with proof=none, or it has no rows), so no removed row can be seen');
  });

  it('a void hidden by clearing its correction columns (and the result) is named', async () => {
    const p = csvParts(readFileSync(await saved(server(), 'void.csv', `/export/events?${Q}&format=csv`), 'utf8'));
    const at = (name: string) => p.columns.indexOf(name);
    const i = p.rows.findIndex((r) => parse(r)[0]![at('event_id')] === 'c2');
    const cells = parse(p.rows[i]!)[0] as string[];
    expect(cells[at('correction')]).toBe('void');
    cells[at('result')] = 'missed';
    for (const c of ['correction', 'correction_seq']) cells[at(c)] = '';
    cells[at('corrected_met')] = '0';
    cells[at('corrected_counted')] = '1';
    p.rows[i] = cells.map(csvQuote).join(',');
    await fails(join(server().dataDir, 'forged-void.csv'), resealed(p), /correction \d+ \(void\) of event \d+ is in the chain, but the export's rows show no correction: a hidden void/);
  });

  it('an outcome filter: says its completeness is not proven, and still checks the corrections', async () => {
    const file = await saved(server(), 'outcome.csv', `/export/events?${Q}&outcome=missed,voided&format=csv`);
    const r = await verify(file);
    expect(r.status, r.stdout).toBe(3);
    expect(r.stdout).toContain('completeness of the outcome filter is not proven');
    expect(r.stdout).toContain('with the outcome filter a row left out is not looked for (links carry no outcome), and only the signature binds the filters');
    expect(csvParts(readFileSync(file, 'utf8')).manifest.completeness).toMatchObject({ notProven: ['outcomes'] });
  });

  it('a milestone export with since=: complete when honest, from the head given as --head; a milestone row left out is named', async () => {
    const { seq: since, hash: sinceHash } = await chainHead(server());
    const T = Date.parse('2026-03-05T08:00:00Z');
    for (const [id, site, at] of [['m1', 'north', T], ['m2', 'south', T + 60_000], ['m3', 'north', T + 120_000]] as const) {
      expect((await postMilestones(server(), callMilestone(id, 'started', at, { site }))).status).toBe(201);
    }
    const file = await saved(server(), 'milestones.csv', `/export/milestones?${Q}&since=${since}&format=csv`);
    const honest = await verify(file, '--head', sinceHash);
    expect(honest.status, honest.stdout).toBe(0);
    expect(honest.stdout).toMatch(/complete: every milestone of the filters chained in chain links/);
    // Without that head, only the signature binds where the proof starts.
    const unanchored = await verify(file);
    expect(unanchored.status, unanchored.stdout).toBe(3);
    expect(unanchored.stdout).toContain(`only the signature, or --head with the head published at link ${since}, binds where the proof starts (since=${since})`);
    const p = csvParts(readFileSync(file, 'utf8'));
    expect(p.rows.length).toBe(3);
    p.rows.splice(1, 1);
    await fails(join(server().dataDir, 'forged-milestones.csv'), resealed(p), /milestone \d+ \(site south, at 2026-03-05T08:01:00Z\) matches the export's filters but is missing/);
    const without = await verify(await saved(server(), 'milestones-no-since.csv', `/export/milestones?${Q}&format=csv`));
    expect(without.status, without.stdout).toBe(3);
    expect(without.stdout).toContain('completeness not proven: export with since=');
  });

  it('a milestone export since a head published after its rows were chained is not proven, and a row cut from it is not passed as verified', async () => {
    const T = Date.parse('2026-03-06T08:00:00Z');
    for (const [id, at] of [['late-1', T], ['late-2', T + 60_000]] as const) {
      expect((await postMilestones(server(), callMilestone(id, 'started', at, { site: 'east' }))).status).toBe(201);
    }
    const { seq: since, hash: sinceHash } = await chainHead(server());
    const query = `/export/milestones?${Q}&site=east&since=${since}&format=csv`;
    const file = await saved(server(), 'milestones-late-since.csv', query);
    const honest = await verify(file, '--head', sinceHash);
    expect(honest.status, honest.stdout).toBe(3);
    expect(honest.stdout).toMatch(new RegExp(`2 rows were chained before the proof starts \\(since=${since}; the earliest: row 1, milestone \\S+, link \\d+\\)`));
    expect(honest.stdout).toContain('without --public-key nothing proves that no such row was removed');
    const p = csvParts(readFileSync(file, 'utf8'));
    p.rows.splice(0, 1);
    const cut = join(server().dataDir, 'milestones-late-since-cut.csv');
    writeFileSync(cut, resealed(p));
    const forged = await verify(cut, '--head', sinceHash);
    expect(forged.status, forged.stdout).toBe(3);
    expect(forged.stdout).toMatch(new RegExp(`1 row was chained before the proof starts \\(since=${since}; the earliest: row 1, milestone \\S+, link \\d+\\)`));
    expect(forged.stdout).not.toContain('VERIFIED');
  });
});

// A SQLite file as a past version left it (the PostgreSQL migration adds no tags records: docs/audit.md).
describe.skipIf(process.env.RINGSIDE_TEST_BACKEND === 'postgres')('an export of a store written before links had tags, then migrated', () => {
  let server: TestServer;
  // pastVersions' data: 120 events at sites a and b from 2026-02-02, every fifth one voided or amended.
  const Q = 'from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z&tz=UTC';
  beforeAll(async () => {
    const dir = tempDataDir();
    const old = createAt(dir, 15);
    fillAt(old, 15, 16);
    old.close();
    server = await startTestServer({ logLevel: 'error', dataDir: dir });
    // Life goes on after the upgrade: a new event has tags of its own.
    expect((await server.postEvents({ events: [call({ id: 'new', site: 'a', occurredAt: '2026-02-20T09:00:00Z' })] })).status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
    removeDir(server.dataDir);
  });

  it('the migration chained one tags record per old event, judgement and correction link; the chain verifies', async () => {
    const db = openRawDatabase(server.dataDir);
    try {
      const counts = db.prepare("SELECT (SELECT count(*) FROM audit_chain WHERE kind IN ('event', 'judgement', 'correction') AND tags IS NULL) AS old, (SELECT count(*) FROM chain_tags) AS records, (SELECT count(*) FROM audit_chain WHERE kind = 'tags') AS links").get() as { old: number; records: number; links: number };
      expect(counts.old).toBeGreaterThan(200);
      expect(counts).toEqual({ old: counts.old, records: counts.old, links: counts.old });
    } finally {
      db.close();
    }
    const verified = await server.getJson('/api/v1/audit/verify');
    expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ intact: true });
  });

  it('an honest export verifies and proves completeness through the tags records', async () => {
    const keyFile = await publicKey(server);
    for (const q of ['site=a&format=csv', 'format=ndjson']) {
      const r = await verify(await saved(server, 'old', `/export/events?${Q}&${q}`), '--public-key', keyFile);
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/complete: every event and judgement of the filters/);
      expect(r.stdout).not.toContain('completeness not proven');
    }
  });

  it('an old event left out behind proof lines is named, from the tags its tags record committed', async () => {
    const full = readFileSync(await saved(server, 'old-full.csv', `/export/events?${Q}&format=csv`), 'utf8');
    const donor = readFileSync(await saved(server, 'old-a.csv', `/export/events?${Q}&site=a&format=csv`), 'utf8');
    const p = csvParts(full);
    const siteAt = p.columns.indexOf('site');
    // An event of site b in the middle of the range (its links are proof lines of the site-a export).
    const victim = p.rows.map((r) => parse(r)[0] as string[]).filter((c) => c[siteAt] === 'b')[10]!;
    await fails(join(server.dataDir, 'old-forged.csv'), omitted(full, donor, victim[1]!), new RegExp(`event ${victim[0]} \\(site b, occurred [^)]+\\) matches the export's filters but is missing`));
  });
});
