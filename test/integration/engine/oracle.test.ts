// Property: every figure GET /api/v1/compliance returns (through the real HTTP server) equals a
// brute-force oracle written here from the definitions in docs/standards.md, for random sites in random zones
// (DST days included), random standards (every formula variant, operators, short abandons, business
// hours, scopes) and random event streams. The oracle shares no code with the server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { useEngineServer } from './support';

// The server's time stands still at NOW for the whole run, so "today", "month" and the rolling windows are
// exact whenever and however slowly the test runs. NOW is after every DST base below, mid-month, and at least
// two and a half hours from a local midnight in every zone of ZONES (New York 02:37, Chatham 21:22) and in UTC.
const NOW = Date.parse('2026-11-18T07:37:23.456Z');

const server = useEngineServer({ clock: testClock(NOW) });

// ---------- the oracle's own calendar (sv-SE formats as "YYYY-MM-DD HH:MM:SS") ----------
const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Sao_Paulo'];
const svCache = new Map<string, Intl.DateTimeFormat>();
function local(ms: number, zone: string): { date: string; h: number; m: number; s: number; weekday: string; hm: string } {
  let f = svCache.get(zone);
  if (!f) svCache.set(zone, (f = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })));
  const text = f.format(new Date(ms)); // "2026-03-08 01:59:59"
  const [date, time] = text.split(' ') as [string, string];
  const [h, m, s] = time.split(':').map(Number) as [number, number, number];
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay(); // the local date's weekday
  return { date, h, m, s, weekday: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][weekday]!, hm: time };
}

// ---------- generated world ----------
interface SiteSpec { id: string; timeZone: string; ringCycleSeconds: number; hours: Record<string, string[]> | null; holidays: string[] }
interface StdSpec { id: string; eventType: 'call' | 'visit'; measure: string; operator: '<=' | '<' | '>=' | '>'; threshold: number; formula: string; shortAbandonSeconds?: number; countOutsideHours: boolean; sites: string[]; queues?: string[]; v2?: { fromMs: number; threshold: number; formula: string; retired: boolean; shortAbandonSeconds?: number | null } }
interface EventSpec { type: 'call' | 'visit'; site: string; occurredAt: string; outcome: string; rings?: number; answerSeconds?: number; greetSeconds?: number; queue?: string; agent?: string }

const DST_BASES = ['2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z', '2026-04-05T00:00:00Z', '2026-10-04T00:00:00Z', '2026-09-27T00:00:00Z'].map(Date.parse);
const QUARTER = 900_000;

const quarterText = (q: number) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
/** A day's opening intervals on quarter hours: one or two, never overlapping (the server refuses that), either order. */
const dayArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 2, maxLength: 4 }).filter((q) => q.length !== 3), fc.boolean())
  .map(([quarters, reversed]) => {
    const q = [...quarters].sort((a, b) => a - b);
    const intervals = [`${quarterText(q[0]!)}-${quarterText(q[1]!)}`, ...(q.length === 4 ? [`${quarterText(q[2]!)}-${quarterText(q[3]!)}`] : [])];
    return reversed ? intervals.reverse() : intervals;
  });
const hoursArb = fc.option(fc.dictionary(fc.constantFrom('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'), dayArb, { minKeys: 1, maxKeys: 7 }), { nil: null, freq: 2 });

const worldArb = fc
  .record({
    nSites: fc.integer({ min: 1, max: 3 }),
    zones: fc.array(fc.constantFrom(...ZONES), { minLength: 3, maxLength: 3 }),
    cycles: fc.array(fc.constantFrom(3, 5, 6), { minLength: 3, maxLength: 3 }),
    hours: fc.array(hoursArb, { minLength: 3, maxLength: 3 }),
    holiday: fc.boolean(),
    base: fc.oneof(fc.constantFrom(...DST_BASES), fc.constant(-1)), // -1: around now
    standards: fc.array(
      fc.record({
        eventType: fc.constantFrom<'call' | 'visit'>('call', 'visit'),
        callMeasure: fc.constantFrom('rings', 'answerSeconds'),
        operator: fc.constantFrom<StdSpec['operator']>('<=', '<', '>=', '>'),
        threshold: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(10, 12, 15, 30, 7.5)),
        formula: fc.constantFrom('F1', 'F2', 'F3', 'F4', 'F5'),
        shortAbandonSeconds: fc.option(fc.constantFrom(0, 3, 5, 6, 9.5), { nil: undefined }),
        countOutsideHours: fc.boolean(),
        siteMask: fc.integer({ min: 1, max: 7 }),
        queues: fc.option(fc.constant(['q1']), { nil: undefined }),
        // A second version (or a retirement) valid from a quarter hour near the base instant.
        change: fc.option(fc.record({ at: fc.integer({ min: -24 * 4, max: 24 * 4 }), threshold: fc.constantFrom(1, 2, 3, 20), formula: fc.constantFrom('F1', 'F2', 'F3', 'F4', 'F5'), retire: fc.boolean() }), { nil: undefined, freq: 2 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    events: fc.array(
      fc.record({
        type: fc.constantFrom<'call' | 'visit'>('call', 'visit'),
        site: fc.integer({ min: 0, max: 2 }),
        offset: fc.oneof(fc.integer({ min: -36 * 4, max: 36 * 4 }).map((q) => q * QUARTER), fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 })),
        good: fc.boolean(),
        style: fc.constantFrom('seconds', 'rings', 'both'),
        seconds: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 400 }).map((x) => x / 10)),
        rings: fc.integer({ min: 0, max: 7 }),
        queue: fc.constantFrom('q1', 'q2', undefined),
        agent: fc.constantFrom('a1', 'a2', undefined),
      }),
      { minLength: 30, maxLength: 100 },
    ),
    queries: fc.array(
      fc.record({
        standard: fc.integer({ min: 0, max: 2 }),
        range: fc.oneof(
          fc.tuple(fc.integer({ min: -40 * 4, max: -30 * 4 }), fc.integer({ min: 40 * 4, max: 80 * 4 })).map(([a, len]) => ({ kind: 'aligned' as const, a: a * QUARTER, len: len * QUARTER })),
          fc.tuple(fc.integer({ min: -40 * 3_600_000, max: -30 * 3_600_000 }), fc.integer({ min: 40 * 3_600_000, max: 80 * 3_600_000 })).map(([a, len]) => ({ kind: 'ms' as const, a, len })),
          fc.tuple(fc.integer({ min: -40 * 4, max: 36 * 4 }), fc.integer({ min: 1, max: 80 * 4 })).map(([a, len]) => ({ kind: 'aligned' as const, a: a * QUARTER, len: len * QUARTER })),
          fc.tuple(fc.integer({ min: -40 * 3_600_000, max: 36 * 3_600_000 }), fc.integer({ min: 1, max: 80 * 3_600_000 })).map(([a, len]) => ({ kind: 'ms' as const, a, len })),
          fc.constantFrom('15m', '1h', 'today', '7d', '30d', 'month').map((w) => ({ kind: 'window' as const, w })),
        ),
        site: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined, freq: 2 }),
        tz: fc.option(fc.constantFrom(...ZONES), { nil: undefined, freq: 2 }),
        bucket: fc.constantFrom(undefined, 'hour', 'day', 'minute'),
        groupBy: fc.constantFrom(undefined, 'site', 'queue', 'agent'),
      }),
      { minLength: 2, maxLength: 4 },
    ),
  });

let run = 0;

// ---------- the oracle ----------
function meets(v: number, op: StdSpec['operator'], t: number): boolean {
  return op === '<=' ? v <= t : op === '<' ? v < t : op === '>=' ? v >= t : v > t;
}

interface OEvent { ms: number; site: string; type: 'call' | 'visit'; ok: boolean; rings: number | null; answer: number | null; greet: number | null; queue: string | null; agent: string | null }

function complete(e: EventSpec, site: SiteSpec, ms: number): OEvent {
  let rings: number | null = null;
  let answer: number | null = null;
  if (e.type === 'call') {
    rings = e.rings ?? Math.floor(e.answerSeconds! / site.ringCycleSeconds) + 1;
    answer = e.answerSeconds ?? (e.rings === 0 ? 0 : (e.rings! - 1) * site.ringCycleSeconds);
  }
  return { ms, site: e.site, type: e.type, ok: e.outcome === 'answered' || e.outcome === 'greeted', rings, answer, greet: e.greetSeconds ?? null, queue: e.queue ?? null, agent: e.agent ?? null };
}

function open(site: SiteSpec, ms: number): boolean {
  if (!site.hours && site.holidays.length === 0) return true;
  const l = local(ms, site.timeZone);
  if (site.holidays.includes(l.date)) return false;
  if (!site.hours) return true;
  return (site.hours[l.weekday] ?? []).some((iv) => {
    const [a, b] = iv.split('-') as [string, string];
    return l.hm >= `${a}:00` && l.hm < `${b === '24:00' ? '24:00' : b}:00`;
  });
}

interface Verdict { counted: boolean; met: boolean; considered: boolean }
/** The version in force when the event happened (by occurredAt), or null when retired then. */
function versionAt(s: StdSpec, ms: number): (StdSpec & { version: number }) | null {
  if (!s.v2 || ms < s.v2.fromMs) return { ...s, version: 1 };
  if (s.v2.retired) return null;
  const { shortAbandonSeconds: _v1, ...rest } = s;
  return { ...rest, threshold: s.v2.threshold, formula: s.v2.formula, ...(s.v2.shortAbandonSeconds != null ? { shortAbandonSeconds: s.v2.shortAbandonSeconds } : {}), version: 2 };
}

function verdict(e: OEvent, std: StdSpec, site: SiteSpec): (Verdict & { version: number }) | null {
  const s = versionAt(std, e.ms);
  if (!s) return null;
  const v = judge(e, s, site);
  return v && { ...v, version: s.version };
}

function judge(e: OEvent, s: StdSpec, site: SiteSpec): Verdict | null {
  if (e.type !== s.eventType || !s.sites.includes(e.site)) return null;
  if (s.queues && (e.queue === null || !s.queues.includes(e.queue))) return null;
  if (!open(site, e.ms) && !s.countOutsideHours) return { counted: false, met: false, considered: false };
  const value = (e as any)[s.measure === 'rings' ? 'rings' : s.measure === 'answerSeconds' ? 'answer' : 'greet'] as number;
  const inT = meets(value, s.operator, s.threshold);
  const S = s.shortAbandonSeconds ?? (s.formula === 'F5' ? 5 : null);
  const waited = e.type === 'call' ? e.answer! : e.greet!;
  if (e.ok) return { counted: true, met: inT, considered: true };
  if (S !== null && waited <= S) return { counted: false, met: false, considered: true };
  if (s.formula === 'F1') return { counted: true, met: inT, considered: true };
  if (s.formula === 'F2') return { counted: false, met: false, considered: true };
  if (s.formula === 'F4') return { counted: !inT, met: false, considered: true };
  return { counted: true, met: false, considered: true }; // F3, F5
}

function companions(rows: Array<{ e: OEvent; v: Verdict }>, s: StdSpec) {
  const considered = rows.filter((r) => r.v.considered);
  const abandoned = considered.filter((r) => !r.e.ok).length;
  const key = s.measure === 'rings' ? 'rings' : s.measure === 'answerSeconds' ? 'answer' : 'greet';
  const values = considered.filter((r) => r.e.ok).map((r) => (r.e as any)[key] as number).sort((a, b) => a - b);
  const waits = considered.map((r) => (r.e.type === 'call' ? r.e.answer! : r.e.greet!));
  return {
    considered: considered.length,
    abandoned,
    abandonRate: considered.length ? abandoned / considered.length : null,
    average: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    p90: values.length ? values[Math.ceil(values.length * 0.9) - 1]! : null,
    longestWaitSeconds: waits.length ? Math.max(...waits) : null,
  };
}

function expectCompanions(actual: any, expected: ReturnType<typeof companions>) {
  expect(actual.considered).toBe(expected.considered);
  expect(actual.abandoned).toBe(expected.abandoned);
  for (const k of ['abandonRate', 'average', 'p90', 'longestWaitSeconds'] as const) {
    if (expected[k] === null) expect(actual[k]).toBeNull();
    else expect(actual[k]).toBeCloseTo(expected[k], 9);
  }
}

const sum = (rows: Array<{ v: Verdict }>) => ({ num: rows.filter((r) => r.v.met).length, den: rows.filter((r) => r.v.counted).length });

describe('compliance figures equal a brute-force oracle', () => {
  it('for random sites, zones, DST days, standards, events, windows, buckets and breakdowns', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        run += 1;
        const base = w.base === -1 ? NOW - 37 * 3_600_000 : w.base;
        const sites: SiteSpec[] = Array.from({ length: w.nSites }, (_, i) => ({
          id: `p${run}-s${i}`,
          timeZone: w.zones[i]!,
          ringCycleSeconds: w.cycles[i]!,
          hours: w.hours[i] ?? null,
          holidays: w.holiday && i === 0 ? [local(base, w.zones[i]!).date] : [],
        }));
        for (const s of sites) {
          const res = await server().send('POST', '/api/v1/sites', { id: s.id, timeZone: s.timeZone, ringCycleSeconds: s.ringCycleSeconds, hours: s.hours, holidays: s.holidays });
          expect(res.status).toBe(201);
        }
        const standards: StdSpec[] = w.standards.map((g, i) => ({
          id: `p${run}-k${i}`,
          eventType: g.eventType,
          measure: g.eventType === 'call' ? g.callMeasure : 'greetSeconds',
          operator: g.operator,
          threshold: g.threshold,
          formula: g.formula,
          ...(g.shortAbandonSeconds !== undefined ? { shortAbandonSeconds: g.shortAbandonSeconds } : {}),
          countOutsideHours: g.countOutsideHours,
          sites: sites.filter((_, j) => g.siteMask & (1 << j)).map((s) => s.id).concat(sites.length && !sites.some((_, j) => g.siteMask & (1 << j)) ? [sites[0]!.id] : []),
          ...(g.queues && g.eventType === 'call' ? { queues: [...g.queues] } : {}),
          ...(g.change ? { v2: { fromMs: base + g.change.at * QUARTER, threshold: g.change.threshold === g.threshold ? g.threshold + 0.5 : g.change.threshold, formula: g.change.formula, retired: g.change.retire } } : {}),
        }));
        for (const s of standards) {
          const res = await server().send('POST', '/api/v1/standards', {
            id: s.id, name: s.id, eventType: s.eventType, measure: s.measure, operator: s.operator, threshold: s.threshold, target: 0.9, formula: s.formula,
            ...(s.shortAbandonSeconds !== undefined ? { shortAbandonSeconds: s.shortAbandonSeconds } : {}),
            countOutsideHours: s.countOutsideHours, scope: { sites: s.sites, ...(s.queues ? { queues: s.queues } : {}) },
          });
          expect(res.status).toBe(201);
          if (s.v2) {
            // The PUT below copies the created standard, so version 2 keeps the short-abandon limit the server
            // reports for version 1 (an F5 without one reports its default, 5 s), even when its formula changes.
            s.v2.shortAbandonSeconds = res.body.shortAbandonSeconds;
            const validFrom = new Date(s.v2.fromMs).toISOString();
            const changed = s.v2.retired
              ? await server().send('DELETE', `/api/v1/standards/${s.id}?validFrom=${encodeURIComponent(validFrom)}`)
              : await server().send('PUT', `/api/v1/standards/${s.id}`, { ...res.body, version: undefined, validTo: undefined, createdAt: undefined, retired: undefined, threshold: s.v2.threshold, formula: s.v2.formula, validFrom });
            expect(changed.status, JSON.stringify(changed.body)).toBe(200);
            expect(changed.body).toMatchObject({ version: 2, validFrom, retired: s.v2.retired });
          }
        }
        const specs: EventSpec[] = [];
        const oevents: OEvent[] = [];
        for (const g of w.events) {
          const site = sites[g.site % sites.length]!;
          let ms = base + g.offset;
          if (ms > NOW - 1000) ms = NOW - 1000 - (Math.abs(g.offset) % 3_600_000); // never in the future
          const e: EventSpec =
            g.type === 'call'
              ? { type: 'call', site: site.id, occurredAt: new Date(ms).toISOString(), outcome: g.good ? 'answered' : 'abandoned', ...(g.style !== 'rings' ? { answerSeconds: g.seconds } : {}), ...(g.style !== 'seconds' ? { rings: g.rings } : {}), ...(g.queue ? { queue: g.queue } : {}), ...(g.agent ? { agent: g.agent } : {}) }
              : { type: 'visit', site: site.id, occurredAt: new Date(ms).toISOString(), outcome: g.good ? 'greeted' : 'left', greetSeconds: g.seconds, ...(g.agent ? { agent: g.agent } : {}) };
          specs.push(e);
          oevents.push(complete(e, site, ms));
        }
        if (specs.length > 0) expect((await server().postEvents({ events: specs })).status).toBe(201);

        for (const q of w.queries) {
          const std = standards[q.standard % standards.length]!;
          const site = q.site !== undefined ? sites[q.site % sites.length] : undefined;
          const bucket = q.range.kind === 'window' && (q.range.w === '30d' || q.range.w === '7d' || q.range.w === 'month') && q.bucket === 'minute' ? 'hour' : q.bucket;
          const tz = bucket === 'hour' && q.tz === 'Australia/Lord_Howe' ? 'UTC' : q.tz;
          const params = new URLSearchParams({ standard: std.id });
          if (q.range.kind === 'window') params.set('window', q.range.w);
          else {
            const len = bucket === 'minute' ? Math.min(q.range.len, 6 * 3_600_000) : q.range.len;
            params.set('from', new Date(base + q.range.a).toISOString());
            params.set('to', new Date(base + q.range.a + len).toISOString());
          }
          if (site) params.set('site', site.id);
          if (tz) params.set('tz', tz);
          if (bucket) params.set('bucket', bucket);
          if (q.groupBy) params.set('groupBy', q.groupBy);
          // Hour buckets in a site's own Lord Howe zone are checked by the unit tests instead.
          if (bucket === 'hour' && !tz && site?.timeZone === 'Australia/Lord_Howe') params.set('tz', 'UTC');
          const res = await server().getJson(`/api/v1/compliance?${params}`);
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          const report = res.body;
          const fromMs = Date.parse(report.from);
          const toMs = Date.parse(report.to);
          const zone = params.get('tz') ?? site?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
          expect(report.timeZone).toBe(zone);
          if (q.range.kind === 'window') {
            const span: Record<string, number> = { '15m': 900_000, '1h': 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
            if (span[q.range.w]) {
              expect(toMs - fromMs).toBe(span[q.range.w]);
              expect(toMs).toBe(NOW);
            } else {
              const unit = q.range.w === 'today' ? (d: string) => d : (d: string) => d.slice(0, 7);
              const nowKey = unit(local(NOW, zone).date);
              expect(unit(local(fromMs, zone).date)).toBe(nowKey);
              expect(unit(local(fromMs - 1, zone).date)).not.toBe(nowKey);
              expect(unit(local(toMs, zone).date)).not.toBe(nowKey);
              expect(unit(local(toMs - 1, zone).date)).toBe(nowKey);
            }
          } else {
            expect(fromMs).toBe(Date.parse(params.get('from')!));
          }

          const rows = oevents
            .filter((e) => e.ms >= fromMs && e.ms < toMs && (!site || e.site === site.id))
            .map((e) => ({ e, v: verdict(e, std, sites.find((s) => s.id === e.site)!) }))
            .filter((r): r is { e: OEvent; v: Verdict & { version: number } } => r.v !== null);
          const fig = report.standards[0];
          const want = sum(rows);
          expect([fig.numerator, fig.denominator, fig.met, fig.total, fig.missed]).toEqual([want.num, want.den, want.num, want.den, want.den - want.num]);
          expect(fig.ratio).toBe(want.den ? want.num / want.den : null);
          expect(fig.formula).toBe(std.v2 && !std.v2.retired ? std.v2.formula : std.formula);
          const byVersion = [1, 2].map((version) => ({ version, rows: rows.filter((r) => r.v.version === version) })).filter((x) => x.rows.length > 0);
          expect(fig.versions).toEqual(byVersion.map((x) => expect.objectContaining({ version: x.version, formula: x.version === 1 ? std.formula : std.v2!.formula, numerator: sum(x.rows).num, denominator: sum(x.rows).den })));
          expectCompanions(fig.companions, companions(rows, std));

          if (bucket) {
            const series: Array<{ start: string; end: string; total: number; met: number }> = fig.series;
            expect(series.length).toBeGreaterThan(0);
            const starts = series.map((p) => Date.parse(p.start));
            for (let i = 1; i < starts.length; i++) expect(Date.parse(series[i - 1]!.end)).toBe(starts[i]);
            expect(starts[0]!).toBeLessThanOrEqual(fromMs);
            expect(Date.parse(series.at(-1)!.end)).toBeGreaterThanOrEqual(toMs);
            // Oracle bucket of each event.
            const bucketOf = (ms: number): number => {
              if (bucket === 'minute') return Math.floor(ms / 60_000) * 60_000;
              const l = local(ms, zone);
              if (bucket === 'hour') return ms - (l.m * 60_000 + l.s * 1000 + (((ms % 1000) + 1000) % 1000));
              // day: the series point whose local date is the event's; it must start exactly at that date's first instant
              const p = series.find((pt) => local(Date.parse(pt.start), zone).date === l.date);
              return p ? Date.parse(p.start) : NaN;
            };
            if (bucket === 'day') {
              for (const p of series) {
                const s = Date.parse(p.start);
                expect(local(s - 1, zone).date).not.toBe(local(s, zone).date);
                expect(local(Date.parse(p.end) - 1, zone).date).toBe(local(s, zone).date);
              }
            }
            const expected = new Map<number, { num: number; den: number }>();
            for (const r of rows) {
              const b = bucketOf(r.e.ms);
              const x = expected.get(b) ?? { num: 0, den: 0 };
              if (r.v.counted) x.den += 1;
              if (r.v.met) x.num += 1;
              expected.set(b, x);
            }
            const actual = new Map(series.filter((p) => p.total > 0 || p.met > 0).map((p) => [Date.parse(p.start), { num: p.met, den: p.total }]));
            const nonEmpty = new Map([...expected].filter(([, x]) => x.den > 0 || x.num > 0));
            expect(Object.fromEntries([...actual].map(([k, v]) => [new Date(k).toISOString(), v]))).toEqual(Object.fromEntries([...nonEmpty].map(([k, v]) => [new Date(k).toISOString(), v])));
          }
          if (q.groupBy) {
            const keyOf = (e: OEvent) => (q.groupBy === 'site' ? e.site : q.groupBy === 'queue' ? e.queue : e.agent);
            const keys = [...new Set(rows.map((r) => keyOf(r.e)))].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
            expect(fig.groups.map((g: any) => g.key)).toEqual(keys);
            for (const g of fig.groups) {
              const mine = rows.filter((r) => keyOf(r.e) === g.key);
              const x = sum(mine);
              expect([g.numerator, g.denominator]).toEqual([x.num, x.den]);
              expectCompanions(g.companions, companions(mine, std));
            }
          }
        }
      }),
      { numRuns: Number(process.env.ORACLE_RUNS ?? 60), endOnFailure: true, ...(process.env.ORACLE_SEED ? { seed: Number(process.env.ORACLE_SEED) } : {}) },
    );
  }, 120_000);
});
