// What the chain alone proves in an export, without the signing key: the corrected view (result, corrected_met,
// corrected_counted) recomputed from the chained correction records the rows and `# correction` lines carry, each
// row's formula and threshold against the chained `# standard` records, compliance rows recomputed from an events
// export of the same filters (--events, periods in a zone across a DST change), and audit-log entries between the
// exported ones. Real server, real exports; scripts/verify-export.mjs runs as a child process, WITHOUT --public-key:
// each forgery below has its row count and SHA-256 recomputed, so only these checks can catch it.
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { signManifest } from '../../../server/src/domain/manifestSignature';
import { csvQuote } from '../../../server/src/services/exports/encoders';
import { adminHeaders, call, chainHead, useTestServer, visit } from '../support/testServer';
import { wholeStandard } from '../support/standards';
import { runNode } from '../support/cli';

const server = useTestServer({ logLevel: 'error' });
let published: { seq: number; hash: string };
// Europe/Berlin moves to summer time on 29 March 2026: the days around it are 24, 23 and 24 hours long.
const Q = 'from=2026-03-26T00:00:00%2B01:00&to=2026-04-02T00:00:00%2B02:00&tz=Europe/Berlin';
const script = join(process.cwd(), 'scripts', 'verify-export.mjs');

const verify = (...args: string[]) => runNode([script, ...args]);
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const post = (path: string, body: unknown) =>
  fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function saved(name: string, path: string): Promise<string> {
  const res = await fetch(`${server().url}/api/v1${path}`, { headers: adminHeaders(server().apiKey) });
  expect(res.status, path).toBe(200);
  const file = join(server().dataDir, name);
  writeFileSync(file, await res.text());
  return file;
}

/** A CSV export's parts; rows as cells (csv-parse), so cells holding commas and quotes are edited safely. */
function csvParts(text: string) {
  const lines = text.split('\r\n');
  const firstTrailer = lines.findIndex((l, i) => i > 0 && l.startsWith('#'));
  return { first: lines[0]!, columns: lines[1]!.split(','), rows: lines.slice(2, firstTrailer).map((r) => parse(r)[0] as string[]), trailer: lines.slice(firstTrailer).filter((l) => l !== '') };
}
type Parts = ReturnType<typeof csvParts>;

/** The file an attacker writes after editing rows: row count and data SHA-256 recomputed in the manifest. */
function resealed(parts: Parts): string {
  const rows = parts.rows.map((cells) => cells.map((c) => (c === '' ? '' : csvQuote(c))).join(','));
  const data = rows.map((r) => r + '\r\n').join('');
  const trailer = parts.trailer.map((l) => {
    if (!l.startsWith('# manifest ')) return l;
    const m = JSON.parse(l.slice('# manifest '.length));
    return `# manifest ${JSON.stringify({ ...m, rowCount: rows.length, dataSha256: sha(data) })}`;
  });
  return [parts.first, parts.columns.join(','), ...rows, ...trailer, ''].join('\r\n');
}

/** Writes the forged text and expects the verifier (chain only) to fail naming `expected`. */
async function caught(file: string, text: string, expected: RegExp, ...extra: string[]): Promise<string> {
  const forged = file.replace(/(\.\w+)$/, '-forged$1');
  writeFileSync(forged, text);
  const r = await verify(forged, '--head', published.hash, ...extra);
  expect(r.status, r.stdout).toBe(1);
  expect(r.stdout).toMatch(/^FAILED/);
  expect(r.stdout).toMatch(expected);
  return r.stdout;
}

/** The parts of an export with one edit applied to a copy. */
function edited(text: string, edit: (parts: Parts, at: (name: string) => number) => void): string {
  const parts = csvParts(text);
  edit(parts, (name) => {
    const i = parts.columns.indexOf(name);
    expect(i, name).toBeGreaterThanOrEqual(0);
    return i;
  });
  return resealed(parts);
}

/** The export with columns `names` removed from its rows and its manifest's columns (the manifest edited by `more`). */
const dropColumns = (text: string, names: string[], more: (m: Record<string, unknown>) => Record<string, unknown> = (m) => m) =>
  edited(text, (p, at) => {
    const drop = names.map(at).sort((a, b) => b - a);
    for (const i of drop) {
      p.columns.splice(i, 1);
      for (const row of p.rows) row.splice(i, 1);
    }
    p.trailer = p.trailer.map((l) => {
      if (!l.startsWith('# manifest ')) return l;
      const m = JSON.parse(l.slice(11)) as Record<string, unknown> & { columns: string[] };
      return `# manifest ${JSON.stringify(more({ ...m, columns: m.columns.filter((c) => !names.includes(c)) }))}`;
    });
  });

beforeAll(async () => {
  const events = [
    call({ id: 'c1', occurredAt: '2026-03-27T09:00:00+01:00', rings: 1 }),
    call({ id: 'c2', occurredAt: '2026-03-28T23:30:00+01:00', rings: 5 }),
    call({ id: 'c3', site: 'airport', occurredAt: '2026-03-29T10:00:00+02:00', rings: 4 }),
    call({ id: 'c4', site: 'airport', occurredAt: '2026-03-30T00:15:00+02:00', rings: 6 }),
    visit({ id: 'v1', occurredAt: '2026-03-29T01:30:00+01:00', greetSeconds: 50 }),
  ];
  expect((await server().postEvents({ events })).status).toBe(201);
  // A new version of the visit standard from 30 March (a new target, threshold and formula); v2 is judged by it.
  const put = await fetch(`${server().url}/api/v1/standards/visit-greet-30s`, {
    method: 'PUT',
    headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' },
    body: JSON.stringify(wholeStandard({ name: 'Visitors greeted within 25 seconds', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 25, target: 0.9, formula: 'F3', validFrom: '2026-03-30T00:00:00+02:00' })),
  });
  expect(put.status, await put.text()).toBe(200);
  const later = [visit({ id: 'v2', occurredAt: '2026-03-31T12:00:00+02:00', greetSeconds: 20 }), visit({ id: 'v3', site: 'airport', occurredAt: '2026-04-01T08:00:00+02:00', greetSeconds: 40 })];
  expect((await server().postEvents({ events: later })).status).toBe(201);
  // Corrections: c2 amended twice (met, then missed again), c3 voided, v1 amended.
  expect((await post('/events/c2/amend', { reason: 'PBX clock was off', changes: { rings: 1 } })).status).toBe(201);
  expect((await post('/events/c2/amend', { reason: 'the PBX was right after all', changes: { rings: 3 } })).status).toBe(201);
  expect((await post('/events/c3/void', { reason: 'test call' })).status).toBe(201);
  expect((await post('/events/v1/amend', { reason: 'camera shows 10 s', changes: { greetSeconds: 10 } })).status).toBe(201);
  // The head is published after the period; then the store moves on.
  published = await chainHead(server());
  expect((await server().postEvents({ events: [call({ id: 'late', occurredAt: '2026-03-31T10:00:00+02:00' })] })).status).toBe(201);
}, 60_000);

// Every check passes with the chain alone; the verdict is still NOT PROVEN (exit 3), since only the signature binds
// where an events export starts (a compliance export recounted from one inherits that).
describe('honest exports pass every check with the chain alone', () => {
  for (const format of ['csv', 'ndjson', 'json']) {
    it(`${format}: events (corrections and standards recomputed) and compliance recomputed from them, by day, week and month`, async () => {
      const events = await saved(`events.${format}`, `/export/events?${Q}&format=${format}`);
      const r = await verify(events, '--head', published.hash);
      expect(r.status, r.stdout).toBe(3);
      expect(r.stdout).toContain('corrected view recomputed from 4 chained correction records');
      expect(r.stdout).toMatch(/formula and threshold of [3-9] standard versions checked/);
      for (const period of format === 'csv' ? ['day', 'week', 'month'] : ['day']) {
        const compliance = await saved(`compliance-${period}.${format}`, `/export/compliance?${Q}&period=${period}&format=${format}&since=${published.seq}`);
        const c = await verify(compliance, '--events', events, '--head', published.hash);
        expect(c.status, c.stdout).toBe(3);
        expect(c.stdout).toMatch(/\d+ rows recomputed from the events export/);
      }
    });
  }

  it('the rows show who corrected, when, why and the amended values; earlier corrections are # correction lines', async () => {
    const text = readFileSync(await saved('events-who.csv', `/export/events?${Q}&format=csv`), 'utf8');
    const parts = csvParts(text);
    const col = (name: string) => parts.columns.indexOf(name);
    const c2 = parts.rows.filter((r) => r[col('event_id')] === 'c2');
    expect(c2.length).toBeGreaterThan(0);
    for (const row of c2) {
      expect(row[col('correction')]).toBe('amend');
      expect(row[col('correction_reason')]).toBe('the PBX was right after all');
      expect(JSON.parse(row[col('correction_changes')]!)).toMatchObject({ given: { rings: 3 }, fields: { rings: 3 } });
      expect(row[col('correction_key_id')]).toBe('env');
      // Named as every export names a key: the environment key by its variable (the audit log's key_name, requestedBy).
      expect(row[col('correction_key_name')]).toBe('RINGSIDE_API_KEY');
      expect(Number(row[col('correction_at_ms')])).toBeGreaterThan(0);
    }
    const lines = parts.trailer.filter((l) => l.startsWith('# correction ')).map((l) => JSON.parse(l.slice(13)) as { record: { eventSeq: number; reason: string }; keyName: string | null });
    const c2Seq = Number(c2[0]![col('event_seq')]);
    expect(lines.filter((l) => l.record.eventSeq === c2Seq).map((l) => l.record.reason)).toEqual(['PBX clock was off', 'the PBX was right after all']);
    expect(lines.map((l) => l.keyName)).toEqual(lines.map(() => 'RINGSIDE_API_KEY'));
    expect(parts.trailer.filter((l) => l.startsWith('# standard ')).map((l) => JSON.parse(l.slice(11)).record.id)).toContain('visit-greet-30s');
  });

  it('an audit-log export proves its rows and a head published after the period without since=; not where it starts and ends', async () => {
    const file = await saved('audit-log.csv', `/export/audit-log?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&format=csv`);
    const r = await verify(file, '--head', published.hash);
    expect(r.status, r.stdout).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`the published head ${published.hash} is link \\d+ of the verified chain`));
    expect(r.stdout).toMatch(/^NOT PROVEN: .*; no --public-key\)\n/);
    expect(r.stdout).toContain('only the signature binds where the export\'s entries start and end (audit links carry no time');
  });
});

describe('forgeries the chain alone catches (row count and SHA-256 recomputed, no public key)', () => {
  let events: string;
  let eventsText: string;
  beforeAll(async () => {
    events = await saved('events-attack.csv', `/export/events?${Q}&format=csv`);
    eventsText = readFileSync(events, 'utf8');
  });

  it('a result flipped from missed to met (with corrected_met), on an uncorrected row and on an amended one', async () => {
    for (const id of ['c4', 'c2']) {
      await caught(
        events,
        edited(eventsText, (p, at) => {
          const row = p.rows.find((r) => r[at('event_id')] === id && r[at('result')] === 'missed')!;
          expect(row, id).toBeDefined();
          row[at('result')] = 'met';
          row[at('corrected_met')] = '1';
        }),
        new RegExp(`event ${id}, .*: result is met, but its judgement and correction give missed`),
      );
    }
  });

  it("a measured measure said to be derived: the event's chained derived gives it", async () => {
    // c1 posted its rings (answerSeconds derived); v1 posted its greetSeconds: both measured.
    for (const id of ['c1', 'v1']) {
      await caught(
        events,
        edited(eventsText, (p, at) => {
          const row = p.rows.find((r) => r[at('event_id')] === id)!;
          expect(row[at('measure_source')], id).toBe('measured');
          row[at('measure_source')] = 'derived';
        }),
        new RegExp(`event ${id}, .*: measure_source is derived, but its measure \\w+ and the event's derived .* give measured`),
      );
    }
  });

  it('a void invented on a row, and a void hidden by blanking the correction', async () => {
    await caught(
      events,
      edited(eventsText, (p, at) => {
        const row = p.rows.find((r) => r[at('event_id')] === 'c4')!;
        Object.assign(row, { [at('result')]: 'voided', [at('correction')]: 'void', [at('correction_seq')]: '99', [at('corrected_met')]: '0', [at('corrected_counted')]: '0' });
      }),
      /event c4, .*: the correction record 99 does not hash to its chain link/,
    );
    await caught(
      events,
      edited(eventsText, (p, at) => {
        for (const row of p.rows.filter((r) => r[at('event_id')] === 'c3')) {
          for (const name of ['correction', 'correction_seq', 'correction_changes', 'correction_rejudged', 'correction_reason', 'correction_key_id', 'correction_key_name', 'correction_at_ms', 'correction_link_seq', 'correction_link_prev', 'correction_link_hash']) row[at(name)] = '';
          row[at('result')] = row[at('met')] === '1' ? 'met' : 'missed';
          row[at('corrected_met')] = row[at('met')]!;
          row[at('corrected_counted')] = row[at('counted')]!;
        }
      }),
      /correction \d+ of event seq \d+ is in the export, but no row of that event shows a correction \(a void or amendment was hidden\)/,
    );
  });

  it('who corrected: a row naming another key than its # correction line, and a row without correction naming one', async () => {
    // One row of c2 (amended) said to be corrected by another key: named by row, with the line's name.
    await caught(
      events,
      edited(eventsText, (p, at) => (p.rows.filter((r) => r[at('event_id')] === 'c2').at(-1)![at('correction_key_name')] = 'Mallory')),
      /row \d+ \(event c2, [^)]*\): correction_key_name is "Mallory", but the # correction line of correction \d+ names key "RINGSIDE_API_KEY"/,
    );
    // Every row of c2 and, for a row of c3 (voided), the name cleared.
    const out = await caught(
      events,
      edited(eventsText, (p, at) => {
        for (const row of p.rows.filter((r) => r[at('event_id')] === 'c2')) row[at('correction_key_name')] = 'Mallory';
        p.rows.find((r) => r[at('event_id')] === 'c3')![at('correction_key_name')] = '';
      }),
      /event c3, [^)]*\): correction_key_name is \(empty\), but the # correction line of correction \d+ names key "RINGSIDE_API_KEY"/,
    );
    expect(out).toMatch(/event c2, [^)]*\): correction_key_name is "Mallory"/);
    // A row no correction touched, given a corrector's name.
    await caught(
      events,
      edited(eventsText, (p, at) => (p.rows.find((r) => r[at('event_id')] === 'c4')![at('correction_key_name')] = 'Mallory')),
      /event c4, [^)]*\): correction_key_name is set but the row names no correction/,
    );
  });

  it('who corrected, edited in the rows and the # correction lines alike: the chain does not prove the name, the signature does', async () => {
    const forged = edited(eventsText, (p, at) => {
      for (const row of p.rows.filter((r) => r[at('correction_key_name')] !== '')) row[at('correction_key_name')] = 'Mallory';
      p.trailer = p.trailer.map((l) => (l.startsWith('# correction ') ? `# correction ${JSON.stringify({ ...JSON.parse(l.slice(13)), keyName: 'Mallory' })}` : l));
    });
    const file = events.replace(/\.csv$/, '-renamed.csv');
    writeFileSync(file, forged);
    const alone = await verify(file, '--head', published.hash);
    expect(alone.status, alone.stdout).toBe(3); // every check passes: not proven, not failed
    const keyFile = join(server().dataDir, 'public-key-names.json');
    writeFileSync(keyFile, JSON.stringify((await server().getJson('/api/v1/audit/public-key')).body));
    const signed = await verify(file, '--head', published.hash, '--public-key', keyFile);
    expect(signed.status, signed.stdout).toBe(1);
    expect(signed.stdout).toMatch(/BAD SIGNATURE/);
  });

  it("an earlier amendment shown instead of the latest (a genuine record with its link): named", async () => {
    await caught(
      events,
      edited(eventsText, (p, at) => {
        const rows = p.rows.filter((r) => r[at('event_id')] === 'c2');
        const first = p.trailer.map((l) => (l.startsWith('# correction ') ? JSON.parse(l.slice(13)) : null)).find((c) => c && c.record.eventSeq === Number(rows[0]![at('event_seq')]));
        for (const row of rows) {
          const j = JSON.parse(first.record.rejudged)[row[at('standard_id')]!];
          Object.assign(row, {
            [at('correction_seq')]: String(first.record.seq), [at('correction_changes')]: first.record.changes, [at('correction_rejudged')]: first.record.rejudged,
            [at('correction_reason')]: first.record.reason, [at('correction_at_ms')]: String(first.record.atMs), [at('correction_link_seq')]: String(first.link.seq),
            [at('correction_link_prev')]: first.link.prev, [at('correction_link_hash')]: first.link.hash,
            [at('corrected_met')]: String(j.met), [at('corrected_counted')]: String(j.counted), [at('result')]: j.counted === 0 ? 'not-counted' : j.met ? 'met' : 'missed',
          });
        }
      }),
      /event c2, .*: shows correction \d+, but correction \d+ of the same event is later/,
    );
  });

  it('a formula changed, in one row and in every row of a version', async () => {
    const f3 = (p: Parts, at: (n: string) => number) => p.rows.filter((r) => r[at('formula')] === 'F3');
    await caught(events, edited(eventsText, (p, at) => (f3(p, at).at(-1)![at('formula')] = 'F1')), /formula F1/);
    await caught(
      events,
      edited(eventsText, (p, at) => {
        const id = f3(p, at)[0]![at('standard_id')];
        for (const row of p.rows.filter((r) => r[at('standard_id')] === id)) row[at('formula')] = 'F1';
      }),
      /formula F1, but version [\w-]+@\d+ has formula F3/,
    );
  });

  it('a # standard record edited to match: fails its link; with the link recomputed, fails the chain proof', async () => {
    const text = eventsText.replace(/^# standard (.*)$/gm, (line, json: string) => {
      const s = JSON.parse(json);
      if (s.record.id !== 'visit-greet-30s' || s.record.version !== 2) return line;
      s.record.definition = s.record.definition.replace('"formula":"F3"', '"formula":"F1"');
      return `# standard ${JSON.stringify(s)}`;
    });
    expect(text).not.toBe(eventsText);
    const rows = (t: string) => edited(t, (p, at) => p.rows.filter((r) => r[at('standard_id')] === 'visit-greet-30s' && r[at('standard_version')] === '2').forEach((r) => (r[at('formula')] = 'F1')));
    await caught(events, rows(text), /standard visit-greet-30s@2 \(# standard line\): the record does not hash to its chain link \d+/);
    // The version was created after the first exported row, so its link is in the chain proof to the head.
    const relinked = text.replace(/^# standard (.*)$/gm, (line, json: string) => {
      const s = JSON.parse(json);
      if (s.record.id !== 'visit-greet-30s' || s.record.version !== 2) return line;
      const sorted = (v: unknown): unknown => (Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v);
      s.link.hash = sha(s.link.prev + JSON.stringify({ digest: sha(JSON.stringify(sorted(s.record))), kind: 'standard', ref: 'visit-greet-30s@2' }));
      return `# standard ${JSON.stringify(s)}`;
    });
    await caught(events, rows(relinked), /standard visit-greet-30s@2 \(# standard line\): its link \d+ is not the chain proof's link/);
  });

  it("an event's row deleted: its links named as missing once, with the data rows on either side of the gap", async () => {
    const out = await caught(events, edited(eventsText, (p) => p.rows.splice(2, 1)), /chain links (\d+)–(\d+) are missing from the export's proof: a data row or proof line holding them was removed \(after (?:data row 2|proof link \d+), before data row 3\)/);
    expect(out.match(/missing from the export's proof/g)).toHaveLength(1);
  });

  it('rows reordered, and the first line edited', async () => {
    await caught(events, edited(eventsText, (p) => p.rows.reverse()), /row 2: out of order/);
    const [first, ...rest] = eventsText.split('\r\n');
    await caught(events, [first!.replace('"timeZone":"Europe/Berlin"', '"timeZone":"UTC"'), ...rest].join('\r\n'), /the first line's "timeZone" \("UTC"\) is not the manifest's/);
  });

  it('a compliance row forged (consistently: ratio and met_target too), added or deleted: named with --events', async () => {
    const compliance = await saved('compliance-attack.csv', `/export/compliance?${Q}&period=day&format=csv`);
    const text = readFileSync(compliance, 'utf8');
    const honest = await verify(compliance, '--events', events);
    expect(honest.status, honest.stdout).toBe(3);
    expect(honest.stdout).toMatch(/\d+ rows recomputed from the events export/);
    const forged = edited(text, (p, at) => {
      const row = p.rows.find((r) => Number(r[at('denominator')]) > Number(r[at('numerator')]))!;
      row[at('numerator')] = row[at('denominator')]!;
      row[at('ratio')] = '1';
      row[at('met_target')] = 'yes';
    });
    // Alone, the row is consistent with itself and its standard: only the events can tell, so without them (or the
    // key) nothing proves the file, forged or not.
    writeFileSync(compliance.replace('.csv', '-alone.csv'), forged);
    const alone = await verify(compliance.replace('.csv', '-alone.csv'));
    expect(alone.status, alone.stdout).toBe(3);
    expect(alone.stdout).toMatch(/^NOT PROVEN: .*; no --public-key\)/);
    await caught(compliance, forged, /row \d+ \([\d-]+, [\w-]+, [\w-]+\): numerator is \d+, but the events give \d+/, '--events', events);
    await caught(compliance, edited(text, (p) => p.rows.splice(1, 1)), /missing row: [\d-]+, [\w-]+, [\w-]+ \(the events give numerator \d+, denominator \d+\)/, '--events', events);
    await caught(
      compliance,
      edited(text, (p, at) => p.rows.push([...p.rows.at(-1)!].map((c, i) => (i === at('site') ? 'zz-nowhere' : c)))),
      /row \d+ \([\d-]+, zz-nowhere, [\w-]+\): no judgement of the events export is in it/,
      '--events',
      events,
    );
  });

  it('empty numerator and denominator cells read as nothing counted, alone and with --events; never NaN', async () => {
    const compliance = await saved('compliance-empty.csv', `/export/compliance?${Q}&period=day&format=csv`);
    const text = readFileSync(compliance, 'utf8');
    // c3 was voided: its day at the airport has a row that counts nothing, written 0 / 0 with an empty ratio.
    const blanked = (pick: (row: string[], at: (name: string) => number) => boolean) =>
      edited(text, (p, at) => {
        const row = p.rows.find((r) => pick(r, at))!;
        row[at('numerator')] = '';
        row[at('denominator')] = '';
      });
    const nothing = blanked((r, at) => r[at('denominator')] === '0');
    expect(nothing).toMatch(/,airport,call-answer-2-rings,[^\r\n]*,,,,[\d.]+,n\/a,1,1,0\r\n/);
    for (const extra of [[], ['--events', events]]) {
      const file = compliance.replace('.csv', `-nothing${extra.length}.csv`);
      writeFileSync(file, nothing);
      const r = await verify(file, ...extra);
      expect(r.status, r.stdout).toBe(3);
      expect(r.stdout).not.toMatch(/NaN|null/);
    }
    // A row that counted something, its figures blanked and its ratio kept: named in words.
    const out = await caught(compliance, blanked((r, at) => Number(r[at('denominator')]) > 0), /row \d+ \([\d-]+, [\w-]+, [\w-]+\): ratio [\d.]+, but \(empty\)\/\(empty\) is \(empty\): nothing counted/);
    expect(out).not.toMatch(/NaN|null/);
    await caught(compliance, blanked((r, at) => Number(r[at('denominator')]) > 0), /row \d+ \([\d-]+, [\w-]+, [\w-]+\): numerator is \(empty\), but the events give \d+/, '--events', events);
  });

  it('audit-log entries cut from the start and the end: every check passes, so NOT PROVEN without the key, never VERIFIED; with it a bad signature', async () => {
    const file = await saved('audit-log-cut.csv', `/export/audit-log?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&format=csv`);
    const text = readFileSync(file, 'utf8');
    const publicKey = join(server().dataDir, 'public-key.json');
    writeFileSync(publicKey, await (await fetch(`${server().url}/api/v1/audit/public-key`, { headers: adminHeaders(server().apiKey) })).text());
    // The proof lists the entries' links whether or not their rows are there: an audit link carries no time, so
    // nothing says the entries before the first row and after the last were in the range.
    const cuts: Array<[string, (rows: string[][]) => void]> = [
      ['start', (rows) => rows.splice(0, 1)],
      ['end', (rows) => rows.splice(-2)],
    ];
    for (const [end, cut] of cuts) {
      const forged = file.replace('.csv', `-${end}.csv`);
      writeFileSync(forged, edited(text, (p) => cut(p.rows)));
      const alone = await verify(forged, '--head', published.hash);
      expect(alone.status, alone.stdout).toBe(3);
      expect(alone.stdout).toMatch(/^NOT PROVEN: .*\(audit-log, csv, \d+ rows, .*; no --public-key\)\n/);
      expect(alone.stdout).toContain("only the signature binds where the export's entries start and end");
      const withKey = await verify(forged, '--public-key', publicKey);
      expect(withKey.status, withKey.stdout).toBe(1);
      expect(withKey.stdout).toMatch(/BAD SIGNATURE/);
    }
  });

  it('an audit-log entry deleted (the void hidden from the log)', async () => {
    const file = await saved('audit-log-attack.csv', `/export/audit-log?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&format=csv`);
    const text = readFileSync(file, 'utf8');
    await caught(
      file,
      edited(text, (p, at) => p.rows.splice(p.rows.findIndex((r) => r[at('action')] === 'event.void'), 1)),
      /audit entry \d+ is in the chain proof between exported entries \d+ and \d+, but has no row \(an entry was deleted\)/,
    );
  });
});

// A check that needs a part of the proof must fail when that part is gone, never skip itself: an attacker deletes
// what would contradict the forgery. These are the attacks as an auditor's tester ran them: exports as of a published
// head (asOf=, the compliance one with since= too), rows edited, the `# standard` lines deleted, the manifest's row
// count and SHA-256 recomputed, verified with --head and no public key.
describe('a missing part of the proof fails, naming what is missing', () => {
  const asOf = () => `${Q}&asOf=${published.seq}`;
  const withoutStandards = (text: string) => text.replace(/^# standard .*\r\n/gm, '');
  const isLine = (l: string, id: string, version: number) => {
    if (!l.startsWith('# standard ')) return false;
    const { record } = JSON.parse(l.slice(11)) as { record: { id: string; version: number } };
    return record.id === id && record.version === version;
  };
  let events: string;
  let eventsText: string;
  beforeAll(async () => {
    events = await saved('events-asof.csv', `/export/events?${asOf()}&format=csv`);
    eventsText = readFileSync(events, 'utf8');
    expect(eventsText).toMatch(/^# standard /m);
  });

  it('compliance: every target lowered to 0.85 and met_target set to yes, the # standard lines deleted', async () => {
    const compliance = await saved('compliance-asof.csv', `/export/compliance?${asOf()}&since=${published.seq}&period=day&format=csv`);
    const text = readFileSync(compliance, 'utf8');
    const versions = JSON.parse(text.split('\r\n').find((l) => l.startsWith('# manifest '))!.slice(11)).standardVersions as string[];
    expect(versions).toEqual(['call-answer-2-rings@1', 'visit-greet-30s@1', 'visit-greet-30s@2']);
    const forged = withoutStandards(
      edited(text, (p, at) => {
        for (const row of p.rows) {
          expect(row[at('target')]).toBe('0.9');
          row[at('target')] = '0.85';
          row[at('met_target')] = 'yes';
        }
      }),
    );
    expect(forged).not.toMatch(/^# standard /m);
    // Alone: each version the manifest and the rows name is missing, by name.
    const alone = await caught(compliance, forged, /standard version call-answer-2-rings@1 .*has no # standard line/);
    for (const v of versions) expect(alone).toContain(`standard version ${v} `);
    // With the events export (intact): its # standard records are used, and they say 0.9.
    await caught(compliance, forged, /row \d+ \([\d-]+, [\w-]+, [\w-]+\): target is 0\.85, but version [\w-]+@\d in force at the period's end gives 0\.9/, '--events', events);
    // With the events export's # standard lines deleted as well: named in both files.
    const eventsForged = events.replace('.csv', '-nostandards.csv');
    writeFileSync(eventsForged, withoutStandards(eventsText));
    const both = await caught(compliance, forged, /events file .*: standard version call-answer-2-rings@1 .*has no # standard line/, '--events', eventsForged);
    expect(both).toMatch(/^ {2}standard version visit-greet-30s@2 .*has no # standard line/m);
  });

  it('events: the formula of every rings row changed from F3 to F1, the # standard lines deleted', async () => {
    expect(eventsText).toContain(',F3,rings,');
    const forged = withoutStandards(eventsText.replaceAll(',F3,rings,', ',F1,rings,'));
    const resealedText = edited(forged, () => {});
    const out = await caught(events, resealedText, /standard version call-answer-2-rings@1 .*has no # standard line: its formula and threshold cannot be checked/);
    expect(out).not.toContain('standard versions checked against their chained records');
  });

  it('events, untouched but for the deleted # standard lines (CSV and NDJSON): fails, naming each version', async () => {
    await caught(events, withoutStandards(eventsText), /standard version visit-greet-30s@2 .*has no # standard line/);
    const ndjson = await saved('events-asof.ndjson', `/export/events?${asOf()}&format=ndjson`);
    const lines = readFileSync(ndjson, 'utf8').split('\n');
    expect(lines.some((l) => l.startsWith('{"standard":'))).toBe(true);
    const out = await caught(ndjson, lines.filter((l) => !l.startsWith('{"standard":')).join('\n'), /standard version call-answer-2-rings@1 .*has no # standard line/);
    expect(out).toContain('standard version visit-greet-30s@1 ');
  });

  it('a version the rows do not name, deleted: the chain proof shows its link, and the gap in the version numbers shows', async () => {
    // Version 3 of the visit standard, valid from noon on 1 April (after the last visit) and judging nothing: the
    // compliance rows of that day take its target, which an attacker hides by deleting its line and putting version
    // 2's target back.
    const put = await fetch(`${server().url}/api/v1/standards/visit-greet-30s`, {
      method: 'PUT',
      headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' },
      body: JSON.stringify(wholeStandard({ name: 'Visitors greeted within 25 seconds', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 25, target: 0.5, formula: 'F3', validFrom: '2026-04-01T12:00:00+02:00' })),
    });
    expect(put.status, await put.text()).toBe(200);
    const compliance = await saved('compliance-v3.csv', `/export/compliance?${Q}&since=${published.seq}&period=day&format=csv`);
    const text = readFileSync(compliance, 'utf8');
    const v3 = (l: string) => isLine(l, 'visit-greet-30s', 3);
    // Every check passes; the sums are not proven without --events or the key.
    const honest = await verify(compliance, '--head', published.hash);
    expect(honest.status, honest.stdout).toBe(3);
    const lines = text.split('\r\n');
    expect(lines.some(v3)).toBe(true);
    const forged = edited(lines.filter((l) => !v3(l)).join('\r\n'), (p, at) => {
      for (const row of p.rows.filter((r) => r[at('target')] === '0.5')) {
        row[at('target')] = '0.9';
        row[at('met_target')] = Number(row[at('ratio')]) >= 0.9 ? 'yes' : 'no';
      }
    });
    await caught(compliance, forged, /standard visit-greet-30s@3 is chained at link \d+ of the export's chain proof, but has no # standard line/);
    // Version 2, chained before the published head (outside the proof), deleted from an export whose rows name only
    // version 1 (the days before it took effect): versions are numbered from 1, so 1 and 3 without 2 is a gap.
    const early = 'from=2026-03-26T00:00:00%2B01:00&to=2026-03-30T00:00:00%2B02:00&tz=Europe/Berlin';
    const before = await saved('compliance-early.csv', `/export/compliance?${early}&since=${published.seq}&period=day&format=csv`);
    const honestEarly = await verify(before, '--head', published.hash);
    expect(honestEarly.status, honestEarly.stdout).toBe(3);
    const v2 = (l: string) => isLine(l, 'visit-greet-30s', 2);
    const earlyLines = readFileSync(before, 'utf8').split('\r\n');
    expect(earlyLines.some(v2)).toBe(true);
    await caught(before, earlyLines.filter((l) => !v2(l)).join('\r\n'), /standard version visit-greet-30s@2 \(between versions 1 and 3\) has no # standard line/);
  });

  it('--head on a file no chain proof ties to its head: not proven without the signature (compliance without since=, events with proof=none, the report)', async () => {
    const keyFile = join(server().dataDir, 'public-key.json');
    writeFileSync(keyFile, JSON.stringify((await server().getJson('/api/v1/audit/public-key')).body));
    const files = [
      await saved('compliance-nosince.csv', `/export/compliance?${asOf()}&period=day&format=csv`),
      await saved('events-noproof.csv', `/export/events?${asOf()}&proof=none&format=csv`),
      await saved('report-asof.html', `/export/report?${asOf()}&period=day`),
    ];
    for (const file of files) {
      const bare = await verify(file, '--head', published.hash);
      expect(bare.status, bare.stdout).toBe(1);
      expect(bare.stdout).toMatch(/--head not proven: the published head is the manifest's chainHead, but nothing binds that field to the file/);
      const signed = await verify(file, '--head', published.hash, '--public-key', keyFile);
      expect(signed.status, signed.stdout).toBe(0);
      expect(signed.stdout).toMatch(/chain head equals the published head/);
    }
    // Without --head or the key a report passes every check, but nothing proves it: NOT PROVEN, exit 3, saying why.
    const report = await verify(files[2]!);
    expect(report.status, report.stdout).toBe(3);
    expect(report.stdout).toMatch(/^NOT PROVEN: .*report-asof\.html \(report, html, document SHA-256 [0-9a-f]{64}; no --public-key\)\n/);
    expect(report.stdout).toContain('without --public-key nothing in it is proven');
  });

  it("an event's rows deleted and the manifest's proof removed, its links kept: the proof is still checked", async () => {
    const forged = edited(eventsText, (p, at) => {
      p.rows = p.rows.filter((r) => r[at('event_id')] !== 'c4');
      p.trailer = p.trailer.map((l) => (l.startsWith('# manifest ') ? `# manifest ${JSON.stringify({ ...JSON.parse(l.slice(11)), proof: null, completeness: undefined })}` : l));
    });
    await caught(events, forged, /the file carries chain proof links \(the last is link \d+\), but its manifest names no proof/);
  });

  it('columns a check needs, removed with their names: named, not skipped', async () => {
    // Events: the correction columns gone and a voided row shown as met; the corrected view can no longer be recomputed.
    const noCorrections = dropColumns(eventsText, CORRECTION_COLUMN_NAMES);
    const flipped = edited(noCorrections, (p, at) => {
      const row = p.rows.find((r) => r[at('result')] === 'voided')!;
      row[at('result')] = 'met';
    });
    await caught(events, flipped, /the rows have no column correction_seq, .*: the corrected view \(result, corrected_met, corrected_counted\) cannot be recomputed/);
    // Compliance: the ratio column gone (a met_target no longer checked against it).
    const compliance = await saved('compliance-cols.csv', `/export/compliance?${asOf()}&since=${published.seq}&period=day&format=csv`);
    await caught(compliance, dropColumns(readFileSync(compliance, 'utf8'), ['ratio']), /the rows have no column ratio: /);
  });

  it('a compliance row with a cell removed (an edit that shifted the columns): its cell count named, its values not read', async () => {
    const compliance = await saved('compliance-cells.csv', `/export/compliance?${asOf()}&since=${published.seq}&period=day&format=csv`);
    const out = await caught(compliance, edited(readFileSync(compliance, 'utf8'), (p, at) => p.rows[0]!.splice(at('numerator'), 1)), /^ {2}data row 1 \(line 3\) has 15 cells, but the columns row has 16: a cell was removed \(an edit that shifted the columns\), so its values are read under the wrong columns and were not checked$/m);
    // Read under the wrong columns, its cells would be named as its period, site and standard, and its ratio as NaN.
    expect(out).not.toMatch(/^ {2}row 1 \(|NaN/m);
  });
});

// An export written by a release before the correction columns and `# standard` lines is what an attacker deleting
// them would write too; only the signature tells the two apart. Such an export is made here as that release wrote
// it (the columns and lines left out, its manifest without standardVersions) and signed with the server's own key.
describe('an export of an earlier release, signed by the server', () => {
  const asOf = () => `${Q}&asOf=${published.seq}`;
  let publicKey: string;
  const resigned = (text: string, edit: (m: Record<string, unknown>) => Record<string, unknown>) => {
    const { privateKey } = JSON.parse(readFileSync(join(server().dataDir, 'audit-signing.json'), 'utf8')) as { privateKey: string };
    return text.replace(/^# manifest (.*)$/m, (_line, json: string) => {
      const { signature: _old, ...m } = JSON.parse(json) as Record<string, unknown>;
      return `# manifest ${JSON.stringify(signManifest(edit(m), createPrivateKey(privateKey)))}`;
    });
  };
  const olderRelease = (text: string) =>
    dropColumns(text.replace(/^# (standard|correction) .*\r\n/gm, ''), CORRECTION_COLUMN_NAMES, ({ standardVersions: _none, ...m }) => m);
  beforeAll(async () => {
    const res = await fetch(`${server().url}/api/v1/audit/public-key`, { headers: adminHeaders(server().apiKey) });
    publicKey = join(server().dataDir, 'public-key.json');
    writeFileSync(publicKey, await res.text());
  });

  it('verifies with --public-key, naming each check it could not do; without the key it fails', async () => {
    const events = await saved('events-older.csv', `/export/events?${asOf()}&format=csv`);
    const older = resigned(olderRelease(readFileSync(events, 'utf8')), (m) => m);
    expect(older).not.toMatch(/^# (standard|correction) /m);
    const file = events.replace('.csv', '-release.csv');
    writeFileSync(file, older);
    const withKey = await verify(file, '--public-key', publicKey);
    expect(withKey.status, withKey.stdout).toBe(0);
    expect(withKey.stdout).toMatch(/^VERIFIED/);
    expect(withKey.stdout).toMatch(/the rows have no column correction_seq, .* cannot be recomputed, nor a correction hidden from the rows found; the signed manifest shows the server wrote the file without them \(an export from a release before these columns\), so that check was not done/);
    expect(withKey.stdout).toMatch(/standard version call-answer-2-rings@1 .*has no # standard line: .*; the signed manifest shows the server wrote the file without them \(an export from a release before these # standard lines\)/);
    const without = await verify(file);
    expect(without.status, without.stdout).toBe(1);
    expect(without.stdout).toMatch(/standard version call-answer-2-rings@1 .*has no # standard line: .*\(an export made before these existed verifies with --public-key\)/);
  });

  it('a signed manifest that names standardVersions still needs every # standard line, with the key', async () => {
    const events = await saved('events-signed.csv', `/export/events?${asOf()}&format=csv`);
    const text = readFileSync(events, 'utf8');
    const file = events.replace('.csv', '-nolines.csv');
    writeFileSync(file, text.replace(/^# standard .*\r\n/gm, ''));
    const r = await verify(file, '--public-key', publicKey);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/standard version visit-greet-30s@2 .*has no # standard line/);
  });
});

const CORRECTION_COLUMN_NAMES = ['correction', 'correction_seq', 'correction_changes', 'correction_rejudged', 'correction_reason', 'correction_key_id', 'correction_key_name', 'correction_at_ms', 'correction_link_seq', 'correction_link_prev', 'correction_link_hash', 'corrected_met', 'corrected_counted'];
