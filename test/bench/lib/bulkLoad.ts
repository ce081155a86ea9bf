// The query case's fixture (data generation is part of the suite: a deterministic seed, and fast):
// N events with their judgements, rollups and value histograms, as the product's batch writer would have stored
// them, minus the audit-chain links (chainGenerated in storeTools.ts adds those, exactly as migration 5 chains
// rows that predate it, for the fixtures that need them).
//
// One pass in JavaScript: each event and its judgement are computed once (a cheap PRNG, strings built directly),
// inserted in seq order by multi-row INSERTs, and their rollup and histogram contributions are summed into typed
// arrays indexed by (standard, site, bucket[, value]); the rollup and histogram rows are inserted at the end, in
// primary-key order. Each judgement's part is the engine's own (domain/rollups.ts contribution and
// valueContribution); the typed arrays only add it up. During the load the secondary indexes (and any trigger
// on events and judgements) are dropped, and the journal is off (a fixture: nothing to recover); they are
// recreated from their stored SQL and the file is put back in
// WAL afterwards. test/integration/bench/benchGenerator.test.ts checks the rollups and histograms against the engine's
// rebuildRollups(), the chain (after chainGenerated) against the verifier, and determinism.
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { storeBackend } from '../../../server/src/storeBackend';
import { StandardsService } from '../../../server/src/services/standards';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import type { EventInput } from '../../../server/src/protocol';
import { seededRandom } from '../../../server/src/demo/random';
import { contribution, ROLLUP_GRAINS, valueContribution, type JudgementFacts, type Sums } from '../../../server/src/domain/rollups';
import { ROLLUP_TABLE } from '../../../server/src/store/sqlite/rollups';

type Db = ReturnType<typeof openDatabase>;

export interface GenerateOptions {
  dataDir: string;
  events: number;
  sites: number;
  fromMs: number;
  toMs: number;
  seed: number;
}

export const siteName = (i: number): string => `site-${String(i).padStart(2, '0')}`;

const CALL = 'call-answer-2-rings';
const VISIT = 'visit-greet-30s';
/** Standard index s: 0 = call, 1 = visit (the ids' sort order, the rollups' key order). */
const STANDARDS = [CALL, VISIT] as const;
/** Values are whole numbers in [0, VALUES): rings 1–4, greet seconds 0–59. */
const VALUES = 64;
const ROWS_PER_INSERT = 50;
const EVENTS_PER_TRANSACTION = 1_000_000;
const QUARTER = 900_000;
const DAY = 86_400_000;

const EVENT_COLUMNS = 'seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content';
const JUDGEMENT_COLUMNS = 'event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason';
const ROLLUP_COLUMNS = 'standard_id, bucket_ms, site, standard_version, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max';
const HIST_COLUMNS = 'site, standard_id, bucket_ms, standard_version, value, n, met';

/**
 * Multi-row INSERT statements, one per row count (full chunks share one). `row` is one row's VALUES tuple, with
 * `width` anonymous parameters: low-cardinality text columns are chosen in SQL from a small integer (CASE), which
 * costs SQLite less than binding the same text from JavaScript (measured: ~0.6 µs per event).
 */
function inserter(run: (sql: string, params: unknown[]) => void, table: string, columns: string, row: string) {
  const width = row.split('?').length - 1;
  const sqls = new Map<number, string>();
  let params: unknown[] = [];
  const send = () => {
    const rows = params.length / width;
    let sql = sqls.get(rows);
    if (!sql) sqls.set(rows, (sql = `INSERT INTO ${table} (${columns}) VALUES ${Array(rows).fill(row).join(',')}`));
    run(sql, params);
    params = [];
  };
  return {
    push(...values: unknown[]) {
      for (const v of values) params.push(v);
      if (params.length === width * ROWS_PER_INSERT) send();
    },
    flush() {
      if (params.length > 0) send();
    },
  };
}

/** Runs statements on a connection of this thread (statements cached by their text). */
function localRunner(db: Db): (sql: string, params: unknown[]) => void {
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  return (sql, params) => {
    let stmt = cache.get(sql);
    if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
    stmt.run(params);
  };
}

const plain = (columns: string) => `(${columns.split(',').map(() => '?').join(',')})`;
const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** CASE ? WHEN 0 THEN texts[0] … END (NULL for any other parameter value). */
const pick = (texts: readonly string[]) => `CASE ? ${texts.map((t, i) => `WHEN ${i} THEN ${sqlText(t)}`).join(' ')} END`;
/** Outcome codes: call answered, call abandoned, visit greeted, visit left. */
const OUTCOMES = ['answered', 'abandoned', 'greeted', 'left'] as const;
const AGENTS = Array.from({ length: 10 }, (_, i) => `a${i}`);
const QUEUES = ['q0', 'q1', 'q2'];

/** Rollup sums of one grain, per (standard, site, bucket): domain `fold` over typed arrays (−Infinity: no wait). */
class RollupGrid {
  readonly judged: Int32Array;
  readonly counted: Int32Array;
  readonly met: Int32Array;
  readonly considered: Int32Array;
  readonly abandoned: Int32Array;
  readonly valueN: Int32Array;
  readonly valueSum: Float64Array;
  readonly waitMax: Float64Array; // -Infinity: NULL
  constructor(
    readonly grainMs: number,
    readonly firstBucket: number,
    readonly buckets: number,
    readonly sites: number,
  ) {
    const n = STANDARDS.length * sites * buckets;
    this.judged = new Int32Array(n);
    this.counted = new Int32Array(n);
    this.met = new Int32Array(n);
    this.considered = new Int32Array(n);
    this.abandoned = new Int32Array(n);
    this.valueN = new Int32Array(n);
    this.valueSum = new Float64Array(n);
    this.waitMax = new Float64Array(n).fill(-Infinity);
  }
  index(s: number, site: number, ms: number): number {
    return (s * this.sites + site) * this.buckets + Math.floor((ms - this.firstBucket) / this.grainMs);
  }
  add(k: number, c: Sums): void {
    this.judged[k]! += c.judged;
    this.counted[k]! += c.counted;
    this.met[k]! += c.met;
    this.considered[k]! += c.considered;
    this.abandoned[k]! += c.abandoned;
    this.valueN[k]! += c.valueN;
    this.valueSum[k]! += c.valueSum;
    if (c.waitMax !== null && c.waitMax > this.waitMax[k]!) this.waitMax[k] = c.waitMax;
  }
}

/** Histogram counts of one grain, per (site, standard, bucket, value). */
class HistGrid {
  readonly n: Int32Array;
  readonly met: Int32Array;
  constructor(
    readonly grainMs: number,
    readonly firstBucket: number,
    readonly buckets: number,
    sites: number,
  ) {
    this.n = new Int32Array(sites * STANDARDS.length * buckets * VALUES);
    this.met = new Int32Array(this.n.length);
  }
  index(site: number, s: number, ms: number, value: number): number {
    return ((site * STANDARDS.length + s) * this.buckets + Math.floor((ms - this.firstBucket) / this.grainMs)) * VALUES + value;
  }
}

const grid = <T>(make: (grainMs: number, first: number, buckets: number) => T, grainMs: number, o: GenerateOptions): T => {
  const first = Math.floor(o.fromMs / grainMs) * grainMs;
  return make(grainMs, first, Math.floor((o.toMs - first) / grainMs) + 1);
};

/** Triggers on events/judgements and their secondary indexes: dropped for the load, recreated from their SQL. */
function dropForLoad(db: Db): Array<{ name: string; sql: string; type: string }> {
  const objects = db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('events', 'judgements') AND sql IS NOT NULL
              AND (type = 'index' OR (type = 'trigger' AND sql LIKE '%AFTER INSERT%')) ORDER BY rowid`)
    .all() as Array<{ name: string; sql: string; type: string }>;
  for (const o of objects) db.exec(`DROP ${o.type.toUpperCase()} ${o.name}`);
  return objects;
}

/** JS bulk load (see the top of the file). Returns timings in ms. */
export async function generateBulk(opts: GenerateOptions): Promise<{ insertMs: number; rollupMs: number; indexMs: number; checkMs: number; checked: number }> {
  if (opts.sites > 100 || opts.events < 1 || opts.toMs <= opts.fromMs) throw new Error('generateBulk: 1..100 sites, ≥ 1 event, a non-empty range');
  // Migrations, default standards and the sites (created as the ingest path would: UTC, 6 s, 24/7).
  const store = await storeBackend.open({ dataDir: opts.dataDir });
  const standards = await StandardsService.open(store, DEFAULT_STANDARDS, Date.now);
  const versions = new Map(standards.current().map((s) => [s.id, s.version]));
  await store.close();
  const version = STANDARDS.map((id) => versions.get(id) ?? 1);
  const db: Db = openDatabase(opts.dataDir);
  try {
    if ((db.prepare('SELECT COUNT(*) AS n FROM (SELECT 1 FROM events LIMIT 1)').get() as { n: number }).n > 0) throw new Error('generateBulk needs an empty database');
    db.pragma('journal_mode = OFF'); // a fixture: the load need not survive a crash
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -200000');
    db.pragma('temp_store = MEMORY');
    db.pragma('threads = 2'); // sorter threads for the index builds
    db.pragma('foreign_keys = OFF'); // rows are consistent by construction (sites and standards exist)
    const t0 = performance.now();
    const ensureSite = db.prepare(`INSERT OR IGNORE INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES (?, 'UTC', 6, ?)`);
    db.transaction(() => {
      for (let s = 0; s < opts.sites; s++) ensureSite.run(siteName(s), opts.fromMs);
    })();
    const dropped = dropForLoad(db);
    const firstSeq = (((db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined)?.seq) ?? 0) + 1;
    const rollups = ROLLUP_GRAINS.map((grain) => grid((g, f, b) => new RollupGrid(g, f, b, opts.sites), grain.ms, opts));
    const hists = [grid((g, f, b) => new HistGrid(g, f, b, opts.sites), DAY, opts), grid((g, f, b) => new HistGrid(g, f, b, opts.sites), QUARTER, opts)];
    loadRows(db, opts, firstSeq, version, rollups, hists);
    const insertMs = performance.now() - t0;
    const t1 = performance.now();
    db.transaction(() => writeAggregates(db, opts, version, rollups, hists))();
    const rollupMs = performance.now() - t1;
    const t2 = performance.now();
    // With a small cache SQLite's sorter works in runs merged by its threads: the index builds took 0.8 s instead of
    // 2.1 s at 2 M events with the 200 MB cache of the load (no measurable difference at 10 M).
    db.pragma('cache_size = -2000');
    for (const o of dropped) db.exec(o.sql);
    db.pragma('journal_mode = WAL'); // as openDatabase leaves it
    const indexMs = performance.now() - t2;
    const t3 = performance.now();
    const checked = checkSample(db, opts, firstSeq);
    return { insertMs, rollupMs, indexMs, checkMs: performance.now() - t3, checked };
  } finally {
    db.close();
  }
}

/** Events and judgements in seq order, and their contributions to the grids. */
function loadRows(db: Db, o: GenerateOptions, firstSeq: number, version: number[], rollups: RollupGrid[], hists: HistGrid[]): void {
  const sites = Array.from({ length: o.sites }, (_, i) => siteName(i));
  // Parameters: seq, id, type (0 call, 1 visit), site index, ms, occurred_at, ms, outcome code, rings, answer
  // seconds, greet seconds, queue index or null, agent index, type again (derived), content.
  const run = localRunner(db);
  const events = inserter(run, 'events', EVENT_COLUMNS,
    `(?, ?, ${pick(['call', 'visit'])}, ${pick(sites)}, ?, ?, ? + 1000, ${pick(OUTCOMES)}, ?, ?, ?, ${pick(QUEUES)}, ${pick(AGENTS)}, ${pick(['["answerSeconds"]', '[]'])}, ?)`);
  // Parameters: seq, standard index ×4 (id, version, measure, threshold), value, met, outcome code (reason).
  const judgements = inserter(run, 'judgements', JUDGEMENT_COLUMNS,
    `(?, ${pick(STANDARDS)}, CASE ? WHEN 0 THEN ${version[0]} ELSE ${version[1]} END, ${pick(['rings', 'greetSeconds'])}, ?, CASE ? WHEN 0 THEN 2 ELSE 30 END, ?, 1, ${pick(['', 'abandoned', '', 'left'])})`);
  const rnd = seededRandom(o.seed);
  const span = o.toMs - o.fromMs;
  const idPrefix = `g${o.seed}-`;
  for (let start = 0; start < o.events; start += EVENTS_PER_TRANSACTION) {
    db.transaction(() => {
      const end = Math.min(o.events, start + EVENTS_PER_TRANSACTION);
      for (let i = start; i < end; i++) {
        const seq = firstSeq + i;
        const ms = Math.floor(o.fromMs + (span * i) / o.events);
        const siteIndex = Math.floor(rnd() * o.sites);
        const site = sites[siteIndex]!;
        const occurredAt = new Date(ms).toISOString();
        const id = idPrefix + String(i).padStart(9, '0');
        const agent = Math.floor(rnd() * 10);
        const isCall = rnd() < 0.7;
        const gone = rnd() < 0.05; // abandoned / left: counted, missed
        const value = isCall ? 1 + Math.floor(rnd() * 4) : Math.floor(rnd() * 60);
        const met = !gone && value <= (isCall ? 2 : 30) ? 1 : 0;
        const s = isCall ? 0 : 1;
        const outcome = s * 2 + (gone ? 1 : 0);
        let wait: number;
        if (isCall) {
          const queue = Math.floor(rnd() * 3);
          wait = (value - 1) * 6; // secondsAtStartOfRing at the default 6 s ring cycle
          events.push(seq, id, 0, siteIndex, ms, occurredAt, ms, outcome, value, wait, null, queue, agent, 0,
            `{"agent":"a${agent}","id":"${id}","occurredAt":"${occurredAt}","outcome":"${OUTCOMES[outcome]}","queue":"q${queue}","rings":${value},"site":"${site}","type":"call"}`);
        } else {
          wait = value;
          events.push(seq, id, 1, siteIndex, ms, occurredAt, ms, outcome, null, null, value, null, agent, 1,
            `{"agent":"a${agent}","greetSeconds":${value},"id":"${id}","occurredAt":"${occurredAt}","outcome":"${OUTCOMES[outcome]}","site":"${site}","type":"visit"}`);
        }
        judgements.push(seq, s, s, s, value, s, met, gone ? outcome : null);
        const facts: JudgementFacts = {
          type: isCall ? 'call' : 'visit',
          outcome: OUTCOMES[outcome]!,
          answerSeconds: isCall ? wait : null,
          greetSeconds: isCall ? null : value,
          value,
          met,
          counted: 1,
          reason: gone ? OUTCOMES[outcome]! : null,
        };
        const c = contribution(facts);
        for (const r of rollups) r.add(r.index(s, siteIndex, ms), c);
        const v = valueContribution(facts);
        if (v) {
          for (const h of hists) {
            const k = h.index(siteIndex, s, ms, v.value);
            h.n[k]! += v.n;
            h.met[k]! += v.met;
          }
        }
      }
      events.flush();
      judgements.flush();
    })();
  }
}

/** The rollup and histogram rows, in primary-key order. */
function writeAggregates(db: Db, o: GenerateOptions, version: number[], rollups: RollupGrid[], hists: HistGrid[]): void {
  const run = localRunner(db);
  for (const [i, grain] of ROLLUP_GRAINS.entries()) {
    const r = rollups[i]!;
    const rows = inserter(run, ROLLUP_TABLE[grain.name], ROLLUP_COLUMNS, plain(ROLLUP_COLUMNS));
    for (let s = 0; s < STANDARDS.length; s++) {
      for (let b = 0; b < r.buckets; b++) {
        for (let site = 0; site < o.sites; site++) {
          const k = (s * o.sites + site) * r.buckets + b;
          if (r.judged[k] === 0) continue;
          const wait = r.waitMax[k]!;
          rows.push(STANDARDS[s], r.firstBucket + b * r.grainMs, siteName(site), version[s], r.judged[k], r.counted[k], r.met[k], r.considered[k], r.abandoned[k], r.valueN[k], r.valueSum[k], wait === -Infinity ? null : wait);
        }
      }
    }
    rows.flush();
  }
  for (const [table, h] of [['value_hist_day', hists[0]!], ['value_hist_15m', hists[1]!]] as const) {
    const rows = inserter(run, table, HIST_COLUMNS, plain(HIST_COLUMNS));
    for (let site = 0; site < o.sites; site++) {
      for (let s = 0; s < STANDARDS.length; s++) {
        for (let b = 0; b < h.buckets; b++) {
          const base = ((site * STANDARDS.length + s) * h.buckets + b) * VALUES;
          for (let v = 0; v < VALUES; v++) {
            if (h.n[base + v] === 0) continue;
            rows.push(siteName(site), STANDARDS[s], h.firstBucket + b * h.grainMs, version[s], v, h.n[base + v], h.met[base + v]);
          }
        }
      }
    }
    rows.flush();
  }
}

/**
 * Re-prepares a sample of the generated events with the engine's prepareEvent() (from their stored content, i.e.
 * what a client posted) and compares every stored column of the event and its judgements; throws on a difference.
 */
function checkSample(db: Db, o: GenerateOptions, firstSeq: number): number {
  const standards = { standards: DEFAULT_STANDARDS };
  const read = db.prepare(`SELECT e.*, j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason
                            FROM events e JOIN judgements j ON j.event_seq = e.seq WHERE e.seq = ?`);
  const step = Math.max(1, Math.floor(o.events / 2000));
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < o.events && rows.length < 2000; i += step) rows.push(...(read.all(firstSeq + i) as Array<Record<string, unknown>>));
  for (const r of rows) {
    const input = JSON.parse(String(r.content)) as EventInput;
    const p = prepareEvent(input, {
      standardsAt: () => standards.standards,
      site: { id: input.site, name: input.site, timeZone: 'UTC', ringCycleSeconds: 6, hours: null, holidays: [], autoCreated: true },
      receivedAtMs: Number(r.received_at_ms),
    });
    const [j] = p.judgements;
    const e = p.event;
    const same =
      p.judgements.length === 1 && j && j.standardId === r.standard_id && j.standardVersion === r.standard_version && j.measure === r.measure &&
      j.value === r.value && j.threshold === r.threshold && (j.met ? 1 : 0) === r.met && (j.counted === false ? 0 : 1) === r.counted && (j.reason ?? null) === r.reason &&
      e.id === r.id && e.type === r.type && e.site === r.site && e.occurredAt === r.occurred_at && p.occurredAtMs === r.occurred_at_ms && e.outcome === r.outcome &&
      e.rings === r.rings && e.answerSeconds === r.answer_seconds && e.greetSeconds === r.greet_seconds && e.queue === r.queue && e.agent === r.agent &&
      JSON.stringify(e.derived) === r.derived && p.content === r.content;
    if (!same) throw new Error(`generated event ${String(r.seq)} differs from what the engine makes of its content: ${JSON.stringify({ engine: p, stored: r })}`);
  }
  return rows.length;
}
