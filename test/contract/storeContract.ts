// The store contract: what any backend of the store port (server/src/store/port.ts) must do, written once against
// the port and run by each backend (`describeStoreContract('sqlite', open)`, test/integration/store/). Writes,
// idempotency, transactions and isolation, standard versions, sites, corrections, rollups, raw reads, the chain,
// snapshots, incidents, keys and pruning. Records are made with the domain's own code, as the services make them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planCorrection, statesOf, type CorrectionInput } from '../../server/src/domain/corrections';
import { DomainError } from '../../server/src/domain/errors';
import { bucketStart, contribution, fold, zeroSums } from '../../server/src/domain/rollups';
import { checkpointHmac } from '../../server/src/domain/retention';
import { defaultSite } from '../../server/src/domain/sites';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';
import { verifyChain } from '../../server/src/domain/verify';
import type { EventInput } from '../../server/src/protocol';
import { prepareEvent } from '../../server/src/services/ingest/prepare';
import type { IncidentFilter, NewEvent, NewMilestone, Snapshot, Store, SumsRow, WriteTx } from '../../server/src/store/port';
import type { IncidentChangeDraft } from '../../server/src/domain/alerts/incidents';

/** Opens a fresh, empty store (its own data) at a fixed clock; the suite closes it. */
export type StoreFactory = (now: () => number) => Promise<Store>;

const T = Date.parse('2026-04-01T10:00:00Z');
const CALLS = DEFAULT_STANDARDS[0]!;
const SECRET = Buffer.alloc(32, 7);

const input = (id: string, over: Partial<Record<string, unknown>> = {}): EventInput =>
  ({ id, type: 'call', site: 'north', occurredAt: new Date(T - 60_000).toISOString(), outcome: 'answered', rings: 1, ...over });

/** The records ingest would store for these inputs (judged by the default standards, sites by their defaults). */
const prepared = (inputs: EventInput[]): NewEvent[] =>
  inputs.map((i) => prepareEvent(i, { standardsAt: () => DEFAULT_STANDARDS, site: defaultSite(i.site, 'UTC'), receivedAtMs: T }));

const seedStandards = (tx: WriteTx) => Promise.all(DEFAULT_STANDARDS.map((s) => tx.writes.standardVersion({ id: s.id, version: 1, definition: s, validFromMs: null, retired: false })));

const verify = (s: Snapshot) => s.chain.checkpoints().then((checkpoints) => verifyChain({ links: s.chain.links(), checkpoints, unchained: s.chain.unchained() }, SECRET));

async function correct(store: Store, id: string, c: CorrectionInput): Promise<number> {
  return store.write(async (tx) => {
    const subject = (await tx.events.correctionSubject(id))!;
    const { changes, after } = planCorrection(subject.event, statesOf(subject.recorded, subject.corrections).at(-1)!, c, { versions: () => [{ ...CALLS, validTo: null, createdAt: '', validFrom: null }], ringCycleSeconds: 6 });
    return tx.writes.correction(subject, { eventSeq: subject.event.seq, action: c.action, changes, rejudged: after.judgements, reason: c.reason, keyId: 'k', atMs: tx.nowMs }, after);
  });
}

/** Rollup rows of one grain added up per UTC hour, as the hour grain holds them (detail rows: one per key). */
function byHour(rows: readonly SumsRow[]): SumsRow[] {
  const out = new Map<string, SumsRow>();
  for (const r of rows) {
    const t = bucketStart(r.t, 3_600_000);
    const key = [r.standardId, t, r.site, r.version].join('\u0000');
    const row = out.get(key);
    if (row) fold(row, r);
    else out.set(key, { ...r, t });
  }
  return [...out.values()].sort((a, b) => (a.standardId < b.standardId ? -1 : a.standardId > b.standardId ? 1 : a.t - b.t || (a.site < b.site ? -1 : a.site > b.site ? 1 : a.version - b.version)));
}

export function describeStoreContract(backend: string, open: StoreFactory): void {
  describe(`store contract: ${backend}`, () => {
    let store: Store;
    let clock = T;
    beforeEach(async () => {
      clock = T;
      store = await open(() => clock);
      await store.write(seedStandards);
    });
    afterEach(async () => {
      await store.close();
    });

    describe('writes', () => {
      it('stores judged events with their judgements, numbered in order, and creates a site on first sight', async () => {
        const out = await store.write((tx) => tx.writes.events(prepared([input('e1'), input('e2', { site: 'south', rings: 4 })])));
        expect(out.map((o) => [o.judged.event.id, o.judged.event.seq, o.duplicate])).toEqual([['e1', 1, false], ['e2', 2, false]]);
        expect(out[1]!.judged.judgements).toMatchObject([{ standardId: CALLS.id, value: 4, met: false, counted: true }]);
        expect((await store.reads.events.after(0, 10)).map((j) => j.event.id)).toEqual(['e1', 'e2']);
        expect((await store.reads.events.recent(1)).map((j) => j.event.id)).toEqual(['e2']);
        expect(await store.reads.events.byId('e2')).toEqual(out[1]!.judged);
        expect(await store.reads.events.byId('e3')).toBeUndefined();
        expect(await store.reads.events.headSeq()).toBe(2);
        expect(await store.reads.events.count({ fromMs: T - 120_000, toMs: T, site: 'south' })).toBe(1);
        expect((await store.reads.sites.list()).map((s) => [s.id, s.autoCreated])).toEqual([['north', true], ['south', true]]);
        expect((await store.reads.sites.history('south')).map((h) => h.change)).toEqual(['auto-created']);
      });

      it('answers a retry with the stored original, and refuses a reused id with other content, storing nothing', async () => {
        const [first] = await store.write((tx) => tx.writes.events(prepared([input('e1')])));
        const [again] = await store.write((tx) => tx.writes.events(prepared([input('e1')])));
        expect(again).toEqual({ ...first, duplicate: true });
        const head = await store.reads.audit.head();
        const refused = store.write((tx) => tx.writes.events(prepared([input('e2'), input('e1', { rings: 3 })])));
        await expect(refused).rejects.toMatchObject({ kind: 'conflict', path: 'id', at: 1 });
        await expect(refused).rejects.toBeInstanceOf(DomainError);
        expect(await store.reads.audit.head()).toEqual(head);
        expect(await store.reads.events.headSeq()).toBe(1);
        // A retry among new events: the new ones take the next seqs, in batch order, none left out.
        const mixed = await store.write((tx) => tx.writes.events(prepared([input('e3'), input('e1'), input('e4')])));
        expect(mixed.map((o) => [o.judged.event.id, o.judged.event.seq, o.duplicate])).toEqual([['e3', 2, false], ['e1', 1, true], ['e4', 3, false]]);
        const [next] = await store.write((tx) => tx.writes.events(prepared([input('e5')])));
        expect(next!.judged.event.seq).toBe(4);
      });

      it('events posted without an id get ids made on receipt, stored as new beside retries and refusals of given ids', async () => {
        await store.write((tx) => tx.writes.events(prepared([input('given')])));
        const { id: _, ...noId } = input('x');
        const made = prepared([noId, input('given'), noId]);
        expect(made.map((m) => m.idMadeHere)).toEqual([true, undefined, true]);
        const out = await store.write((tx) => tx.writes.events(made));
        expect(out.map((o) => [o.judged.event.seq, o.duplicate])).toEqual([[2, false], [1, true], [3, false]]);
        expect(new Set(out.map((o) => o.judged.event.id)).size).toBe(3);
        const refused = store.write((tx) => tx.writes.events(prepared([noId as EventInput, input('given', { rings: 3 })])));
        await expect(refused).rejects.toMatchObject({ kind: 'conflict', path: 'id', at: 1 });
        expect(await store.reads.events.headSeq()).toBe(3);
      });
    });

    describe('text', () => {
      // Every free-text column of an event batch's rows (events, their judgements' standard id, the chain links' ref,
      // key and tags, the sites) with what a row format must escape or could mistake: field and row separators, the
      // escape character, the text of a NULL and of an end-of-data mark, quotes and braces, and non-ASCII text.
      const odd = (tag: string) => `${tag}\ttab\nnewline\r\ncrlf\\backslash \\N \\. NULL "quoted" {a,b} Zürich ✓ 東京 👩‍💻 \u200f\\`;
      it('stores and chains text exactly as given, in every text column of an event batch', async () => {
        const standard = { ...CALLS, id: odd('standard') };
        await store.write((tx) => tx.writes.standardVersion({ id: standard.id, version: 1, definition: standard, validFromMs: null, retired: false }));
        const given = [{ id: odd('id-1'), site: odd('site'), queue: odd('queue'), agent: odd('agent') }, { id: '\\N', site: '\\N', queue: 'NULL', agent: '\\' }];
        const items = given.map((g) => prepareEvent(input(g.id, g), { standardsAt: () => [standard], site: defaultSite(g.site, 'UTC'), receivedAtMs: T }));
        const out = await store.write((tx) => tx.writes.events(items));
        const read = await store.reads.events.after(0, 10);
        expect(read).toEqual(out.map((o) => o.judged));
        expect(await store.reads.events.byId(odd('id-1'))).toEqual(out[0]!.judged);
        expect(read.map((j) => [j.event.id, j.event.site, j.event.queue, j.event.agent, j.judgements.map((x) => x.standardId)])).toEqual(
          given.map((g) => [g.id, g.site, g.queue, g.agent, [standard.id]]),
        );
        expect((await store.reads.sites.list()).map((s) => s.id).sort()).toEqual([odd('site'), '\\N'].sort());
        // Verification hashes the rows as stored: the links were hashed from the text as given.
        expect(await store.snapshot(verify)).toMatchObject({ intact: true, problems: [], checked: (await store.reads.audit.head()).seq });
        const [again] = await store.write((tx) => tx.writes.events(items.slice(0, 1)));
        expect(again).toEqual({ ...out[0], duplicate: true });
      });
    });

    describe('transactions', () => {
      it('a failed savepoint undoes its part only; a failed write undoes everything; onCommit runs after a commit only', async () => {
        const committed: string[] = [];
        await store.write(async (tx) => {
          await tx.savepoint((sp) => sp.writes.events(prepared([input('kept')])));
          await expect(tx.savepoint(async (sp) => {
            await sp.writes.events(prepared([input('undone')]));
            throw new Error('this part fails');
          })).rejects.toThrow('this part fails');
          await tx.savepoint((sp) => sp.writes.events(prepared([input('after')])));
          tx.onCommit(() => committed.push('first'));
        });
        await expect(store.write(async (tx) => {
          await tx.writes.events(prepared([input('rolled-back')]));
          tx.onCommit(() => committed.push('second'));
          throw new Error('the whole write fails');
        })).rejects.toThrow('the whole write fails');
        expect((await store.reads.events.after(0, 10)).map((j) => j.event.id)).toEqual(['kept', 'after']);
        expect(committed).toEqual(['first']);
        expect(await store.snapshot(verify)).toMatchObject({ intact: true, problems: [] });
      });

      it('reads outside a write see committed data only; writes serialise', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const open = store.write(async (tx) => {
          await tx.writes.events(prepared([input('pending')]));
          expect(await tx.events.headSeq()).toBe(1); // the write sees itself
          await gate;
        });
        const queued = store.write((tx) => tx.events.headSeq());
        await new Promise((r) => setImmediate(r));
        expect(await store.reads.events.headSeq()).toBe(0);
        release();
        await open;
        expect(await queued).toBe(1); // the second write started after the first committed
        expect(await store.reads.events.headSeq()).toBe(1);
      });

      it('a snapshot keeps what it saw while writes commit', async () => {
        await store.write((tx) => tx.writes.events(prepared([input('before')])));
        const seen = await store.snapshot(async (s) => {
          const head = await s.audit.head();
          await store.write((tx) => tx.writes.events(prepared([input('during')])));
          const rows: string[] = [];
          for await (const row of s.exports.eventRows({ fromMs: 0, toMs: T, sites: [], standards: [] })) rows.push(row[1] as string);
          return { head, later: await s.audit.head(), rows };
        });
        expect(seen.later).toEqual(seen.head);
        expect(seen.rows).toEqual(['before']);
      });
    });

    describe('standards and sites', () => {
      it('keeps every standard version and answers what events each judged', async () => {
        await store.write((tx) => tx.writes.events(prepared([input('e1')])));
        await store.write((tx) => tx.writes.standardVersion({ id: CALLS.id, version: 2, definition: { ...CALLS, version: 2, threshold: 3 }, validFromMs: T, retired: false }));
        const versions = (await store.reads.standards.all()).filter((v) => v.id === CALLS.id);
        expect(versions.map((v) => [v.version, v.validFromMs, v.definition.threshold])).toEqual([[1, null, 2], [2, T, 3]]);
        expect(await store.reads.standards.judgedSince(CALLS.id, T - 120_000)).toBe(true);
        expect(await store.reads.standards.judgedSince(CALLS.id, T)).toBe(false);
        expect(await store.reads.standards.latestJudgedAt(CALLS.id, 0)).toBe(T - 60_000);
      });

      it('configures, changes and retires sites, recording each change', async () => {
        const site = { id: 'east', name: 'East', timeZone: 'Europe/Berlin', ringCycleSeconds: 5, hours: { mon: ['09:00-17:00'] }, holidays: ['2026-12-25'], autoCreated: false };
        await store.write((tx) => tx.writes.site(site, 'created'));
        await store.write((tx) => tx.writes.site({ ...site, name: 'East side' }, 'updated'));
        expect(await store.reads.sites.get('east')).toEqual({ ...site, name: 'East side', retired: false });
        await store.write((tx) => tx.writes.retireSite('east'));
        expect(await store.reads.sites.get('east')).toMatchObject({ retired: true });
        expect(await store.reads.sites.list()).toEqual([]);
        // Every stored id, the retired one too (what a new site's id is compared with).
        await store.write((tx) => tx.writes.site({ ...site, id: 'East' }, 'created'));
        expect((await store.reads.sites.ids()).sort()).toEqual(['East', 'east']);
        expect((await store.reads.sites.history('east')).map((h) => [h.change, h.definition.name])).toEqual([['created', 'East'], ['updated', 'East side'], ['retired', 'East side']]);
      });
    });

    describe('rollups and corrections', () => {
      const inputs = [input('a', { rings: 1 }), input('b', { rings: 4 }), input('c', { outcome: 'abandoned', rings: 2, occurredAt: new Date(T - 30 * 60_000).toISOString() })];
      const range = { standardIds: [CALLS.id], fromMs: T - 3_600_000, toMs: T, sites: [] as string[] };

      it('sums every judgement once, by the domain arithmetic, in every grain; raw reads agree', async () => {
        const stored = await store.write((tx) => tx.writes.events(prepared(inputs)));
        const expected = zeroSums();
        for (const o of stored) fold(expected, contribution({ ...o.judged.event, ...o.judged.judgements[0]!, met: o.judged.judgements[0]!.met ? 1 : 0, counted: 1 }));
        for (const grain of ['minute', 'quarter', 'hour'] as const) {
          const rows = await store.reads.figures.rollupSums({ ...range, grain, shape: 'totals' });
          const { t: _t, standardId: _s, version: _v, site: _site, ...sums } = rows[0]!;
          expect(sums).toEqual(expected);
        }
        const detail = await store.reads.figures.rollupSums({ ...range, grain: 'minute', shape: 'detail' });
        expect(detail.map((r) => r.t).sort()).toEqual([bucketStart(T - 30 * 60_000, 60_000), bucketStart(T - 60_000, 60_000)]);
        const raw = await store.reads.figures.rawGroups(range);
        expect(raw.reduce((n, g) => n + g.n, 0)).toBe(3);
        expect(raw.reduce((n, g) => n + g.met, 0)).toBe(expected.met);
        // Not by instant: one group per kind of judgement (answered, abandoned) placed at the range start.
        const whole = await store.reads.figures.rawGroups({ ...range, byInstant: false });
        expect(whole.map((g) => [g.outcome, g.n, g.met, g.counted, g.t]).sort()).toEqual([
          ['abandoned', 1, 0, 1, range.fromMs],
          ['answered', 2, expected.met, 2, range.fromMs],
        ]);
        const values = await store.reads.figures.histogram({ ...range, fromMs: bucketStart(range.fromMs, 900_000), grain: 'quarter' });
        expect(values.map((v) => [v.value, v.n]).sort()).toEqual([[1, 1], [4, 1]]); // c was abandoned: not measured for the p90
      });

      it("finds the first and last instant of events and rollup rows in a range, of any number of standards", async () => {
        await store.write((tx) => tx.writes.events(prepared(inputs)));
        const many = [...Array.from({ length: 119 }, (_, i) => `other-${i}`), CALLS.id];
        const extent = (q: { standardIds: string[]; fromMs: number; toMs: number }) => store.snapshot((s) => s.derived.extent(q));
        // Events at 09:30 and 09:59 (T is 10:00); rollup rows at 09:00 (hour), 09:30 and 09:45 (quarter), 09:30 and 09:59 (minute).
        expect(await extent({ standardIds: many, fromMs: T - 3_600_000, toMs: T })).toEqual({ firstMs: T - 3_600_000, lastMs: T - 60_000 });
        expect(await extent({ standardIds: [], fromMs: T - 3_600_000, toMs: T })).toEqual({ firstMs: T - 30 * 60_000, lastMs: T - 60_000 });
        expect(await extent({ standardIds: [CALLS.id], fromMs: T - 29 * 60_000, toMs: T - 60_000 })).toEqual({ firstMs: T - 15 * 60_000, lastMs: T - 15 * 60_000 });
        expect(await extent({ standardIds: many, fromMs: T - 29 * 60_000, toMs: T - 15 * 60_000 })).toBeNull();
        // The end is not in the range: the event at 11:00:01 and its rows at 11:00 are found from 11:00 on only.
        await store.write((tx) => tx.writes.events(prepared([input('late', { occurredAt: new Date(T + 3_600_000 + 1_000).toISOString() })])));
        expect(await extent({ standardIds: many, fromMs: T, toMs: T + 3_600_000 })).toBeNull();
        expect(await extent({ standardIds: many, fromMs: T + 3_600_000, toMs: T + 2 * 3_600_000 })).toEqual({ firstMs: T + 3_600_000, lastMs: T + 3_600_000 + 1_000 });
      });

      it('a void takes an event out and an amendment re-judges it, in the rollups as in a rebuild', async () => {
        await store.write((tx) => tx.writes.events(prepared(inputs)));
        await correct(store, 'a', { action: 'void', reason: 'test' });
        await correct(store, 'b', { action: 'amend', reason: 'log', changes: { rings: 1 } });
        await correct(store, 'b', { action: 'amend', reason: 'log', changes: { outcome: 'abandoned' } });
        const subject = (await store.reads.events.correctionSubject('b'))!;
        expect(subject.corrections.map((c) => c.action)).toEqual(['amend', 'amend']);
        // Read back at once, an event is what byId and correctionSubject each give of it.
        expect(await store.reads.events.readBack('b')).toEqual({ stored: await store.reads.events.byId('b'), subject });
        expect(await store.reads.events.readBack('a')).toEqual({ stored: await store.reads.events.byId('a'), subject: await store.reads.events.correctionSubject('a') });
        expect(await store.reads.events.readBack('none')).toBeUndefined();
        const before = await store.reads.figures.rollupSums({ ...range, grain: 'quarter', shape: 'detail' });
        expect(before.reduce((n, r) => n + r.counted, 0)).toBe(2);
        expect(before.reduce((n, r) => n + r.met, 0)).toBe(0);
        expect(before.reduce((n, r) => n + r.abandoned, 0)).toBe(2); // c, and b as amended
        expect(await store.reads.figures.corrections(range)).toEqual([{ site: 'north', standardId: CALLS.id, version: 1, voided: 1, amended: 1 }]);
        // The hour grain took the same deltas: its row is the quarter hours' rows added up.
        expect(await store.reads.figures.rollupSums({ ...range, grain: 'hour', shape: 'detail' })).toEqual(byHour(before));
        await store.write((tx) => tx.writes.rebuildRollups());
        const rebuilt = await store.reads.figures.rollupSums({ ...range, grain: 'quarter', shape: 'detail' });
        expect(rebuilt.map(({ valueSum: _v, ...r }) => r)).toEqual(before.map(({ valueSum: _v, ...r }) => r));
        expect(await store.reads.figures.rollupSums({ ...range, grain: 'hour', shape: 'detail' })).toEqual(byHour(rebuilt));
        expect(await store.snapshot(verify)).toMatchObject({ intact: true });
      });
    });

    describe('chain, audit log and pruning', () => {
      it('chains every record kind it writes; a snapshot verifies it', async () => {
        await store.write((tx) => tx.writes.events(prepared([input('e1')])));
        await store.write((tx) => tx.writes.site({ ...defaultSite('west', 'UTC'), autoCreated: false }, 'created'));
        await correct(store, 'e1', { action: 'amend', reason: 'x', changes: { rings: 3 } });
        const seq = await store.write((tx) => tx.writes.auditLog({ keyId: 'k', action: 'test.log', target: null, details: { a: 1 } }));
        expect(seq).toBeGreaterThan(0);
        const kinds = await store.snapshot(async (s) => {
          const seen = new Set<string>();
          for await (const link of s.chain.links()) seen.add(link.kind);
          return [...seen].sort();
        });
        expect(kinds).toEqual(['audit', 'correction', 'event', 'judgement', 'site', 'standard']);
        const result = await store.snapshot(verify);
        expect(result).toMatchObject({ intact: true, checked: (await store.reads.audit.head()).seq });
      });

      it('prunes events before a cutoff under a signed, chained checkpoint; rollups stay', async () => {
        await store.write((tx) => tx.writes.events(prepared([input('old', { occurredAt: new Date(T - 10 * 86_400_000).toISOString() }), input('new')])));
        const cutoff = T - 86_400_000;
        const pruned = await store.write((tx) => tx.writes.prune(cutoff, (fields) => checkpointHmac(SECRET, fields)));
        expect(pruned).toMatchObject({ events: 1, judgements: 1, lastEventSeq: 1 });
        expect(await store.reads.audit.horizon()).toEqual({ prunedBeforeMs: cutoff, checkpointSeq: pruned.checkpointSeq });
        expect((await store.reads.events.after(0, 10)).map((j) => j.event.id)).toEqual(['new']);
        const kept = await store.reads.figures.rollupSums({ standardIds: [CALLS.id], fromMs: bucketStart(T - 11 * 86_400_000, 900_000), toMs: cutoff, sites: [], grain: 'quarter', shape: 'totals' });
        expect(kept.map((r) => r.judged)).toEqual([1]);
        expect(await store.snapshot(verify)).toMatchObject({ intact: true, pruned: 2, checkpoints: 1 });
      });
    });

    describe('pruning inside an hour', () => {
      it('a rebuild after a cutoff inside an hour keeps that hour whole: its quarter hours added up, pruned ones included', async () => {
        const at = (minutesBefore: number) => new Date(T - minutesBefore * 60_000).toISOString();
        await store.write((tx) => tx.writes.events(prepared([input('p1', { occurredAt: at(50) }), input('p2', { occurredAt: at(20), rings: 4 }), input('p3', { occurredAt: at(5), outcome: 'abandoned', rings: 2 })])));
        const hour = { standardIds: [CALLS.id], fromMs: T - 3_600_000, toMs: T, sites: [] as string[] };
        const whole = await store.reads.figures.rollupSums({ ...hour, grain: 'hour', shape: 'detail' });
        expect(whole.map((r) => [r.t, r.judged])).toEqual([[T - 3_600_000, 3]]);
        const cutoff = T - 30 * 60_000; // on the quarter-hour grid, inside the hour
        await store.write((tx) => tx.writes.prune(cutoff, (fields) => checkpointHmac(SECRET, fields)));
        await store.write((tx) => tx.writes.rebuildRollups());
        const quarters = await store.reads.figures.rollupSums({ ...hour, grain: 'quarter', shape: 'detail' });
        expect(quarters.reduce((n, r) => n + r.judged, 0)).toBe(3);
        expect(await store.reads.figures.rollupSums({ ...hour, grain: 'hour', shape: 'detail' })).toEqual(byHour(quarters));
        expect(await store.reads.figures.rollupSums({ ...hour, grain: 'hour', shape: 'detail' })).toEqual(whole);
      });
    });

    describe('milestones and cases', () => {
      const key = { type: 'call', site: 'north', caseId: 'c1' };
      const milestone = (name: string, over: Partial<NewMilestone['milestone']> = {}, content?: string): NewMilestone => {
        const m = { id: `c1/${name}`, ...key, milestone: name, at: new Date(T - 30_000).toISOString(), agent: null, queue: null, handleSeconds: null, ...over };
        return { milestone: m, atMs: Date.parse(m.at), receivedAtMs: T, content: content ?? JSON.stringify(m), siteDefaults: { timeZone: 'UTC', ringCycleSeconds: 6 } };
      };

      it('stores milestones chained, opens their case and its site on first sight, answers a retry with the original', async () => {
        const [first] = await store.write((tx) => tx.writes.milestones([milestone('started')]));
        expect(first).toMatchObject({ duplicate: false, opened: true, milestone: { seq: 1, ...key, milestone: 'started', receivedAt: new Date(T).toISOString() } });
        const [again] = await store.write((tx) => tx.writes.milestones([milestone('started')]));
        // The retry stores nothing and opens nothing: the original milestone, told apart only by those two flags.
        expect(again).toEqual({ ...first, duplicate: true, opened: false });
        expect(await store.reads.cases.get(key)).toMatchObject({ ...key, state: 'open', openedAtMs: T, eventSeq: null });
        expect((await store.reads.cases.open()).map((c) => c.caseId)).toEqual(['c1']);
        expect((await store.reads.cases.milestones(key)).map((m) => m.milestone)).toEqual(['started']);
        expect((await store.reads.sites.list()).map((s) => s.id)).toEqual(['north']);
        expect(await store.snapshot(verify)).toMatchObject({ intact: true, problems: [] });
      });

      it('refuses other content under a pairing key, or a reused id, storing nothing of the batch', async () => {
        await store.write((tx) => tx.writes.milestones([milestone('started')]));
        const head = await store.reads.audit.head();
        const refused = store.write((tx) => tx.writes.milestones([milestone('answered'), milestone('started', { at: new Date(T - 10_000).toISOString() })]));
        await expect(refused).rejects.toMatchObject({ kind: 'conflict', path: 'milestone', at: 1 });
        const reused = store.write((tx) => tx.writes.milestones([milestone('answered', { id: 'c1/started' })]));
        await expect(reused).rejects.toMatchObject({ kind: 'conflict', path: 'id', at: 0 });
        expect(await store.reads.audit.head()).toEqual(head);
        expect((await store.reads.cases.milestones(key)).map((m) => m.milestone)).toEqual(['started']);
      });

      it('takes caseStored as given: the milestone is stored and chained, and its case row is not inserted', async () => {
        await store.write((tx) => tx.writes.milestones([milestone('started')]));
        const [answered] = await store.write((tx) => tx.writes.milestones([{ ...milestone('answered'), caseStored: true }]));
        expect(answered).toMatchObject({ duplicate: false, opened: false, milestone: { seq: 2, ...key, milestone: 'answered' } });
        expect(await store.reads.cases.get(key)).toMatchObject({ ...key, state: 'open', openedAtMs: T });
        // Only a write that read the case's milestones may say so: the store does not look for the row.
        const other = { ...key, caseId: 'c2' };
        const [lone] = await store.write((tx) => tx.writes.milestones([{ ...milestone('started', { id: 'c2/started', caseId: 'c2' }), caseStored: true }]));
        expect(lone).toMatchObject({ duplicate: false, opened: false, milestone: { ...other, milestone: 'started' } });
        expect(await store.reads.cases.get(other)).toBeUndefined();
        expect(await store.snapshot(verify)).toMatchObject({ intact: true, problems: [] });
      });

      it('reads a case, its milestones and its judgements with the key they were asked for', async () => {
        await store.write((tx) => tx.writes.milestones([milestone('started', { agent: 'a1', queue: 'q' }), milestone('answered', { at: new Date(T - 20_000).toISOString() })]));
        const miss = { standardId: CALLS.id, standardVersion: 1, measure: 'rings', value: 3, threshold: 2, met: false, counted: true, reason: 'deadline' as const };
        await store.write((tx) => tx.writes.caseJudgement(key, miss));
        expect(await store.reads.cases.get(key)).toEqual({ ...key, state: 'open', openedAtMs: T, closedAtMs: null, expired: false, eventSeq: null });
        const iso = new Date(T).toISOString();
        const started = { seq: 1, id: 'c1/started', ...key, milestone: 'started', at: new Date(T - 30_000).toISOString(), receivedAt: iso, agent: 'a1', queue: 'q', handleSeconds: null };
        const answered = { seq: 2, id: 'c1/answered', ...key, milestone: 'answered', at: new Date(T - 20_000).toISOString(), receivedAt: iso, agent: null, queue: null, handleSeconds: null };
        expect(await store.reads.cases.milestones(key)).toEqual([started, answered]);
        // One milestone by name: that one alone, or none when the case has not reached it.
        expect(await store.reads.cases.milestones(key, 'started')).toEqual([started]);
        expect(await store.reads.cases.milestones(key, 'answered')).toEqual([answered]);
        expect(await store.reads.cases.milestones(key, 'abandoned')).toEqual([]);
        expect(await store.reads.cases.milestones({ ...key, site: 'south' }, 'started')).toEqual([]);
        expect(await store.reads.cases.openMilestones()).toEqual(await store.reads.cases.milestones(key));
        expect(await store.reads.cases.judgements(key)).toEqual([{ seq: 1, ...key, judgement: miss, atMs: T }]);
        expect(await store.reads.cases.milestones({ ...key, caseId: 'none' })).toEqual([]);
        expect(await store.reads.cases.judgements({ ...key, site: 'south' })).toEqual([]);
      });

      it('records a judgement on an open case once per standard, and closes a case once', async () => {
        await store.write((tx) => tx.writes.milestones([milestone('started')]));
        const miss = { standardId: CALLS.id, standardVersion: 1, measure: 'rings', value: null, threshold: 2, met: false, counted: true, reason: 'deadline' as const };
        expect(await store.write((tx) => tx.writes.caseJudgement(key, miss))).toBe(true);
        expect(await store.write((tx) => tx.writes.caseJudgement(key, { ...miss, met: true }))).toBe(false);
        expect((await store.reads.cases.judgements(key)).map((j) => j.judgement)).toEqual([miss]);
        const claims = await store.write((tx) => Promise.all([tx.writes.claimBreach(key, CALLS.id, T), tx.writes.claimBreach(key, CALLS.id, T)]));
        expect(claims).toEqual([true, false]);
        expect(await store.write((tx) => tx.writes.claimBreach(key, 'other', T))).toBe(true);
        const [stored] = await store.write((tx) => tx.writes.events(prepared([input('e1')])));
        await store.write((tx) => tx.writes.closeCase(key, { closedAtMs: T + 1, expired: false, eventSeq: stored!.judged.event.seq }));
        await store.write((tx) => tx.writes.closeCase(key, { closedAtMs: T + 2, expired: true, eventSeq: null }));
        expect(await store.reads.cases.get(key)).toMatchObject({ state: 'closed', closedAtMs: T + 1, expired: false, eventSeq: 1 });
        expect(await store.reads.cases.open()).toEqual([]);
        expect(await store.reads.cases.openMilestones()).toEqual([]);
        expect(await store.snapshot(verify)).toMatchObject({ intact: true, problems: [] });
        // Retention prunes the finished event; the case keeps its number.
        expect(await store.write((tx) => tx.writes.prune(T, (fields) => checkpointHmac(SECRET, fields)))).toMatchObject({ events: 1 });
        expect(await store.reads.cases.get(key)).toMatchObject({ state: 'closed', eventSeq: 1 });
      });
    });

    describe('incidents and keys', () => {
      const detail = { band: { window: { name: '1h', durationMs: 3_600_000, counted: 20, met: 15, compliance: 0.75 }, amberBelow: 0.9, redBelow: 0.85, severity: 'red' as const }, burnRates: [], burnSeverity: null, lines: ['Band over 1h: 75.0 %'] };
      const draft = (over: Partial<IncidentChangeDraft>): IncidentChangeDraft => ({
        kind: 'opened',
        incidentId: null,
        standardId: CALLS.id,
        standardVersion: 1,
        site: 'north',
        siteName: 'North',
        standardLabel: 'Calls ≤ 2 rings',
        target: 0.9,
        severity: 'amber',
        previousSeverity: null,
        atMs: T,
        summary: 'North calls: 88.0 % answered within 2 rings in the last hour — target 90 %',
        detail,
        clearsAcknowledgement: false,
        ...over,
      });
      const HOOK = 'http://127.0.0.1:9/hook';

      it('opens, escalates in place and recovers one incident, a change row each with a global seq and a delivery per URL', async () => {
        const [opened] = await store.write((tx) => tx.writes.incidentChanges([draft({})], [HOOK]));
        expect(opened!.change).toMatchObject({ seq: 1, kind: 'opened', severity: 'amber', previousSeverity: null, incidentId: opened!.incident.id, by: null, detail });
        expect(opened!.incident).toMatchObject({ state: 'open', severity: 'amber', peakSeverity: 'amber', siteName: 'North', openedAt: new Date(T).toISOString(), recoveredAt: null, lastChangeSeq: 1 });
        const id = opened!.incident.id;
        // A second open incident for the same standard and site is refused.
        await expect(store.write((tx) => tx.writes.incidentChanges([draft({})], []))).rejects.toMatchObject({ kind: 'conflict' });
        clock += 60_000;
        const [up] = await store.write((tx) => tx.writes.incidentChanges([draft({ kind: 'escalated', incidentId: id, severity: 'red', previousSeverity: 'amber', atMs: T + 60_000 })], [HOOK]));
        expect(up!.incident).toMatchObject({ id, severity: 'red', peakSeverity: 'red', changedAt: new Date(T + 60_000).toISOString(), lastChangeSeq: 2 });
        expect(await store.reads.incidents.open()).toEqual([up!.incident]);
        const [down] = await store.write((tx) => tx.writes.incidentChanges([draft({ kind: 'recovered', incidentId: id, severity: 'red', previousSeverity: 'red', atMs: T + 120_000 })], [HOOK]));
        expect(down!.incident).toMatchObject({ state: 'recovered', severity: 'red', peakSeverity: 'red', recoveredAt: new Date(T + 120_000).toISOString() });
        expect(await store.reads.incidents.open()).toEqual([]);
        // Changing a recovered incident is refused; the history is one incident with three changes.
        await expect(store.write((tx) => tx.writes.incidentChanges([draft({ kind: 'escalated', incidentId: id, severity: 'red' })], []))).rejects.toMatchObject({ kind: 'conflict' });
        expect((await store.reads.incidents.changes(id)).map((c) => [c.seq, c.kind, c.previousSeverity, c.severity])).toEqual([
          [1, 'opened', null, 'amber'],
          [2, 'escalated', 'amber', 'red'],
          [3, 'recovered', 'red', 'red'],
        ]);
        expect((await store.reads.incidents.after(1, 10)).map((u) => [u.change.seq, u.incident.state])).toEqual([
          [2, 'recovered'],
          [3, 'recovered'],
        ]);
        expect(await store.reads.incidents.headSeq()).toBe(3);
        expect((await store.reads.incidents.pendingDeliveries()).map((d) => [d.changeSeq, d.url, d.attempts])).toEqual([
          [1, HOOK, 0],
          [2, HOOK, 0],
          [3, HOOK, 0],
        ]);
        const [delivery] = await store.reads.incidents.deliveries(id);
        expect(delivery!.changeSeq).toBe(1);
        await store.write((tx) => tx.writes.deliveryAttempt({ deliveryId: delivery!.id, attempt: 1, atMs: T, durationMs: 5, statusCode: 200, error: null }, { status: 'delivered', nextAttemptAtMs: T, lastError: null, finishedAtMs: T }));
        expect((await store.reads.incidents.pendingDeliveries()).map((d) => d.changeSeq)).toEqual([2, 3]);
        expect(await store.reads.incidents.attempts(delivery!.id)).toEqual([{ deliveryId: delivery!.id, attempt: 1, atMs: T, durationMs: 5, statusCode: 200, error: null }]);
      });

      it('acknowledges at the current severity (once), clears it on an escalation beyond it, and acknowledges several all or nothing', async () => {
        const [a, b] = await store.write((tx) => tx.writes.incidentChanges([draft({}), draft({ site: 'south', siteName: 'South' })], []));
        const ids = [a!.incident.id, b!.incident.id];
        const [first] = await store.write((tx) => tx.writes.acknowledgeIncidents([ids[0]!], 'ana'));
        expect(first!.change).toMatchObject({ kind: 'acknowledged', by: 'ana', severity: 'amber' });
        expect(first!.incident).toMatchObject({ acknowledgedBy: 'ana', acknowledgedSeverity: 'amber', acknowledgedAt: new Date(T).toISOString() });
        clock += 1000;
        const [again] = await store.write((tx) => tx.writes.acknowledgeIncidents([ids[0]!], 'bo'));
        expect(again).toMatchObject({ change: null, incident: { acknowledgedBy: 'ana' } });
        const [up] = await store.write((tx) => tx.writes.incidentChanges([draft({ kind: 'escalated', incidentId: ids[0]!, severity: 'red', previousSeverity: 'amber', clearsAcknowledgement: true })], []));
        expect(up!.incident).toMatchObject({ severity: 'red', acknowledgedAt: null, acknowledgedBy: null, acknowledgedSeverity: null });
        // Unknown ids: nothing is acknowledged, the error names every one that is missing.
        await expect(store.write((tx) => tx.writes.acknowledgeIncidents([ids[0]!, 999], 'cy'))).rejects.toMatchObject({ kind: 'not-found', path: 'ids.1' });
        await expect(store.write((tx) => tx.writes.acknowledgeIncidents([998, ids[0]!, 999], 'cy'))).rejects.toMatchObject({
          kind: 'not-found',
          code: 'incident-not-found',
          problems: [
            { path: 'ids.0', message: 'no incident with id 998' },
            { path: 'ids.2', message: 'no incident with id 999' },
          ],
        });
        expect((await store.reads.incidents.get(ids[0]!))!.acknowledgedAt).toBeNull();
        const both = await store.write((tx) => tx.writes.acknowledgeIncidents(ids, 'cy'));
        expect(both.map((r) => [r.incident.id, r.incident.acknowledgedBy, r.incident.acknowledgedSeverity, r.change?.kind])).toEqual([
          [ids[0], 'cy', 'red', 'acknowledged'],
          [ids[1], 'cy', 'amber', 'acknowledged'],
        ]);
        // Acknowledgements are changes (replayed to clients) but not webhook deliveries.
        expect((await store.reads.incidents.after(0, 100)).map((u) => u.change.kind)).toEqual(['opened', 'opened', 'acknowledged', 'escalated', 'acknowledged', 'acknowledged']);
        expect(await store.reads.incidents.pendingDeliveries()).toEqual([]);
      });

      it('lists incidents by state, site, standard and the time they were open', async () => {
        const [a] = await store.write((tx) => tx.writes.incidentChanges([draft({})], []));
        await store.write((tx) => tx.writes.incidentChanges([draft({ kind: 'recovered', incidentId: a!.incident.id, atMs: T + 60_000 })], []));
        await store.write((tx) => tx.writes.incidentChanges([draft({ site: 'south', atMs: T + 120_000 })], []));
        const list = (f: Partial<IncidentFilter>) => store.reads.incidents.list({ limit: 100, ...f }).then((l) => l.map((i) => i.site));
        expect(await list({})).toEqual(['north', 'south']);
        expect(await list({ state: 'open' })).toEqual(['south']);
        expect(await list({ state: 'recovered' })).toEqual(['north']);
        expect(await list({ site: 'north' })).toEqual(['north']);
        expect(await list({ standardId: 'nope' })).toEqual([]);
        expect(await list({ fromMs: T + 90_000 })).toEqual(['south']);
        expect(await list({ toMs: T + 90_000 })).toEqual(['north']);
        expect(await list({ limit: 1 })).toEqual(['south']);
        const rows = await store.snapshot(async (s) => {
          const out: Array<[number, string, string]> = [];
          for await (const r of s.exports.incidentRows({ fromMs: T, toMs: T + 100_000, sites: [], standards: [] })) out.push([r.change.seq, r.change.kind, r.site]);
          return out;
        });
        expect(rows).toEqual([
          [1, 'opened', 'north'],
          [2, 'recovered', 'north'],
        ]);
      });

      it('keeps keys by hash, revokes once, and records their last use', async () => {
        const key = { id: 'k_1', name: 'ci', scopes: ['ingest'], sites: null, hash: 'ab'.repeat(32), prefix: 'rs_abcd', source: 'api' as const, createdAtMs: T, expiresAtMs: null };
        await store.write((tx) => tx.writes.key(key));
        expect(await store.reads.keys.byHash(key.hash)).toMatchObject({ id: 'k_1', revokedAtMs: null, sites: null });
        // A key limited to sites (a reception tablet's) keeps its list.
        await store.write((tx) => tx.writes.key({ ...key, id: 'k_desk', hash: 'cd'.repeat(32), sites: ['harbour', 'Hafen Süd'] }));
        expect(await store.reads.keys.get('k_desk')).toMatchObject({ sites: ['harbour', 'Hafen Süd'] });
        await store.write((tx) => tx.writes.revokeKey('k_desk'));
        expect(await store.reads.keys.activeCount(T)).toBe(1);
        await store.write((tx) => tx.writes.keysUsed(new Map([['k_1', T + 5]])));
        expect(await store.write((tx) => tx.writes.revokeKey('k_1'))).toBe(true);
        clock += 1000;
        await store.write((tx) => tx.writes.revokeKey('k_1'));
        expect(await store.reads.keys.get('k_1')).toMatchObject({ revokedAtMs: T, lastUsedAtMs: T + 5 });
        expect(await store.write((tx) => tx.writes.revokeKey('nope'))).toBe(false);
        // Several at once (the keys live sockets use, checked again): the stored ones, each as it is now.
        const some = await store.reads.keys.byIds(['k_desk', 'nope', 'k_1']);
        expect(some.map((k) => [k.id, k.revokedAtMs]).sort()).toEqual([['k_1', T], ['k_desk', T]]);
        expect(await store.reads.keys.byIds([])).toEqual([]);
      });
    });
  });
}
