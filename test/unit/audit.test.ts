// The audit trail's pure parts: CSV cell typing and the formula-injection guard (reversible), csv-parse round trip of
// hostile text, period bounds (weeks on Monday, DST days, months in a zone), chain link arithmetic, export query
// parsing, and the dashboard button's URL.
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/src/domain/canonical';
import { CHAIN_KIND, digestOf, GENESIS_HASH, linkHash, recordOf, sha256 } from '../../server/src/domain/chain';
import { csvCell, csvRecords, neutralise } from '../../server/src/services/exports/encoders';
import { periodBounds } from '../../server/src/services/exports/bodies';
import { parseExportQuery } from '../../server/src/http/routes/exports';
import { exportUrl } from '../../webview/src/views/exportButton';
import { exportPath, rangeOf } from '../../extension/src/exportRequest';

const unneutralise = (cell: string) => (cell.startsWith("'") ? cell.slice(1) : cell);

describe('CSV cells', () => {
  it('neutralises text starting with = + - @ tab CR or an apostrophe, nothing else', () => {
    expect(['=1+1', '+44 20', '-5 branch', '@SUM(A1)', '\tx', '\rx', "'quoted"].map(neutralise)).toEqual(["'=1+1", "'+44 20", "'-5 branch", "'@SUM(A1)", "'\tx", "'\rx", "''quoted"]);
    expect(['downtown', 'a=b', ' =x', '5-3', '', '#1'].map(neutralise)).toEqual(['downtown', 'a=b', ' =x', '5-3', '', '#1']);
  });

  it('types cells: numbers (negative too) are never escaped, null is empty, text is', () => {
    expect(csvCell(-5, 'number')).toBe('-5');
    expect(csvCell(-0.25, 'integer')).toBe('-0.25');
    expect(csvCell(null, 'text')).toBe('');
    expect(csvCell(true, 'boolean')).toBe('true');
    expect(csvCell('-5', 'text')).toBe("'-5");
  });

  it('any text survives csv-stringify → csv-parse → un-neutralise (RFC 4180, CRLF)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { minLength: 1, maxLength: 5 }), (cells) => {
        const text = csvRecords([cells.map((c) => csvCell(c, 'text'))]);
        expect(text.endsWith('\r\n')).toBe(true);
        const [row] = parse(text, { relax_column_count: true });
        expect(row!.map(unneutralise)).toEqual(cells);
      }),
      { numRuns: 300 },
    );
    const odd = ['quote "q", comma', 'line\nbreak\r\nmore', 'emoji 🛎️ desk', 'فرع الرياض', '=HYPERLINK("x")'];
    const [row] = parse(csvRecords([odd.map((c) => csvCell(c, 'text'))]));
    expect(row!.map(unneutralise)).toEqual(odd);
  });
});

describe('period bounds', () => {
  it('weeks start on Monday in the zone; a DST week is 167 hours', () => {
    const weeks = periodBounds(Date.parse('2026-03-25T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z'), 'Europe/Berlin', 'week');
    expect(weeks.map((w) => w.label)).toEqual(['week of 2026-03-23', 'week of 2026-03-30']);
    expect(new Date(weeks[0]!.start).toISOString()).toBe('2026-03-22T23:00:00.000Z');
    expect((weeks[0]!.end - weeks[0]!.start) / 3_600_000).toBe(167); // clocks go forward on 29 March
  });

  it('months and days follow the zone', () => {
    const months = periodBounds(Date.parse('2026-01-15T00:00:00Z'), Date.parse('2026-03-02T00:00:00Z'), 'America/New_York', 'month');
    expect(months.map((m) => [m.label, new Date(m.start).toISOString()])).toEqual([
      ['2026-01', '2026-01-01T05:00:00.000Z'],
      ['2026-02', '2026-02-01T05:00:00.000Z'],
      ['2026-03', '2026-03-01T05:00:00.000Z'],
    ]);
    const days = periodBounds(Date.parse('2026-10-25T00:00:00Z'), Date.parse('2026-10-26T00:00:00Z'), 'Europe/London', 'day');
    expect(days.map((d) => (d.end - d.start) / 3_600_000)).toEqual([25]); // 25 Oct 2026: clocks go back
  });
});

describe('chain arithmetic', () => {
  it('digest and link follow the documented definitions', () => {
    const def = CHAIN_KIND.audit;
    const record = recordOf(def, [7, 'key-1', 'export.events', null, '{"a":1}', 1000]);
    expect(record).toEqual({ seq: 7, keyId: 'key-1', action: 'export.events', target: null, details: '{"a":1}', atMs: 1000 });
    const digest = digestOf(record);
    expect(digest).toBe(sha256('{"action":"export.events","atMs":1000,"details":"{\\"a\\":1}","keyId":"key-1","seq":7,"target":null}'));
    expect(linkHash(GENESIS_HASH, 'audit', '7', digest)).toBe(sha256(GENESIS_HASH + canonicalJson({ digest, kind: 'audit', ref: '7' })));
  });
});

describe('export query', () => {
  const sites = ['x', 'y', 'z', 'a', 'North, Annex'];
  const ctx = { kind: 'compliance' as const, formats: ['csv', 'ndjson', 'json'], standardIds: ['a'], knownSite: (id: string) => (sites.includes(id) ? id : undefined), serverZone: 'UTC', nowMs: Date.parse('2026-05-01T00:00:00Z') };
  it('defaults to the last 30 days as CSV; Accept picks a format; repeated and comma lists', () => {
    const q = parseExportQuery({ site: 'x, y,z' }, { ...ctx, accept: 'application/x-ndjson' });
    expect(q).toMatchObject({ ok: true, query: { format: 'ndjson', sites: ['x', 'y', 'z'], fromMs: Date.parse('2026-04-01T00:00:00Z') } });
    expect(parseExportQuery({ site: ['z', 'x', 'z'] }, ctx)).toMatchObject({ ok: true, query: { sites: ['z', 'x'] } });
    expect(parseExportQuery({}, ctx)).toMatchObject({ ok: true, query: { format: 'csv', period: 'day', proof: 'chain' } });
  });
  it('takes a site whose stored id holds a comma whole; refuses a site that is not stored rather than sign an empty file', () => {
    expect(parseExportQuery({ site: 'North, Annex' }, ctx)).toMatchObject({ ok: true, query: { sites: ['North, Annex'] } });
    expect(parseExportQuery({ site: ['North, Annex', 'x'] }, ctx)).toMatchObject({ ok: true, query: { sites: ['North, Annex', 'x'] } });
    // Repeated values are each one id: a comma inside one is part of it.
    expect(parseExportQuery({ site: ['x,y', 'z'] }, ctx)).toMatchObject({ ok: false, errors: [{ path: 'site', message: 'unknown site "x,y": no site of that name is configured or has events' }] });
    expect(parseExportQuery({ site: 'North,Annex' }, ctx)).toMatchObject({
      ok: false,
      errors: [
        { path: 'site', message: 'unknown site "North": no site of that name is configured or has events' },
        { path: 'site', message: 'unknown site "Annex": no site of that name is configured or has events' },
      ],
    });
    expect(parseExportQuery({ site: 'x,,y' }, ctx)).toMatchObject({ ok: false, errors: [{ path: 'site', message: 'must not contain empty values' }] });
  });
  it('refuses a parameter the export does not take, naming the exports that do', () => {
    const events = parseExportQuery({ period: 'week', tz: 'UTC', since: '3' }, { ...ctx, kind: 'events' });
    expect(events.ok).toBe(false);
    if (!events.ok)
      expect(events.errors).toEqual([
        { path: 'period', message: 'does not apply to the events export (taken by: compliance, report)' },
        { path: 'since', message: 'does not apply to the events export (taken by: milestones, compliance, incidents, alerts, audit-log)' },
      ]);
    const incidents = parseExportQuery({ outcome: 'met' }, { ...ctx, kind: 'incidents' });
    expect(incidents).toMatchObject({ ok: false, errors: [{ path: 'outcome', message: 'does not apply to the incidents export (taken by: events)' }] });
    expect(parseExportQuery({ site: 'a' }, { ...ctx, kind: 'audit-log' })).toMatchObject({ ok: false, errors: [{ path: 'site', message: expect.stringContaining('does not apply to the audit-log export') }] });
    expect(parseExportQuery({ period: 'month', tz: 'UTC', site: 'a' }, { ...ctx, kind: 'report', formats: ['html'] })).toMatchObject({ ok: true });
  });
  it('names every bad parameter', () => {
    const q = parseExportQuery({ from: 'yesterday', tz: 'Mars/Base', period: 'year', standard: 'b', proof: 'x', colour: 'red' }, ctx);
    expect(q.ok).toBe(false);
    if (!q.ok) expect(q.errors.map((e) => e.path).sort()).toEqual(['colour', 'from', 'period', 'proof', 'standard', 'tz']);
  });
});

describe('dashboard export button', () => {
  it('builds the same export URLs as the API documents', () => {
    const url = new URL(exportUrl('http://h:1', { id: 'events-csv', label: 'Events with judgements (CSV)', path: 'events', format: 'csv', ext: 'csv' }, { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', zone: 'Europe/London' }, { site: 'a b', standard: null }));
    expect(url.pathname).toBe('/api/v1/export/events');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', tz: 'Europe/London', format: 'csv', site: 'a b' });
    // A site id stored with a comma (before the rule) is one parameter value, which the server takes whole.
    const annex = new URL(exportUrl('http://h:1', { id: 'report', label: 'Audit report (HTML)', path: 'report', format: 'html', ext: 'html' }, { from: 'F', to: 'T', zone: 'UTC' }, { site: 'North, Annex', standard: null }));
    expect(annex.searchParams.getAll('site')).toEqual(['North, Annex']);
  });
});

describe('VS Code export command request', () => {
  it('maps the picks to the export URL and calendar ranges', () => {
    const path = exportPath({ kind: 'compliance', format: 'csv', from: 'F', to: 'T', tz: 'Europe/Berlin', period: 'month', sites: ['a', 'b'], standards: ['s'] });
    expect(path).toBe('/api/v1/export/compliance?from=F&to=T&tz=Europe%2FBerlin&format=csv&period=month&site=a&site=b&standard=s');
    expect(exportPath({ kind: 'report', format: 'html', from: 'F', to: 'T', tz: 'UTC', sites: [], standards: [] })).toBe('/api/v1/export/report?from=F&to=T&tz=UTC');
    const now = new Date(2026, 2, 15, 12);
    expect(rangeOf('last-month', now)).toEqual({ from: new Date(2026, 1, 1).toISOString(), to: new Date(2026, 2, 1).toISOString() });
    expect(rangeOf('this-year', now)).toEqual({ from: new Date(2026, 0, 1).toISOString(), to: new Date(2027, 0, 1).toISOString() });
  });
});
