// In-process access to the server's store for the benchmark fixtures (bundled by test/bench/lib/build.mjs
// into test/bench/.build/storeTools.mjs, so the harness runs the server's own code, not a copy).
//
// Two ways of filling a database, both deterministic for a seed:
//  - ingestThroughStore: the product's ingest service in-process (validate → judge → one transaction per
//    batch, chain links, rollups and histograms written by the store).
//  - generateBulk (bulkLoad.ts): one JavaScript pass writing events and judgements in seq order with the
//    secondary indexes dropped, rollups and value histograms summed in the same pass and written
//    at the end (equal to the engine's rebuildRollups()). No audit-chain links for the generated rows
//    (`verify` would report them) unless chainGenerated() below adds them. A sample of generated events is
//    re-prepared with the engine's prepareEvent() from their content and must agree column for column.
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openDatabase, openSqliteFile } from '../../../server/src/store/sqlite/database';
import { eventRowsQuery } from '../../../server/src/store/sqlite/exportRows';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { valueCounts } from '../../../server/src/services/rangeReads';
import { splitRange } from '../../../server/src/domain/ranges';
import { StandardsService } from '../../../server/src/services/standards';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { defaultSite } from '../../../server/src/domain/sites';
import type { Store } from '../../../server/src/store/port';
import { backendFor, storeBackend } from '../../../server/src/storeBackend';
import type { EventInput } from '../../../server/src/protocol';
import { seededRandom } from '../../../server/src/demo/random';

/** The server's better-sqlite3 handle type (better-sqlite3 itself lives in server/node_modules). */
type Db = ReturnType<typeof openDatabase>;
import { CHAIN_KIND, digestOf, GENESIS_HASH, linkHash, recordOf, type ChainKind } from '../../../server/src/domain/chain';
import { CHAIN_TABLES, ChainWriter } from '../../../server/src/store/sqlite/chain';
import { PgChainWriter } from '../../../server/src/store/postgres/chain';
import { groupCommit } from '../../../server/src/services/ingest/groupCommit';
import type pg from 'pg';

import { generateBulk, siteName, type GenerateOptions } from './bulkLoad';

export { generateBulk, siteName, type GenerateOptions };

/** Deterministic event inputs (mulberry32), as a client would post them. */
export function makeInputs(count: number, opts: { sites: number; fromMs: number; toMs: number; seed: number; idPrefix?: string }): EventInput[] {
  const rnd = seededRandom(opts.seed);
  const span = opts.toMs - opts.fromMs;
  const out: EventInput[] = [];
  for (let i = 0; i < count; i++) {
    const ms = Math.floor(opts.fromMs + (span * i) / count);
    const site = siteName(Math.floor(rnd() * opts.sites));
    const occurredAt = new Date(ms).toISOString();
    const id = opts.idPrefix ? `${opts.idPrefix}${i}` : undefined;
    const r = rnd();
    if (r < 0.7) {
      out.push({ ...(id ? { id } : {}), type: 'call', site, occurredAt, outcome: rnd() < 0.05 ? 'abandoned' : 'answered', rings: 1 + Math.floor(rnd() * 4), queue: `q${Math.floor(rnd() * 3)}`, agent: `a${Math.floor(rnd() * 10)}` });
    } else {
      out.push({ ...(id ? { id } : {}), type: 'visit', site, occurredAt, outcome: rnd() < 0.05 ? 'left' : 'greeted', greetSeconds: Math.floor(rnd() * 60), agent: `a${Math.floor(rnd() * 10)}` });
    }
  }
  return out;
}

/**
 * The store of a data directory with its standards (migrated, defaults seeded); with `databaseUrl`, the PostgreSQL
 * store there (the data directory then holds only the node's own files), as `--database URL` opens it.
 */
export async function openBenchStore(dataDir: string, databaseUrl?: string): Promise<{ store: Store; standards: StandardsService }> {
  const store = await (databaseUrl ? backendFor(databaseUrl) : storeBackend).open({ dataDir });
  return { store, standards: await StandardsService.open(store, DEFAULT_STANDARDS, Date.now) };
}

/** Writes `count` events through the product's ingest service, `batch` at a time. Returns events/s. */
export async function ingestThroughStore(opts: GenerateOptions & { batch?: number }): Promise<{ events: number; ms: number }> {
  const { store, standards } = await openBenchStore(opts.dataDir);
  const ingest = new IngestService({ store, standards, timeZone: 'UTC' });
  const started = performance.now();
  const batch = opts.batch ?? 5000;
  let done = 0;
  try {
    while (done < opts.events) {
      const n = Math.min(batch, opts.events - done);
      const span = opts.toMs - opts.fromMs;
      const from = opts.fromMs + Math.floor((span * done) / opts.events);
      const to = opts.fromMs + Math.floor((span * (done + n)) / opts.events);
      const inputs = makeInputs(n, { sites: opts.sites, fromMs: from, toMs: Math.max(to, from + 1), seed: opts.seed + done });
      const out = await ingest.ingest(inputs);
      if (out.kind !== 'stored') throw new Error(`ingest refused the generated batch: ${JSON.stringify(out).slice(0, 500)}`);
      done += n;
    }
  } finally {
    await store.close();
  }
  return { events: done, ms: performance.now() - started };
}

export { openDatabase, DEFAULT_STANDARDS };

/** COPY's text format as the PostgreSQL store writes it (one definition of its escaping), and its COPY of such text. */
export { copyLine, copyText } from '../../../server/src/store/postgres/copy';

/**
 * The floor of an event export's reading: the export's own statement (store/sqlite/exportRows.ts: events ⋈
 * judgements with the event's and the judgement's chain links joined, in seq order) stepped with raw rows and
 * nothing else, in process, on a read-only connection: no row built, no correction cursor, no encoding, hashing or
 * sending. Rows stepped, wall and CPU time. Without `links`, the same rows without their two chain links joined.
 */
export function stepExportRows(dataDir: string, fromMs: number, toMs: number, { links = true }: { links?: boolean } = {}): { rows: number; ms: number; cpuMs: number } {
  const db: Db = openSqliteFile(join(dataDir, 'ringside.db'), { readonly: true });
  try {
    db.exec('BEGIN'); // one read transaction, as the export's snapshot
    const { sql, params } = eventRowsQuery(db, { fromMs, toMs, sites: [], standards: [] }, { links });
    const stmt = db.prepare(sql).raw(true);
    const started = performance.now();
    const cpu = process.cpuUsage();
    let rows = 0;
    for (const _ of stmt.iterate(...params)) rows += 1;
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    db.exec('COMMIT');
    return { rows, ms, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    db.close();
  }
}

/**
 * Chains the rows generateBulk left unchained, exactly as audit migration 5 chains rows that existed before it
 * (each event, then its judgements, in seq order; same digest and link functions). Returns links written.
 */
export function chainGenerated(dataDir: string): number {
  const db: Db = openDatabase(dataDir);
  try {
    db.pragma('cache_size = -500000');
    const head = db.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const chained = (db.prepare("SELECT MAX(event_seq) AS m FROM audit_chain WHERE kind = 'event'").get() as { m: number | null }).m ?? 0;
    let prev = head?.hash ?? GENESIS_HASH;
    const insert = db.prepare('INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const at = Date.now();
    let links = 0;
    const add = (kind: ChainKind, ref: string, eventSeq: number | null, keyText: string | null, row: Record<string, unknown>) => {
      const digest = digestOf(recordOf(CHAIN_KIND[kind], CHAIN_TABLES[kind].columns.map((col) => row[col])));
      prev = linkHash(prev, kind, ref, digest);
      insert.run(kind, ref, eventSeq, keyText, null, digest, prev, at);
      links += 1;
    };
    const rows = db.prepare('SELECT e.*, j.event_seq AS j_event_seq, j.standard_id AS j_standard_id, j.standard_version AS j_standard_version, j.measure AS j_measure, j.value AS j_value, j.threshold AS j_threshold, j.met AS j_met, j.counted AS j_counted, j.reason AS j_reason FROM events e LEFT JOIN judgements j ON j.event_seq = e.seq WHERE e.seq > ? AND e.seq <= ? ORDER BY e.seq, j.standard_id');
    const maxSeq = (db.prepare('SELECT MAX(seq) AS m FROM events').get() as { m: number | null }).m ?? 0;
    // Read everything first (the reader and writer share the connection), then write in one transaction.
    for (let from = chained; from < maxSeq; from += 100_000) {
      const all = rows.all(from, from + 100_000) as Array<Record<string, unknown>>;
      db.transaction(() => {
      let last = -1;
      for (const r of all) {
        const seq = r.seq as number;
        if (seq !== last) {
          add('event', String(seq), seq, null, r);
          last = seq;
        }
        if (r.j_event_seq !== null) {
          const j = { event_seq: r.j_event_seq, standard_id: r.j_standard_id, standard_version: r.j_standard_version, measure: r.j_measure, value: r.j_value, threshold: r.j_threshold, met: r.j_met, counted: r.j_counted, reason: r.j_reason };
          add('judgement', `${seq}/${String(r.j_standard_id)}`, seq, String(r.j_standard_id), j);
        }
      }
      })();
    }
    return links;
  } finally {
    db.close();
  }
}

/**
 * Where a stored event's time goes: batches of 1000 generated events written by the product's batch writer (one
 * write transaction each: inserts, the chain links, rollup rows and value-histogram cells it writes itself, the
 * fsync), and the whole in-process ingest (validation, judging, writing) for comparison. Microseconds per stored
 * event (with its judgement and links), medians of 3 runs of `rows` each.
 */
export async function insertCostBreakdown(dataDir: string, rows = 5000): Promise<Record<string, number>> {
  const { store, standards } = await openBenchStore(dataDir);
  const ingest = new IngestService({ store, standards, timeZone: 'UTC' });
  const toMs = Date.now();
  let run = 0;
  const inputs = () => makeInputs(rows, { sites: 20, fromMs: toMs - 3_600_000, toMs, seed: 7 + run, idPrefix: `cost-${run++}-` });
  const batches = <T>(xs: T[]): T[][] => Array.from({ length: Math.ceil(xs.length / 1000) }, (_, i) => xs.slice(i * 1000, i * 1000 + 1000));
  const prepare = (xs: EventInput[]) => xs.map((input) => prepareEvent(input, { standardsAt: (ms) => standards.inForceAt(ms), site: defaultSite(input.site, 'UTC'), receivedAtMs: Date.now() }));
  const median = async (f: () => Promise<number>) => [await f(), await f(), await f()].sort((a, b) => a - b)[1]!;
  const timed = async (f: () => Promise<void>) => {
    const t = performance.now();
    await f();
    return ((performance.now() - t) / rows) * 1000;
  };
  try {
    const out: Record<string, number> = {};
    out['whole ingest in process (validate, judge, write)'] = await median(async () => {
      const xs = batches(inputs());
      return timed(async () => {
        for (const b of xs) await ingest.ingest(b);
      });
    });
    out['writer (product: chain links, rollups and histograms in JavaScript)'] = await median(async () => {
      const prepared = batches(prepare(inputs()));
      return timed(async () => {
        for (const b of prepared) await store.write((tx) => tx.writes.events(b));
      });
    });
    return out;
  } finally {
    await store.close();
  }
}

/** What a ceiling measures: the product's ingest as it ships, without the fsync, and without the fsync or the chain. */
export interface Ceiling {
  /** Wall µs per record of the in-process ingest: durable and chained, as shipped. */
  shipped: number;
  /** The same on a connection with `synchronous = OFF`: no commit waits for the disk. */
  noFsync: number;
  /** The same with the audit chain's links neither hashed nor written as well: no per-record proof at all. */
  noFsyncNoProof: number;
}

type Variant = keyof Ceiling;

/**
 * Runs `f` with durability and the per-record proof traded away as `variant` says, for a measurement only:
 * better-sqlite3's `pragma` turns the store's `synchronous = FULL` into OFF, and the chain writer's `append` returns
 * without hashing or inserting a link. Both are put back afterwards; nothing of the product changes.
 */
async function tradedAway<T>(variant: Variant, f: () => Promise<T>): Promise<T> {
  const probe = openSqliteFile(':memory:');
  const proto = Object.getPrototypeOf(probe) as { pragma: (source: string, options?: unknown) => unknown };
  probe.close();
  const pragma = proto.pragma;
  const append = Object.getOwnPropertyDescriptor(ChainWriter.prototype, 'append')!;
  let unsynced = 0;
  if (variant !== 'shipped') {
    proto.pragma = function (this: unknown, source: string, options?: unknown) {
      if (source !== 'synchronous = FULL') return pragma.call(this, source, options);
      unsynced += 1;
      return pragma.call(this, 'synchronous = OFF', options);
    };
  }
  if (variant === 'noFsyncNoProof') Object.defineProperty(ChainWriter.prototype, 'append', { ...append, value: () => ({ seq: 0, hash: GENESIS_HASH }) });
  try {
    const out = await f();
    // The store must have asked for FULL and got OFF, or this variant measured the shipped one.
    if (variant !== 'shipped' && unsynced === 0) throw new Error('the store never set synchronous = FULL: the ceiling would not be without the fsync');
    return out;
  } finally {
    proto.pragma = pragma;
    Object.defineProperty(ChainWriter.prototype, 'append', append);
  }
}

/**
 * The most an ingest path could give on this machine if durability and the proof were given up: the product's own
 * ingest in process (validation, judging, the store's rows, rollups and histograms, settling cases for milestones;
 * no HTTP, no live push, no open clocks), the batches in turn on a fresh SQLite store, events `group` batches per
 * write as the server's group commit merges concurrent POSTs at best. Wall time per record of one thread, which is
 * the least the server's one thread spends on the same records. Each variant runs `repeats` times after one run of
 * each to warm up (discarded), the variants alternating; medians.
 */
export async function ingestCeiling(kind: 'events' | 'milestones', batches: readonly (readonly unknown[])[], dataDir: (tag: string) => string, { group = 1, repeats = 3 } = {}): Promise<Ceiling> {
  const records = batches.reduce((n, b) => n + b.length, 0);
  const groups = Array.from({ length: Math.ceil(batches.length / group) }, (_, i) => batches.slice(i * group, i * group + group));
  return alternatingMedians(repeats, (variant, r) =>
    tradedAway(variant, async () => {
      const dir = dataDir(`${variant}${r}`);
      const { store, standards } = await openBenchStore(dir);
      let usPerRecord;
      try {
        const ingest = new IngestService({ store, standards, timeZone: 'UTC' });
        const write = async (requests: readonly (readonly unknown[])[]) =>
          kind === 'events' ? ingest.ingestMany(requests.map((items) => ({ items, sites: null }))) : Promise.all(requests.map((items) => ingest.ingestMilestones(items)));
        const started = performance.now();
        for (const requests of groups) {
          for (const out of await write(requests)) if (out.kind !== 'stored') throw new Error(`ingest refused a ceiling batch: ${JSON.stringify(out).slice(0, 300)}`);
        }
        usPerRecord = ((performance.now() - started) * 1000) / records;
      } finally {
        await store.close();
      }
      const links = chainLength(dir);
      if ((variant === 'noFsyncNoProof') !== (links === 0)) throw new Error(`the ${variant} ceiling left ${links} chain links`);
      return usPerRecord;
    }),
  );
}

/**
 * Each variant measured `repeats` times after one warm-up run of each (discarded), the variants alternating so that
 * the machine's drift falls on all of them alike; the median of each.
 */
async function alternatingMedians(repeats: number, run: (variant: Variant, round: number) => Promise<number>): Promise<Ceiling> {
  const runs: Record<Variant, number[]> = { shipped: [], noFsync: [], noFsyncNoProof: [] };
  for (let r = -1; r < repeats; r += 1) {
    for (const variant of Object.keys(runs) as Variant[]) {
      const us = await run(variant, r);
      if (r >= 0) runs[variant].push(us);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { shipped: median(runs.shipped), noFsync: median(runs.noFsync), noFsyncNoProof: median(runs.noFsyncNoProof) };
}

/** A fresh PostgreSQL database for one run of a ceiling variant: its URL, and how to drop it. */
export type BenchDatabase = () => Promise<{ url: string; drop(): Promise<void> }>;

/** Runs `f` on a connection of its own to `url` (the harness's `withClient`, lib/pgFixture.mjs). */
export type OnDatabase = <T>(url: string, f: (c: pg.Client) => Promise<T>) => Promise<T>;

/**
 * The PostgreSQL batch row's ceiling: the product's own ingest in process on a fresh database per run (no HTTP, live
 * push or open clocks), `connections` submitters posting `batches` in turn through the server's group commit, as the
 * case's connections do (so the node's work on one batch overlaps the database's on the other, as in the server).
 * Variants: as shipped; with `synchronous_commit = off` set on the database (no commit waits for its WAL flush); and
 * with that and the chain writer's links neither computed nor written. Events per second of wall time, medians of
 * `repeats` alternating runs after a warm-up; given as µs per event, as `ingestCeiling` gives them.
 */
export async function pgIngestCeiling(batches: readonly (readonly unknown[])[], database: BenchDatabase, onDatabase: OnDatabase, { connections = 2, repeats = 3 } = {}): Promise<Ceiling> {
  const records = batches.reduce((n, b) => n + b.length, 0);
  return alternatingMedians(repeats, async (variant) => {
    const db = await database();
    try {
      const us = await withoutPgProof(variant === 'noFsyncNoProof', async () => {
        if (variant !== 'shipped') {
          await onDatabase(db.url, async (c) => void (await c.query(`ALTER DATABASE "${new URL(db.url).pathname.slice(1)}" SET synchronous_commit = off`)));
          // Every session opened from now on, the store's included, commits without waiting for the WAL flush.
          const setting = await onDatabase(db.url, async (c) => (await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit);
          if (setting !== 'off') throw new Error(`synchronous_commit is ${setting} on the ceiling's database`);
        }
        const dir = mkdtempSync(join(tmpdir(), 'ringside-pg-ceiling-'));
        const { store, standards } = await openBenchStore(dir, db.url);
        try {
          const commit = groupCommit(new IngestService({ store, standards, timeZone: 'UTC' }));
          let next = 0;
          const submitter = async () => {
            for (let i = next++; i < batches.length; i = next++) {
              const out = await commit(batches[i]!);
              if (out.kind !== 'stored') throw new Error(`ingest refused a ceiling batch: ${JSON.stringify(out).slice(0, 300)}`);
            }
          };
          const started = performance.now();
          await Promise.all(Array.from({ length: connections }, submitter));
          return ((performance.now() - started) * 1000) / records;
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
      // Chained: a link for every event and judgement stored; without the proof, no link at all.
      const count = (sql: string) => onDatabase(db.url, async (c) => Number((await c.query(sql)).rows[0].n));
      const links = await count('SELECT COUNT(*) AS n FROM audit_chain');
      const recordLinks = await count("SELECT COUNT(*) AS n FROM audit_chain WHERE kind IN ('event', 'judgement')");
      if (variant === 'noFsyncNoProof' ? links !== 0 : recordLinks !== 2 * records) throw new Error(`the ${variant} ceiling on PostgreSQL left ${links} chain links (${recordLinks} of events and judgements, for ${records} events)`);
      return us;
    } finally {
      await db.drop();
    }
  });
}

/** Runs `f` with the PostgreSQL chain writer computing and writing no link (`off`), for a measurement only; put back after. */
async function withoutPgProof<T>(off: boolean, f: () => Promise<T>): Promise<T> {
  const proto = PgChainWriter.prototype as unknown as { appendTo: unknown };
  const appendTo = proto.appendTo;
  if (off) proto.appendTo = () => undefined;
  try {
    return await f();
  } finally {
    proto.appendTo = appendTo;
  }
}

function chainLength(dataDir: string): number {
  const db: Db = openSqliteFile(join(dataDir, 'ringside.db'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM audit_chain').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Where a one-site report's time goes: the rollup read behind the series and sums (as the report asks for it:
 * sums per standard × hour × version) vs the read behind the p90 companion (value histograms).
 */
export async function queryBreakdown(dataDir: string, site: string, fromMs: number, toMs: number, databaseUrl?: string): Promise<{ rollupMs: number; rollupRows: number; valuesMs: number; valueRows: number }> {
  const { store, standards } = await openBenchStore(dataDir, databaseUrl);
  try {
    const standardIds = standards.current().map((s) => s.id);
    const time = async <T>(f: () => Promise<T>): Promise<{ ms: number; out: T }> => {
      const runs = [];
      for (let i = 0; i < 3; i += 1) {
        const t = performance.now();
        const out = await f();
        runs.push({ ms: performance.now() - t, out });
      }
      return runs.sort((a, b) => a.ms - b.ms)[1]!;
    };
    const range = { standardIds, fromMs, toMs, sites: [site] };
    // The grain the report reads the range from (whole hours: the hour grain).
    const grain = splitRange(fromMs, toMs, [fromMs, toMs]).rollups[0]?.grain.name ?? 'quarter';
    const rollup = await time(() => store.reads.figures.rollupSums({ ...range, grain, shape: 'series', cellMs: 3_600_000 }));
    const values = await time(() => valueCounts(store.reads, range));
    return { rollupMs: rollup.ms, rollupRows: rollup.out.length, valuesMs: values.ms, valueRows: values.out.reduce((n, v) => n + v.n, 0) };
  } finally {
    await store.close();
  }
}
