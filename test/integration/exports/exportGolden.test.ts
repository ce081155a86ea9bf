// Making exports faster must not change one byte of an event export: the manifest's SHA-256, the row order
// and the offline verification depend on it. Random events (odd and formula-like text, queues and agents,
// several standards per event, a standard changed midway, events out of time order), voids, amendments
// (some twice, some then voided) and audit-log links between them; every format × filter combination is
// exported by the frozen pre-#7 implementation (support/legacyEventsExport.ts) and by the current one, from
// the same data (nothing writes meanwhile), and compared byte for byte.
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsExport } from '../../../server/src/services/exports/events';
import { pacer, streamExport, type ExportFormat } from '../../../server/src/services/exports/format';
import type { ExportQuery } from '../../../server/src/services/exports/query';
import { ComplianceReader } from '../../../server/src/services/compliance';
import { openRawDatabase } from '../../../server/src/store/sqlite/database';
import { storeBackend } from '../../../server/src/storeBackend';
import { legacyEventsExport, legacyStreamExport } from '../support/legacyEventsExport';
import { adminHeaders, call, useTestServer, visit } from '../support/testServer';
import { wholeStandard } from '../support/standards';

const server = useTestServer({ logLevel: 'error' });
const FROM = Date.parse('2026-03-01T00:00:00Z');
const TO = Date.parse('2026-03-08T00:00:00Z');
const TEXTS = ['plain', '=SUM(A1)', '+44 20', '-5', '@home', "'quoted", 'a,b', 'say "hi"', ' lead', 'trail ', 'line\nbreak', 'cr\r\nlf', 'tab\tin', '\ttab', 'emoji 🛎️', 'فرع', '\u00a0nbsp', ''];

/** Deterministic pseudo-random numbers (the test must be reproducible). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const post = (path: string, body: unknown) =>
  fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  const rnd = random(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const created = await post('/standards', { id: 'call-answer-20s', name: 'Calls answered within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.9 });
  expect(created.status, await created.text()).toBe(201);
  const sites = ['downtown', 'airport', '=HYPERLINK("x")', 'quote "q"; semicolon', 'line\nbreak', ' spaced ', '-5 branch'];
  let n = 0;
  for (let batch = 0; batch < 12; batch += 1) {
    const events = Array.from({ length: 40 }, () => {
      n += 1;
      // Some outside the range (before and after), and out of time order relative to their seq.
      const days = batch < 6 ? 4 : 9; // the standard changes from day 4 on (below): earlier batches stay before it
      const at = new Date(FROM - 86_400_000 + Math.floor(rnd() * days * 86_400_000)).toISOString();
      const extra: Record<string, unknown> = {};
      if (rnd() < 0.5) extra.queue = pick(TEXTS) || 'q';
      if (rnd() < 0.5) extra.agent = pick(TEXTS) || 'a';
      if (rnd() < 0.3) extra.handleSeconds = Math.round(rnd() * 60000) / 100;
      if (rnd() < 0.5) {
        const outcome = pick(['answered', 'answered', 'abandoned']);
        const timing = rnd() < 0.5 ? { rings: Math.floor(rnd() * 5) } : { rings: undefined, answerSeconds: Math.round(rnd() * 4000) / 100 };
        return call({ id: `e${n}`, site: pick(sites), occurredAt: at, outcome, ...timing, ...extra });
      }
      delete extra.queue; // visits have no queue
      return visit({ id: `e${n}`, site: pick(sites), occurredAt: at, outcome: pick(['greeted', 'greeted', 'left']), greetSeconds: Math.round(rnd() * 6000) / 100, ...extra });
    });
    const posted = await server().postEvents({ events });
    expect(posted.status, JSON.stringify(posted.body).slice(0, 600)).toBe(201);
    if (batch === 5) {
      const put = await fetch(`${server().url}/api/v1/standards/visit-greet-30s`, {
        method: 'PUT',
        headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' },
        body: JSON.stringify(wholeStandard({ name: 'Visitors greeted within 25 seconds', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 25, target: 0.9, formula: 'F3', validFrom: '2026-03-04T00:00:00Z' })),
      });
      expect(put.status, await put.text()).toBe(200);
    }
  }
  // Corrections: voids, amendments, amended twice, amended then voided.
  for (let i = 1; i <= n; i += 1) {
    const r = rnd();
    if (r < 0.06) expect((await post(`/events/e${i}/void`, { reason: 'test' })).status).toBe(201);
    else if (r < 0.14) {
      const changes = i % 2 ? { outcome: 'answered' } : { rings: 2 };
      await post(`/events/e${i}/amend`, { reason: 'clock', changes });
      if (r < 0.1) await post(`/events/e${i}/amend`, { reason: 'again', changes: { outcome: 'abandoned' } });
      if (r < 0.08) await post(`/events/e${i}/void`, { reason: 'then void' });
    }
  }
}, 120_000);

/** Collects what an export writes, in small writes with backpressure, like a slow socket. */
function sink(): { out: Writable; text: () => Promise<string> } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 4096,
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      setImmediate(done);
    },
  });
  const finished = () => new Promise<void>((resolve) => out.end(resolve));
  return { out, text: async () => (await finished(), Buffer.concat(chunks).toString('utf8')) };
}

const query = (over: Partial<ExportQuery> = {}): ExportQuery => ({ fromMs: FROM, toMs: TO, sites: [], standards: [], outcomes: [], format: 'csv', timeZone: 'UTC', period: 'day', proof: 'chain', since: null, asOf: null, ...over });

const CASES: Array<[string, Partial<ExportQuery>]> = [
  ['everything', {}],
  ['all time', { fromMs: 0, toMs: Date.parse('2030-01-01T00:00:00Z') }],
  ['two sites', { sites: ['airport', 'quote "q"; semicolon'] }],
  ['one standard', { standards: ['call-answer-20s'] }],
  ['two standards, a site', { standards: ['visit-greet-30s', 'call-answer-2-rings'], sites: ['downtown'] }],
  ['outcomes', { outcomes: ['voided', 'abandoned', 'not-counted'] }],
  ['met only, no proof', { outcomes: ['met'], proof: 'none' }],
  ['empty range', { fromMs: Date.parse('2020-01-01T00:00:00Z'), toMs: Date.parse('2020-01-02T00:00:00Z') }],
  ['a day', { fromMs: Date.parse('2026-03-03T00:00:00Z'), toMs: Date.parse('2026-03-04T00:00:00Z') }],
];

/**
 * The export as the pre-#7 implementation would write it: without what completeness added since (proof links' `tags`,
 * the manifest's `completeness`), which the legacy code does not know. Everything else stays byte for byte.
 */
function withoutCompleteness(text: string): string {
  const string = '"(?:[^"\\\\]|\\\\.)*"';
  return text.replace(new RegExp(`,"tags":\\{(?:[^{}"]|${string})*\\}`, 'g'), '').replace(/,"completeness":\{[^{}]*\}/g, '');
}

describe('event export output is unchanged (golden comparison with the pre-#7 implementation)', () => {
  for (const format of ['csv', 'ndjson', 'json'] as ExportFormat[]) {
    for (const [name, over] of CASES) {
      it(`${format}: ${name}`, async () => {
        const reader = openRawDatabase(server().dataDir);
        const store = await storeBackend.openReadOnly(server().dataDir);
        try {
          reader.exec('BEGIN');
          const q = query({ ...over, format });
          const nowMs = Date.parse('2026-03-09T00:00:00Z');
          const old = sink();
          const before = await legacyStreamExport(old.out, format, legacyEventsExport(q, { reader, serverVersion: 'test', nowMs, format }));
          const now = sink();
          const after = await store.snapshot(async (snapshot) => {
            const compliance = new ComplianceReader(snapshot, { current: () => [], get: () => undefined, versions: () => [] });
            return streamExport(now.out, format, await eventsExport(q, { snapshot, head: await snapshot.audit.head(), asOf: null, compliance, storedStandards: () => snapshot.standards.all(), serverVersion: 'test', nowMs, format, pace: pacer() }));
          });
          expect(after).toEqual(before);
          const [a, b] = [await old.text(), withoutCompleteness(await now.text())];
          expect(b.length).toBe(a.length);
          expect(b === a).toBe(true);
          if (name === 'everything') expect(before.rowCount).toBeGreaterThan(300);
        } finally {
          reader.exec('COMMIT');
          reader.close();
          await store.close();
        }
      });
    }
  }

  it('the data covers the interesting cases', async () => {
    const reader = openRawDatabase(server().dataDir);
    try {
      const count = (sql: string) => (reader.prepare(sql).get() as { n: number }).n;
      expect(count("SELECT COUNT(*) AS n FROM audit_corrections WHERE action = 'void'")).toBeGreaterThan(5);
      expect(count("SELECT COUNT(*) AS n FROM audit_corrections WHERE action = 'amend'")).toBeGreaterThan(5);
      expect(count('SELECT COUNT(*) AS n FROM (SELECT event_seq FROM audit_corrections GROUP BY event_seq HAVING COUNT(*) > 1)')).toBeGreaterThan(2);
      expect(count('SELECT COUNT(*) AS n FROM (SELECT event_seq FROM judgements GROUP BY event_seq HAVING COUNT(*) > 1)')).toBeGreaterThan(20);
      expect(count('SELECT COUNT(DISTINCT standard_version) AS n FROM judgements')).toBe(2);
      expect(count("SELECT COUNT(*) AS n FROM audit_chain WHERE kind IN ('audit', 'standard', 'site')")).toBeGreaterThan(5);
    } finally {
      reader.close();
    }
  });
});
