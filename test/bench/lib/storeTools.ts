// In-process access to the server's store for the benchmark fixtures (bundled by test/bench/lib/build.mjs
// into test/bench/.build/storeTools.mjs, so the harness runs the server's own code, not a copy).
//
// Two ways of filling a database, both deterministic for a seed:
//  - ingestThroughStore: the product's ingest service in-process (validate → judge → one transaction per
//    batch, chain links and rollups written by the store). Used for the export fixture (it needs real chain links).
//  - generateBulk (bulkLoad.ts): one JavaScript pass writing events and judgements in seq order with the
//    secondary indexes dropped, rollups and value histograms summed in the same pass and written
//    at the end (equal to the engine's rebuildRollups()). No audit-chain links for the generated rows
//    (`verify` would report them) unless chainGenerated() below adds them. A sample of generated events is
//    re-prepared with the engine's prepareEvent() from their content and must agree column for column.
import { openStore } from '../../../server/src/store/store';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { createIngestService } from '../../../server/src/ingest/ingestService';
import { prepareEvent } from '../../../server/src/ingest/prepareEvent';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { createEngineQueries } from '../../../server/src/store/rollupQueries';
import type { EventInput } from '../../../server/src/protocol';
import { seededRandom } from '../../../server/src/demo/random';

/** The server's better-sqlite3 handle type (better-sqlite3 itself lives in server/node_modules). */
type Db = ReturnType<typeof openDatabase>;
import { CHAIN_KIND, digestOf, GENESIS_HASH, linkHash, recordOf, type ChainKind } from '../../../server/src/domain/chain';
import { CHAIN_TABLES } from '../../../server/src/store/sqlite/chain';

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
      out.push({ ...(id ? { id } : {}), type: 'call', site, occurredAt, outcome: rnd() < 0.05 ? 'abandoned' : 'answered', rings: 1 + Math.floor(rnd() * 4), queue: `q${Math.floor(rnd() * 3)}`, agent: `a${Math.floor(rnd() * 10)}` } as EventInput);
    } else {
      out.push({ ...(id ? { id } : {}), type: 'visit', site, occurredAt, outcome: rnd() < 0.05 ? 'left' : 'greeted', greetSeconds: Math.floor(rnd() * 60), agent: `a${Math.floor(rnd() * 10)}` } as EventInput);
    }
  }
  return out;
}

/** Writes `count` events through the product's ingest service, `batch` at a time. Returns events/s. */
export function ingestThroughStore(opts: GenerateOptions & { batch?: number }): { events: number; ms: number } {
  const store = openStore({ dataDir: opts.dataDir, defaultStandards: DEFAULT_STANDARDS, timeZone: 'UTC' });
  const ingest = createIngestService({ store, timeZone: 'UTC' });
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
      const out = ingest.ingest(inputs);
      if (out.kind !== 'stored') throw new Error(`ingest refused the generated batch: ${JSON.stringify(out).slice(0, 500)}`);
      done += n;
    }
  } finally {
    store.close();
  }
  return { events: done, ms: performance.now() - started };
}

export { openDatabase, openStore, createIngestService, DEFAULT_STANDARDS, createEngineQueries };

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
 * Where a stored event's time goes (issue #7): batches of 1000 generated events written by the product's batch
 * writer (`store.writeBatch`: inserts, the audit-chain links and rollup rows it writes itself, the value-histogram
 * triggers of migration 6, one transaction with its fsync per batch), then the same without the histogram
 * triggers; plus the whole in-process ingest (validation, judging, writing) for comparison.
 * Microseconds per stored event (with its judgement and links), medians of 3 runs of `rows` each.
 */
export function insertCostBreakdown(dataDir: string, rows = 5000): Record<string, number> {
  const store = openStore({ dataDir, defaultStandards: DEFAULT_STANDARDS, timeZone: 'UTC' });
  const ingest = createIngestService({ store, timeZone: 'UTC' });
  // Schema changes go through a second connection; the store's statements re-prepare on their next run.
  const ddl: Db = openDatabase(dataDir);
  const toMs = Date.now();
  let run = 0;
  const inputs = () => makeInputs(rows, { sites: 20, fromMs: toMs - 3_600_000, toMs, seed: 7 + run, idPrefix: `cost-${run++}-` });
  const batches = <T>(xs: T[]): T[][] => Array.from({ length: Math.ceil(xs.length / 1000) }, (_, i) => xs.slice(i * 1000, i * 1000 + 1000));
  const prepare = (xs: EventInput[]) =>
    xs.map((input) =>
      prepareEvent(input, {
        standardsAt: (ms) => store.standards.inForceAt(ms),
        site: store.sites.get(input.site) ?? store.sites.defaults(input.site),
        receivedAtMs: Date.now(),
      }),
    );
  const median = (f: () => number) => [f(), f(), f()].sort((a, b) => a - b)[1]!;
  const timed = (f: () => void) => {
    const t = performance.now();
    f();
    return ((performance.now() - t) / rows) * 1000;
  };
  const writer = () => {
    const prepared = batches(prepare(inputs()));
    return timed(() => prepared.forEach((b) => store.writeBatch(b)));
  };
  const triggers = (like: string) => ddl.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'judgements' AND name LIKE ?").all(like) as Array<{ name: string; sql: string }>;
  const dropped: Array<{ name: string; sql: string }> = [];
  const drop = (like: string) => {
    for (const t of triggers(like)) {
      ddl.exec(`DROP TRIGGER ${t.name}`);
      dropped.push(t);
    }
  };
  try {
    const out: Record<string, number> = {};
    out['whole ingest in process (validate, judge, write)'] = median(() => {
      const xs = batches(inputs());
      return timed(() => xs.forEach((b) => ingest.ingest(b)));
    });
    out['writer (product: chain links and rollups in JavaScript, histogram triggers)'] = median(writer);
    drop('value_hist_%_on_judgement');
    out['writer without the value-histogram triggers'] = median(writer);
    return out;
  } finally {
    for (const t of dropped) ddl.exec(t.sql);
    ddl.close();
    store.close();
  }
}

/**
 * Where a one-site report's time goes: the rollup read behind the series and sums (as the report asks for it:
 * sums per standard × hour × version) vs the read behind the p90 companion (value histograms, issue #7).
 */
export function queryBreakdown(dataDir: string, site: string, fromMs: number, toMs: number): { rollupMs: number; rollupRows: number; valuesMs: number; valueRows: number } {
  const store = openStore({ dataDir, defaultStandards: DEFAULT_STANDARDS, timeZone: 'UTC' });
  try {
    const standardIds = store.standards.current().map((s) => s.id);
    const time = <T>(f: () => T): { ms: number; out: T } => {
      const runs = [0, 1, 2].map(() => {
        const t = performance.now();
        const out = f();
        return { ms: performance.now() - t, out };
      });
      return runs.sort((a, b) => a.ms - b.ms)[1]!;
    };
    const rollup = time(() => store.engine.aggregate({ standardIds, fromMs, toMs, site, source: 'rollup_15m', shape: 'series', cellMs: 3_600_000 }));
    const values = time(() => store.engine.values({ standardIds, fromMs, toMs, site }));
    return { rollupMs: rollup.ms, rollupRows: rollup.out.length, valuesMs: values.ms, valueRows: values.out.reduce((n, v) => n + (v as { n: number }).n, 0) };
  } finally {
    store.close();
  }
}
