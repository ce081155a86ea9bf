// Exports round trip (CSV parsed back with csv-parse, NDJSON, JSON), figures equal the compliance
// API, manifest hashes match the rows, the offline script verifies untouched files and fails edited ones,
// odd text and formula injection survive the CSV, corrections change the figures both ways.
import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { rebuildRollups } from '../../../server/src/store/sqlite/rebuild';
import { adminHeaders, call, useTestServer, visit } from '../support/testServer';
import { runNode } from '../support/cli';
import { wholeStandard } from '../support/standards';

const server = useTestServer({ logLevel: 'error' });
const ODD_SITES = ['=HYPERLINK("http://evil")', '+1 store', '-5 branch', '@sum', 'quote "q"; semicolon', 'line\nbreak', 'emoji 🛎️ desk', 'فرع الرياض', "'apostrophe"];
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-04-01T00:00:00Z';

const EVENTS = [
  call({ id: 'c1', site: 'downtown', occurredAt: '2026-03-02T09:00:00Z', rings: 1, handleSeconds: 184.5 }),
  call({ id: 'c2', site: 'downtown', occurredAt: '2026-03-02T09:10:00Z', rings: 3 }),
  call({ id: 'c3', site: 'downtown', occurredAt: '2026-03-03T10:00:00Z', outcome: 'abandoned', rings: undefined, answerSeconds: 4.25 }),
  call({ id: 'c4', site: 'airport', occurredAt: '2026-03-03T23:30:00-05:00', rings: undefined, answerSeconds: 7.1 }),
  visit({ id: 'v1', site: 'downtown', occurredAt: '2026-03-10T12:00:00Z', greetSeconds: 12, handleSeconds: 300 }),
  visit({ id: 'v2', site: 'airport', occurredAt: '2026-03-15T12:00:00Z', greetSeconds: 45, agent: '=cmd|calc' }),
  ...ODD_SITES.map((site, i) => call({ id: `odd-${i}`, site, occurredAt: `2026-03-20T10:0${i}:00Z`, rings: i % 3, queue: i === 2 ? '-neg' : undefined, agent: i === 4 ? 'Doe, "Jane"' : undefined })),
  call({ id: 'outside', site: 'downtown', occurredAt: '2026-04-02T10:00:00Z', rings: 1 }),
];

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server().url}${path}`, { headers: { ...adminHeaders(server().apiKey), ...headers } });
const script = join(process.cwd(), 'scripts', 'verify-export.mjs');
const runVerify = (file: string, ...args: string[]) => runNode([script, file, ...args]);

beforeAll(async () => {
  expect((await server().postEvents({ events: EVENTS })).status).toBe(201);
});

function csvParts(text: string) {
  const lines = text.split('\r\n');
  const comments = lines.filter((l) => l.startsWith('#'));
  const manifest = JSON.parse(comments.find((c) => c.startsWith('# manifest '))!.slice('# manifest '.length));
  const rows = parse<Record<string, string>>(text, { columns: true, comment: '#', comment_no_infix: true, skip_empty_lines: true });
  // The hashed bytes: data records, each ending in CRLF (header and # lines excluded).
  const body = text.split(/\r\n(?=#)/)[0]!; // up to the first trailing comment
  const afterFirst = body.slice(body.indexOf('\r\n') + 2); // drop the "# ringside-export" line
  const data = afterFirst.slice(afterFirst.indexOf('\r\n') + 2) + '\r\n'; // drop the header row
  return { manifest, rows, data };
}

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('event export', () => {
  it('CSV: one row per judgement, parsed back by csv-parse, manifest hash matches, odd text survives', async () => {
    const res = await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(text.startsWith('# ringside-export {')).toBe(true);
    const { manifest, rows, data } = csvParts(text);
    expect(rows.length).toBe(EVENTS.length - 1);
    expect(manifest.rowCount).toBe(rows.length);
    expect(sha(data)).toBe(manifest.dataSha256);
    expect(manifest.standardVersions).toEqual(['call-answer-2-rings@1', 'visit-greet-30s@1']);
    expect(manifest.filters).toMatchObject({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
    // Formula injection: text cells starting with = + - @ ' get a leading apostrophe; the value is otherwise intact.
    const sites = rows.map((r) => r.site);
    for (const site of ODD_SITES) expect(sites).toContain(/^[=+\-@']/.test(site) ? `'${site}` : site);
    expect(rows.find((r) => r.event_id === 'v2')!.agent).toBe("'=cmd|calc");
    expect(rows.find((r) => r.event_id === 'odd-2')!.queue).toBe("'-neg");
    expect(rows.find((r) => r.event_id === 'odd-4')!.agent).toBe('Doe, "Jane"'); // a comma and quotes (site ids hold no comma)
    // Numbers are typed: not escaped, even when negative would be (value columns are numeric).
    const c3 = rows.find((r) => r.event_id === 'c3')!;
    expect(c3).toMatchObject({ answer_seconds: '4.25', rings: '1', measure_source: 'derived', met: '0', counted: '1', reason: 'abandoned', result: 'missed', formula: 'F3' });
    // How long serving took: as posted, empty when not given.
    expect(rows.find((r) => r.event_id === 'c1')!.handle_seconds).toBe('184.5');
    expect(rows.find((r) => r.event_id === 'v1')!.handle_seconds).toBe('300');
    expect(c3.handle_seconds).toBe('');
    const c4 = rows.find((r) => r.event_id === 'c4')!;
    expect(c4).toMatchObject({ occurred_at: '2026-03-03T23:30:00-05:00', rings: '2', measure_source: 'derived', result: 'met' });
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.event_link_hash!) && /^[0-9a-f]{64}$/.test(r.judgement_link_hash!))).toBe(true);
  });

  it('NDJSON and JSON carry the same rows; their manifests hash them', async () => {
    const nd = await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}`, { accept: 'application/x-ndjson' })).text();
    const lines = nd.trim().split('\n');
    const first = JSON.parse(lines[0]!);
    const last = JSON.parse(lines.at(-1)!);
    expect(first.export.kind).toBe('events');
    const dataLines = lines.slice(1).filter((l) => !/^{"(link|manifest|correction|standard)":/.test(l));
    expect(last.manifest.rowCount).toBe(dataLines.length);
    expect(sha(dataLines.map((l) => l + '\n').join(''))).toBe(last.manifest.dataSha256);

    const doc = JSON.parse(await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=json`)).text());
    expect(doc.rows).toEqual(dataLines.map((l) => JSON.parse(l)));
    expect(sha(doc.rows.map((r: unknown) => JSON.stringify(r) + '\n').join(''))).toBe(doc.manifest.dataSha256);
    expect(doc.rows.find((r: any) => r.site === 'فرع الرياض').site).toBe('فرع الرياض');
  });

  it('filters by site, standard and outcome', async () => {
    const doc = await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=json&site=downtown&standard=call-answer-2-rings&outcome=missed`)).json();
    expect(doc.rows.map((r: any) => r.event_id).sort()).toEqual(['c2', 'c3']);
    const bad = await get(`/api/v1/export/events?format=xml&outcome=maybe&standard=nope&colour=red`);
    expect(bad.status).toBe(400);
    const problem = await bad.json();
    expect(problem.errors.map((e: any) => e.path).sort()).toEqual(['colour', 'format', 'outcome', 'standard']);
  });

  it('keeps a row when its event\'s outcome or its result is any of the outcome values: one list, ORed across both kinds', async () => {
    const rowsOf = async (outcome: string) =>
      ((await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=json&site=downtown&standard=call-answer-2-rings${outcome}`)).json()).rows as Array<Record<string, string>>).map(
        (r) => `${r.event_id} ${r.outcome} ${r.result}`,
      );
    expect(await rowsOf('')).toEqual(['c1 answered met', 'c2 answered missed', 'c3 abandoned missed']);
    // Not "answered and missed": every answered row (met ones too) and every missed one (abandoned ones too).
    expect(await rowsOf('&outcome=answered,missed')).toEqual(['c1 answered met', 'c2 answered missed', 'c3 abandoned missed']);
    expect(await rowsOf('&outcome=answered&outcome=met')).toEqual(['c1 answered met', 'c2 answered missed']);
    expect(await rowsOf('&outcome=abandoned,met')).toEqual(['c1 answered met', 'c3 abandoned missed']);
  });

  it('the offline script verifies untouched exports in every format and fails an edited one', async () => {
    const dir = server().dataDir;
    const headNow = (await (await get('/api/v1/audit/verify')).json()).headHash as string;
    for (const format of ['csv', 'ndjson', 'json']) {
      const file = join(dir, `events.${format}`);
      writeFileSync(file, await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=${format}&site=downtown`)).text());
      // Every check passes; without the key, where an events export starts is not proven (NOT PROVEN, 3).
      const ok = await runVerify(file);
      expect(ok.stdout, ok.stdout + ok.stderr).toMatch(/^NOT PROVEN/);
      expect(ok.status).toBe(3);
    }
    const csv = readFileSync(join(dir, 'events.csv'), 'utf8');
    const { manifest } = csvParts(csv);
    // The head given to the auditor (published by /audit/verify before the export) matches the export's head.
    expect((await runVerify(join(dir, 'events.csv'), '--head', headNow)).status).toBe(3);
    expect((await runVerify(join(dir, 'events.csv'), '--head', 'a'.repeat(64))).status).toBe(1);
    expect(manifest.chainHead.hash).toBe(headNow);
    // A head published earlier (here: before this test's later exports were logged) is found inside a newer export's chain.
    const later = join(dir, 'later.ndjson');
    writeFileSync(later, await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=ndjson`)).text());
    const passes = await runVerify(later, '--head', headNow);
    expect(passes.status, passes.stdout).toBe(3);
    expect(passes.stdout).toMatch(/published head .* is link \d+ of the verified chain/);

    // A changed figure (met 0 → 1 on c2) fails even with the manifest hash recomputed by the editor.
    const line = csv.split('\r\n').find((l) => l.startsWith('2,c2,'))!;
    const edited = csv.replace(line, line.replace(',0,1,,missed,', ',1,1,,met,'));
    expect(edited).not.toBe(csv);
    const { data } = csvParts(edited);
    const reHashed = edited.replace(manifest.dataSha256, sha(data));
    writeFileSync(join(dir, 'edited.csv'), reHashed);
    const bad = await runVerify(join(dir, 'edited.csv'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/event c2.*judgement record does not hash/);
    // So does a changed handling time: it is part of the event's chained record.
    const c1 = csv.split('\r\n').find((l) => l.startsWith('1,c1,'))!;
    const slower = csv.replace(c1, c1.replace(/,184\.5(,*)$/, ',190$1')); // the columns after it: c1 has no correction
    expect(slower).not.toBe(csv);
    writeFileSync(join(dir, 'slower.csv'), slower.replace(manifest.dataSha256, sha(csvParts(slower).data)));
    expect((await runVerify(join(dir, 'slower.csv'))).stdout).toMatch(/event c1.*event record does not hash/);
    // Without re-hashing, the manifest check fails too.
    writeFileSync(join(dir, 'edited2.csv'), edited);
    expect((await runVerify(join(dir, 'edited2.csv'))).stdout).toMatch(/data rows hash to/);
    // A dropped row breaks the chain proof.
    const nd = (await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=ndjson`)).text()).split('\n');
    const dropped = nd.filter((_l, i) => i !== 2).join('\n');
    writeFileSync(join(dir, 'dropped.ndjson'), dropped);
    const d = await runVerify(join(dir, 'dropped.ndjson'));
    expect(d.status).toBe(1);
    expect(d.stdout).toMatch(/rowCount|missing/);
  });
});

describe('compliance export', () => {
  it('per day × site × standard equals GET /compliance for the same day and site', async () => {
    const doc = await (await get(`/api/v1/export/compliance?from=${FROM}&to=${TO}&format=json&period=day&tz=UTC`)).json();
    expect(doc.rows.length).toBeGreaterThan(0);
    for (const row of doc.rows) {
      const api = await (await get(`/api/v1/compliance?from=${row.period_start}&to=${row.period_end}&site=${encodeURIComponent(row.site)}&standard=${row.standard_id}`)).json();
      const fig = api.standards[0];
      expect({ n: row.numerator, d: row.denominator }).toEqual({ n: fig.numerator, d: fig.denominator });
      expect(row.ratio).toBe(fig.ratio);
      expect(row.target).toBe(fig.target);
      expect(row.met_target).toBe(fig.ratio >= fig.target ? 'yes' : 'no');
    }
    // month period in New York: c4 (23:30 -05:00 on the 3rd) stays in March.
    const csv = await (await get(`/api/v1/export/compliance?from=${FROM}&to=${TO}&format=csv&period=month&tz=America/New_York&site=airport`)).text();
    const { rows, manifest, data } = csvParts(csv);
    expect(sha(data)).toBe(manifest.dataSha256);
    expect(rows.find((r) => r.standard_id === 'call-answer-2-rings')).toMatchObject({ period: '2026-03', numerator: '1', denominator: '1', ratio: '1', met_target: 'yes', versions: '1' });
  });

  it('week periods start on Monday in the zone', async () => {
    const doc = await (await get(`/api/v1/export/compliance?from=${FROM}&to=${TO}&format=json&period=week&tz=Europe/Berlin&site=downtown&standard=call-answer-2-rings`)).json();
    expect(doc.rows[0]).toMatchObject({ period: 'week of 2026-03-02', period_start: '2026-03-01T23:00:00.000Z', numerator: 1, denominator: 3 });
  });
});

describe('corrections', () => {
  it('void and amend are new records; figures (rollups and exports) use the corrected view; originals stay', async () => {
    const day = 'from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&site=downtown&standard=call-answer-2-rings';
    const before = (await (await get(`/api/v1/compliance?${day}`)).json()).standards[0];
    expect([before.numerator, before.denominator]).toEqual([1, 2]);
    const post = (path: string, body: unknown) => fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const amend = await post('/events/c2/amend', { reason: 'PBX clock was off; answered on ring 2', changes: { rings: 2 } });
    expect(amend.status, await amend.clone().text()).toBe(201);
    expect((await amend.json()).judgements['call-answer-2-rings']).toMatchObject({ met: true, counted: true, value: 2 });
    let after = (await (await get(`/api/v1/compliance?${day}`)).json()).standards[0];
    expect([after.numerator, after.denominator]).toEqual([2, 2]);
    expect((await post('/events/c1/void', { reason: 'test call' })).status).toBe(201);
    after = (await (await get(`/api/v1/compliance?${day}`)).json()).standards[0];
    expect([after.numerator, after.denominator]).toEqual([1, 1]);
    // An unaligned range (the engine's raw path, e.g. "until now") uses the corrected view too.
    const raw = (await (await get(`/api/v1/compliance?from=2026-03-02T00:00:00.250Z&to=2026-03-02T23:59:59.750Z&site=downtown&standard=call-answer-2-rings&groupBy=queue`)).json()).standards[0];
    expect([raw.numerator, raw.denominator]).toEqual([1, 1]);
    expect(raw.groups.map((g: any) => [g.numerator, g.denominator])).toEqual([[1, 1]]);
    const again = await post('/events/c1/amend', { reason: 'again', changes: { rings: 1 } });
    expect(again.status).toBe(409);
    // The detail reads as a sentence: the field, a colon, then the refusal (not "id event …").
    expect(await again.json()).toMatchObject({
      detail: 'id: the event with id "c1" is void; a void is final, so it cannot be amended',
      errors: [{ path: 'id', message: 'the event with id "c1" is void; a void is final, so it cannot be amended' }],
    });
    expect((await post('/events/nope/void', { reason: 'x' })).status).toBe(404);
    const badAmend = await post('/events/c2/amend', { reason: 'x', changes: { greetSeconds: 3 } });
    expect(badAmend.status).toBe(400);
    expect((await badAmend.json()).errors[0].path).toBe('changes.greetSeconds');

    // The engine's rebuild-rollups recomputes from raw judgements and re-applies the corrections' deltas.
    const db = openDatabase(server().dataDir);
    rebuildRollups(db);
    db.close();
    after = (await (await get(`/api/v1/compliance?${day}`)).json()).standards[0];
    expect([after.numerator, after.denominator]).toEqual([1, 1]);

    const exp = await (await get(`/api/v1/export/compliance?${day}&format=json&tz=UTC`)).json();
    expect(exp.rows[0]).toMatchObject({ numerator: 1, denominator: 1, voided: 1, amended: 1 });
    const ev = await (await get(`/api/v1/export/events?${day}&format=json`)).json();
    expect(ev.rows.find((r: any) => r.event_id === 'c1')).toMatchObject({ met: 1, counted: 1, correction: 'void', corrected_counted: 0, result: 'voided' });
    expect(ev.rows.find((r: any) => r.event_id === 'c2')).toMatchObject({ rings: 3, met: 0, correction: 'amend', corrected_met: 1, result: 'met' });
    const verify = await (await get('/api/v1/audit/verify')).json();
    expect(verify.intact).toBe(true);
  });
});

describe('corrections within the limits of ingest', () => {
  it('refuses an amendment that ingest would refuse, naming the field, and changes nothing', async () => {
    const post = (path: string, body: unknown) => fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused: Array<[Record<string, unknown>, string, string]> = [
      [{ rings: 101 }, 'changes.rings', 'must be at most 100'],
      [{ rings: 1.5 }, 'changes.rings', 'must be a whole number'],
      [{ answerSeconds: 86_401 }, 'changes.answerSeconds', 'must be at most 86400 (one day)'],
    ];
    for (const [changes, path, message] of refused) {
      const res = await post('/events/c3/amend', { reason: 'typo', changes });
      expect(res.status, JSON.stringify(changes)).toBe(400);
      expect((await res.json()).errors).toEqual([{ path, message }]);
    }
    const ev = await (await get(`/api/v1/export/events?from=${FROM}&to=${TO}&format=json`)).json();
    expect(ev.rows.filter((r: any) => r.event_id === 'c3').every((r: any) => r.correction === null)).toBe(true);
    expect((await post('/events/c3/amend', { reason: 'ring 100 is still plausible', changes: { rings: 100 } })).status).toBe(201);
  });
});

describe('audit log, incidents and alerts exports, report', () => {
  it('records who changed standards and who exported; the audit-log export verifies offline', async () => {
    const put = await fetch(`${server().url}/api/v1/standards/visit-greet-30s`, {
      method: 'PUT',
      headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' },
      body: JSON.stringify(wholeStandard({ name: 'Visitors greeted within 30 seconds', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 30, target: 0.95, formula: 'F3' })),
    });
    expect(put.status).toBe(200);
    const csv = await (await get('/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=csv')).text();
    const { rows } = csvParts(csv);
    const change = rows.find((r) => r.action === 'standard.update')!;
    expect(change).toMatchObject({ target: 'visit-greet-30s' });
    expect(change.key_id).toMatch(/\S/);
    expect(rows.some((r) => r.action === 'export.events')).toBe(true);
    expect(rows.some((r) => r.action === 'event.void')).toBe(true);
    const file = join(server().dataDir, 'audit-log.csv');
    writeFileSync(file, csv);
    // Every check passes; without the key where the entries start and end is not proven (3, not 1).
    expect((await runVerify(file)).status).toBe(3);
    writeFileSync(file, csv.replace('standard.update', 'standard.create'));
    expect((await runVerify(file)).status).toBe(1);
  });

  it('incidents export has one row per change; the alert history before incidents keeps its columns', async () => {
    const incidents = await (await get('/api/v1/export/incidents?from=2000-01-01T00:00:00Z&format=csv')).text();
    expect(incidents.split('\r\n')[1]).toBe('change_seq,incident_id,change,at,standard_id,site,severity,previous_severity,incident_opened_at,by,summary,detail');
    const csv = await (await get('/api/v1/export/alerts?from=2000-01-01T00:00:00Z&format=csv')).text();
    expect(csv.split('\r\n')[1]).toBe('alert_id,kind,severity,standard_id,standard_version,site,target,started_at,ended_at,duration_seconds,end_reason,acknowledged_at,acknowledged_by,message');
  });

  it('the audit report is one self-contained HTML page with charts, tables, standards, formulas and verification', async () => {
    const res = await get(`/api/v1/export/report?from=${FROM}&to=${TO}&tz=UTC`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link|src=|href="http/i);
    expect(html).toMatch(/<svg/);
    expect(html).toContain('Site: downtown');
    // Each site's table counts periods in the report's zone, which its head says beside the site's own.
    expect(html).toMatch(/<th colspan="11">Site: downtown[^<]* · periods in UTC · /);
    expect(html).toContain('F4');
    expect(html).toContain('intact up to record');
    expect(html).toContain('فرع الرياض');
    expect(html).not.toContain('=HYPERLINK("http'); // escaped as HTML
  });

  it('needs the audit scope', async () => {
    const create = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'reader', scopes: ['read'] }) });
    const { key } = await create.json();
    const res = await fetch(`${server().url}/api/v1/export/events`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(403);
  });
});
