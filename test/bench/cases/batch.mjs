// Batch ingest: autocannon POSTs of {"events": [1000]} (events/s stored and judged, counted in the database
// afterwards) vs a raw better-sqlite3 prepared-insert loop of the same rows (events + judgements, same
// columns and indexes, no triggers) in one transaction, with the same durability settings (WAL, FULL).
import { join } from 'node:path';
import { AUTH, batchBody, cpuMs, fmt, removeDataDir, removeDir, startRingside, tempDir } from '../lib/common.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { countStored, Database } from '../lib/db.mjs';
import { loadStoreTools } from '../lib/build.mjs';

const BATCH = 1000;

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
      mine = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections, duration }));
      mine.cpuUsPerEvent = ((cpuMs(server.pid) - cpu) * 1000) / (mine.ok * BATCH);
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
  const base = rawInsert(JSON.parse(body).events, quick ? 20_000 : 200_000);
  log(`batch: ringside ${JSON.stringify(mine)} stored ${JSON.stringify(stored)} acknowledged ${acknowledged}; raw ${JSON.stringify(base)}`);
  const ratio = eventsPerSecond / base.eventsPerSecond;
  const complete = stored.events >= acknowledged && stored.judgements === stored.events && stored.events - acknowledged <= (2 * connections + mine.errors + warmErrors) * BATCH;
  if (!complete) throw new Error(`batch: ${stored.events} events and ${stored.judgements} judgements stored, ${acknowledged} acknowledged`);
  const met = ratio >= 0.5 && eventsPerSecond >= 50_000 && complete;
  return {
    title: 'Batch ingest',
    how: `autocannon, ${connections} connections, ${duration} s after a 1 s warm-up, each POST a batch of ${BATCH} events (70 % calls, 30 % visits, 20 sites, spread over the last hour). Events/s = acknowledged batches × ${BATCH} / s; afterwards the database is opened and every acknowledged event must be there with its judgement. Baseline: a raw better-sqlite3 loop inserting the same rows (event + judgement per event, the events/judgements columns and indexes of migration 1, no triggers, no rollups, no audit chain) with prepared statements in one transaction, WAL + synchronous FULL like the product.`,
    details: [
      `Ringside: ${fmt(mine.rps, 1)} batches/s = ${fmt(eventsPerSecond)} events/s, p50 ${mine.p50} ms, p99 ${mine.p99} ms per batch, ${mine.errors} errors; database afterwards: ${fmt(stored.events)} events, ${fmt(stored.judgements)} judgements, ${fmt(stored.chain)} audit-chain links (acknowledged: ${fmt(acknowledged)}).`,
      `Raw insert loop: ${fmt(base.rows)} events + judgements in ${fmt(base.ms)} ms = ${fmt(base.eventsPerSecond)} events/s.`,
      `Per stored event in process (µs, an event + its judgement + their two chain links, batches of 1000, one transaction and fsync each; \`insertCostBreakdown\` in test/bench/lib/storeTools.ts): ${Object.entries(breakdown).map(([k, v]) => `${k}: ${fmt(v, 1)}`).join('; ')}.`,
    ],
    rows: [
      {
        what: 'batch ingest',
        measured: `${fmt(eventsPerSecond)} events/s stored and judged (server CPU ${fmt(mine.cpuUsPerEvent, 1)} µs each)`,
        baseline: `raw prepared inserts, 1 transaction: ${fmt(base.eventsPerSecond)} events/s`,
        ratio: `${ratio.toFixed(2)} ×`,
        target: '≥ 0.5 × raw and ≥ 50,000 events/s',
        verdict: met ? 'met' : 'missed',
        ...(met
          ? {}
          : { why: `Each stored event still costs several times the raw loop's row (per-event breakdown above): its judgement, two audit-chain links (four SHA-256 and two indexed inserts), its rollup and value-histogram cells, a commit with WAL checkpoints per POST (each page a batch changed is written to the WAL, then again by the checkpoint), and outside the writer validation, judging, the live push and a response listing every stored record. 50,000 events/s would leave 20 µs per event on one core, about two rows of the raw loop. Profile: test/bench/NOTES.md (batch ingest).` }),
        raw: { mine, base, stored, acknowledged, breakdown },
      },
    ],
  };
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

/** The raw limit: prepared INSERTs of events and their judgements, one transaction, no triggers. */
export function rawInsert(events, rows) {
  const dir = tempDir('raw');
  const db = new Database(join(dir, 'raw.db'));
  try {
    rawSchema(db);
    const insertEvent = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertJudgement = db.prepare('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason) VALUES (?, ?, 1, ?, ?, ?, ?, 1, ?)');
    // Row values prepared up front (what the product derives per event is the product's cost, not the limit's).
    const prepared = events.map((e) => {
      const call = e.type === 'call';
      const value = call ? e.rings : e.greetSeconds;
      const threshold = call ? 2 : 30;
      const ok = e.outcome === 'answered' || e.outcome === 'greeted';
      return {
        ev: [e.type, e.site, Date.parse(e.occurredAt), e.occurredAt, Date.now(), e.outcome, call ? e.rings : null, call ? (e.rings - 1) * 6 : null, call ? null : e.greetSeconds, e.queue ?? null, e.agent ?? null, call ? '["answerSeconds"]' : '[]', JSON.stringify(e)],
        j: [call ? 'call-answer-2-rings' : 'visit-greet-30s', call ? 'rings' : 'greetSeconds', value, threshold, ok && value <= threshold ? 1 : 0, ok ? null : call ? 'abandoned' : 'left'],
      };
    });
    const started = performance.now();
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        const p = prepared[i % prepared.length];
        const seq = insertEvent.run(`raw-${i}`, ...p.ev).lastInsertRowid;
        insertJudgement.run(seq, ...p.j);
      }
    })();
    const ms = performance.now() - started;
    return { rows, ms, eventsPerSecond: rows / (ms / 1000) };
  } finally {
    db.close();
    removeDir(dir);
  }
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
