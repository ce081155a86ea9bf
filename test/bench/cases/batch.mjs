// Batch ingest: autocannon POSTs of {"events": [1000]} (events/s stored and judged, counted in the database
// afterwards) vs a raw better-sqlite3 prepared-insert loop of the same rows (events + judgements, same
// columns and indexes, no triggers) in one transaction, with the same durability settings (WAL, FULL).
import { hash } from 'node:crypto';
import { join } from 'node:path';
import { AUTH, batchBody, cpuMs, fmt, removeDataDir, removeDir, startRingside, tempDir } from '../lib/common.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { countStored, Database } from '../lib/db.mjs';
import { loadStoreTools } from '../lib/build.mjs';
import { ceilingDetail, ceilingVerdict, measureCeiling } from '../lib/ceiling.mjs';
import { cpuBudget } from '../lib/cpuBudget.mjs';

const BATCH = 1000;
/** The target: at least this share of the raw loop's rate, and at least this many events a second. */
const TARGET = { ofRaw: 0.5, eventsPerSecond: 50_000 };
/** What an event costs the product beyond durability and proof (the ceiling's remainder). */
const LEFT_WORK = 'validation, judging, the event and judgement rows with the indexes that reports and exports read, the rollup and value-histogram cells, and the answer per event (its JSON and the HTTP exchange come on top)';
const meetsTarget = (eventsPerSecond, rawPerSecond) => eventsPerSecond / rawPerSecond >= TARGET.ofRaw && eventsPerSecond >= TARGET.eventsPerSecond;

export async function run({ quick, log, profile }) {
  const duration = quick ? 2 : 10;
  const connections = 2;
  const body = JSON.stringify(batchBody(BATCH, 1));
  const dir = tempDir('batch');
  let mine, stored, warm, warmErrors;
  try {
    const server = await startRingside(dir, { profile });
    try {
      const w = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections, duration: 1 }));
      warm = w.ok * BATCH;
      warmErrors = w.errors;
      const cpu = cpuMs(server.pid);
      const load = process.cpuUsage();
      mine = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections, duration }));
      const loadUsed = process.cpuUsage(load);
      mine.cpuUsPerEvent = ((cpuMs(server.pid) - cpu) * 1000) / (mine.ok * BATCH);
      mine.loadCpuUsPerEvent = (loadUsed.user + loadUsed.system) / (mine.ok * BATCH);
    } finally {
      await server.stop();
    }
    stored = countStored(dir);
  } finally {
    removeDataDir(dir, { profile, log });
  }
  const eventsPerSecond = mine.rps * BATCH;
  // Stored and judged: every acknowledged event must be in the database with its judgement (batches still in
  // flight when autocannon stopped counting, or that it gave up waiting for, were stored too, so the database may
  // hold a few batches more).
  const acknowledged = warm + mine.ok * BATCH;
  const breakdown = await costBreakdown();
  const rawEvents = JSON.parse(body).events;
  const rawRowCount = quick ? 20_000 : 200_000;
  const base = rawInsert(rawEvents, rawRowCount);
  const floor = durableFloor(rawEvents, rawRowCount, connections);
  const ceiling = await measureCeiling('events', Array.from({ length: quick ? 4 : 10 }, () => rawEvents), { group: connections });
  const ceilingTerms = { unit: 'event', rawPerSecond: base.eventsPerSecond, meets: (rate) => meetsTarget(rate, base.eventsPerSecond), leftWork: LEFT_WORK, group: connections };
  const ofRaw = (x) => `${fmt(x.eventsPerSecond)} events/s = ${(x.eventsPerSecond / base.eventsPerSecond).toFixed(2)} × raw`;
  log(`batch: ringside ${JSON.stringify(mine)} stored ${JSON.stringify(stored)} acknowledged ${acknowledged}; raw ${JSON.stringify(base)}; floor ${JSON.stringify(floor)}`);
  const ratio = eventsPerSecond / base.eventsPerSecond;
  const complete = stored.events >= acknowledged && stored.judgements === stored.events && stored.events - acknowledged <= (2 * connections + mine.errors + warmErrors) * BATCH;
  if (!complete) throw new Error(`batch: ${stored.events} events and ${stored.judgements} judgements stored, ${acknowledged} acknowledged`);
  const met = meetsTarget(eventsPerSecond, base.eventsPerSecond) && complete;
  const budget = cpuBudget({
    unit: 'event',
    rate: Math.max(TARGET.ofRaw * base.eventsPerSecond, TARGET.eventsPerSecond),
    parts: [
      { what: 'the server', us: mine.cpuUsPerEvent },
      { what: 'the load generator', us: mine.loadCpuUsPerEvent },
    ],
    threadUs: mine.cpuUsPerEvent,
  });
  return {
    title: 'Batch ingest',
    how: `autocannon, ${connections} connections, ${duration} s after a 1 s warm-up, each POST a batch of ${BATCH} events (70 % calls, 30 % visits, 20 sites, spread over the last hour). Events/s = acknowledged batches × ${BATCH} / s; afterwards the database is opened and every acknowledged event must be there with its judgement. Baseline: a raw better-sqlite3 loop inserting the same rows (event + judgement per event, the events/judgements columns and indexes of migration 1, no triggers, no rollups, no audit chain) with prepared statements in one transaction, WAL + synchronous FULL like the product.`,
    details: [
      `Ringside: ${fmt(mine.rps, 1)} batches/s = ${fmt(eventsPerSecond)} events/s, p50 ${mine.p50} ms, p99 ${mine.p99} ms per batch, ${mine.errors} errors; database afterwards: ${fmt(stored.events)} events, ${fmt(stored.judgements)} judgements, ${fmt(stored.chain)} audit-chain links (acknowledged: ${fmt(acknowledged)}).`,
      `Raw insert loop: ${fmt(base.rows)} events + judgements in ${fmt(base.ms)} ms = ${fmt(base.eventsPerSecond)} events/s.`,
      `The floor with durability and proof (\`durableFloor\` in test/bench/cases/batch.mjs; the same loop, rows and file settings, nothing of the product): committed and fsynced per POST of ${BATCH} events, as an acknowledged batch must be, ${ofRaw(floor.perPostNoProof)}; with the least a per-record proof costs added (each record hashed once as an RFC 6962 leaf, a Merkle tree and one tree-head row per commit) ${ofRaw(floor.perPost)}; the same committed once per ${connections} POSTs (the most ${connections} connections can have in flight for one group commit) ${ofRaw(floor.perGroup)}.`,
      `Per stored event in process (µs, an event + its judgement + their two chain links, batches of 1000, one transaction and fsync each; \`insertCostBreakdown\` in test/bench/lib/storeTools.ts): ${Object.entries(breakdown).map(([k, v]) => `${k}: ${fmt(v, 1)}`).join('; ')}.`,
      ceilingDetail(ceiling, ceilingTerms),
      budget.text,
    ],
    rows: [
      {
        what: 'batch ingest',
        measured: `${fmt(eventsPerSecond)} events/s stored and judged (server CPU ${fmt(mine.cpuUsPerEvent, 1)} µs each)`,
        baseline: `raw prepared inserts, 1 transaction: ${fmt(base.eventsPerSecond)} events/s`,
        ratio: `${ratio.toFixed(2)} ×`,
        target: `≥ ${TARGET.ofRaw} × raw and ≥ ${fmt(TARGET.eventsPerSecond)} events/s`,
        verdict: met ? 'met' : 'missed',
        ...(met
          ? {}
          : { why: [floorVerdict(floor, base), ceilingVerdict(ceiling, ceilingTerms) ?? `Beyond that floor each stored event costs (per-event breakdown above) its rollup and value-histogram cells, two audit-chain link rows, validation, judging, the live push and a response listing every stored record.`, budget.verdict, 'Profile: test/bench/NOTES.md (batch ingest).'].filter(Boolean).join(' ') }),
        raw: { mine, base, floor, stored, acknowledged, breakdown, ceiling, budget },
      },
    ],
  };
}

/** What the floor says of the target, in this run's figures. */
function floorVerdict(floor, base) {
  // Either way of committing keeps both guarantees; the better of the two in this run bounds every design.
  const best = Math.max(floor.perPost.eventsPerSecond, floor.perGroup.eventsPerSecond);
  const ratio = best / base.eventsPerSecond;
  if (!meetsTarget(best, base.eventsPerSecond)) {
    return `No ingest that keeps durability and a per-record proof can meet it here: the floor alone, rows and proof and nothing else, reaches ${fmt(best)} events/s = ${ratio.toFixed(2)} × raw at best. The raw loop writes each index page once in one transaction; a commit per POST writes every page the POST's rows touched (this case's batches each span the same last hour, so most leaves of the time indexes), and the fsync waits for them.`;
  }
  return `The floor with durability and proof (${fmt(best)} events/s, ${ratio.toFixed(2)} × raw at best) leaves room in this run; what the product adds above it is in the breakdown.`;
}

/** The raw loops' database: WAL + synchronous FULL like the product, the events/judgements columns and indexes of migration 1, no triggers. */
export function rawSchema(db) {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, site TEXT NOT NULL,
      occurred_at_ms INTEGER NOT NULL, occurred_at TEXT NOT NULL, received_at_ms INTEGER NOT NULL, outcome TEXT NOT NULL,
      rings INTEGER, answer_seconds REAL, greet_seconds REAL, queue TEXT, agent TEXT, derived TEXT NOT NULL DEFAULT '[]', content TEXT NOT NULL);
    CREATE INDEX events_by_time ON events (occurred_at_ms);
    CREATE INDEX events_by_site_time ON events (site, occurred_at_ms);
    CREATE TABLE judgements (event_seq INTEGER NOT NULL, standard_id TEXT NOT NULL, standard_version INTEGER NOT NULL, measure TEXT NOT NULL,
      value REAL, threshold REAL NOT NULL, met INTEGER NOT NULL, reason TEXT, counted INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (event_seq, standard_id));
    CREATE INDEX judgements_by_standard ON judgements (standard_id, event_seq);
    CREATE INDEX judgements_by_standard_version ON judgements (standard_id, standard_version);`);
}

/** Row values prepared up front (what the product derives per event is the product's cost, not the limit's). */
function rawRows(events) {
  return events.map((e) => {
    const call = e.type === 'call';
    const value = call ? e.rings : e.greetSeconds;
    const threshold = call ? 2 : 30;
    const ok = e.outcome === 'answered' || e.outcome === 'greeted';
    return {
      ev: [e.type, e.site, Date.parse(e.occurredAt), e.occurredAt, Date.now(), e.outcome, call ? e.rings : null, call ? (e.rings - 1) * 6 : null, call ? null : e.greetSeconds, e.queue ?? null, e.agent ?? null, call ? '["answerSeconds"]' : '[]', JSON.stringify(e)],
      j: [call ? 'call-answer-2-rings' : 'visit-greet-30s', call ? 'rings' : 'greetSeconds', value, threshold, ok && value <= threshold ? 1 : 0, ok ? null : call ? 'abandoned' : 'left'],
    };
  });
}

const LEAF_PREFIX = '\u0000';
const NODE_PREFIX = Buffer.from([1]);

/** RFC 6962's leaf hash of a record's values: SHA-256(0x00 ‖ their JSON). */
export function leafHash(values) {
  return hash('sha256', LEAF_PREFIX + JSON.stringify(values), 'buffer');
}

/** RFC 6962's tree hash over leaf hashes (interior node = SHA-256(0x01 ‖ left ‖ right)). */
export function treeHead(leaves) {
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? hash('sha256', Buffer.concat([NODE_PREFIX, level[i], level[i + 1]]), 'buffer') : level[i]);
    level = next;
  }
  return level[0];
}

/**
 * The raw loop: prepared INSERTs of events and their judgements, no triggers. `perCommit` rows per transaction
 * (the baseline: all of them in one); with `proof`, the least any per-record proof costs on top: each record's
 * values hashed once as an RFC 6962 leaf (SHA-256 of 0x00 ‖ its JSON), the commit's Merkle tree over them, and one
 * tree-head row per commit (what a proof per batch would store instead of a link per record).
 */
export function rawInsert(events, rows, { perCommit = rows, proof = false } = {}) {
  const dir = tempDir('raw');
  const db = new Database(join(dir, 'raw.db'));
  try {
    rawSchema(db);
    db.exec('CREATE TABLE tree_heads (size INTEGER PRIMARY KEY, root BLOB NOT NULL)');
    const insertEvent = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertJudgement = db.prepare('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason) VALUES (?, ?, 1, ?, ?, ?, ?, 1, ?)');
    const insertHead = db.prepare('INSERT INTO tree_heads (size, root) VALUES (?, ?)');
    const prepared = rawRows(events);
    const commit = db.transaction((from, to) => {
      const leaves = [];
      for (let i = from; i < to; i++) {
        const p = prepared[i % prepared.length];
        const id = `raw-${i}`;
        const seq = insertEvent.run(id, ...p.ev).lastInsertRowid;
        insertJudgement.run(seq, ...p.j);
        if (proof) leaves.push(leafHash([seq, id, ...p.ev]), leafHash([seq, ...p.j]));
      }
      if (proof) insertHead.run(to * 2, treeHead(leaves));
    });
    const started = performance.now();
    for (let from = 0; from < rows; from += perCommit) commit(from, Math.min(rows, from + perCommit));
    const ms = performance.now() - started;
    const stored = db.prepare('SELECT COUNT(*) AS n FROM judgements').get().n;
    if (stored !== rows) throw new Error(`raw loop: ${stored} of ${rows} rows stored`);
    return { rows, ms, eventsPerSecond: rows / (ms / 1000) };
  } finally {
    db.close();
    removeDir(dir);
  }
}

/**
 * What no ingest can beat while it keeps durability and a per-record proof: the raw loop's rows, committed (and
 * fsynced) per acknowledged POST, each record hashed into a Merkle tree per commit; once per POST, and once per
 * `connections` POSTs (the most the case's connections can have in flight for one group commit).
 */
function durableFloor(events, rows, connections) {
  return {
    perPost: rawInsert(events, rows, { perCommit: BATCH, proof: true }),
    perGroup: rawInsert(events, rows, { perCommit: connections * BATCH, proof: true }),
    perPostNoProof: rawInsert(events, rows, { perCommit: BATCH }),
  };
}

async function costBreakdown() {
  const tools = await loadStoreTools();
  const dir = tempDir('cost');
  try {
    return await tools.insertCostBreakdown(dir);
  } finally {
    removeDir(dir);
  }
}
