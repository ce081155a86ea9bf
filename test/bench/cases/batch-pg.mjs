// Batch ingest on PostgreSQL (one node, `--database URL`): autocannon POSTs of {"events": [1000]} as in the batch
// case, against `COPY` of the same rows into a copy of the events and judgements tables in the same database (one
// transaction, synchronous_commit on like the product's: the fastest way PostgreSQL takes these rows durably).
// A fresh database is created and dropped by the run; afterwards every acknowledged event must be stored with its
// judgement. Beside it, the floor that durability, the foreign keys and a per-record proof set (`durableFloor`, as
// the batch case's), and the ceiling the product's own ingest reaches without either (`pgIngestCeiling`).
import { AUTH, batchBody, cpuMs, cpuSince, fmt, postgresCpu, removeDataDir, serverRequire, startRingside, tempDir } from '../lib/common.mjs';
import { loadStoreTools } from '../lib/build.mjs';
import { cpuBudget } from '../lib/cpuBudget.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { copyIn, createBenchDatabase, redactedUrl, withClient } from '../lib/pgFixture.mjs';
import { leafHash, treeHead } from './batch.mjs';
import { ceilingDetail, ceilingVerdict, measurePgCeiling } from '../lib/ceiling.mjs';

const BATCH = 1000;
const CONNECTIONS = 2;
/** The target: at least this share of COPY's rate. */
const TARGET = 0.3;
/** What an event costs the product on PostgreSQL beyond durability and proof (the ceiling's remainder). */
const LEFT_WORK = "validation, judging, the event and judgement rows with their indexes and foreign keys, the rollup and value-histogram upserts, and the answer per event, the node's part and its database's sharing the machine's two cores";

async function ringside(url, body, duration, { profile, log }) {
  const dir = tempDir('batch-pg');
  try {
    const server = await startRingside(dir, { extra: ['--database', url], profile });
    try {
      const warm = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections: CONNECTIONS, duration: 1 }));
      const database = new URL(url).pathname.slice(1);
      const cpu = { node: cpuMs(server.pid), database: postgresCpu(database), load: process.cpuUsage() };
      const run = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections: CONNECTIONS, duration }));
      const perEvent = (ms) => (ms * 1000) / (run.ok * BATCH);
      const load = process.cpuUsage(cpu.load);
      return {
        ...run,
        warmErrors: warm.errors,
        acknowledged: (warm.ok + run.ok) * BATCH,
        cpuUsPerEvent: perEvent(cpuMs(server.pid) - cpu.node),
        databaseCpuUsPerEvent: perEvent(cpuSince(cpu.database, postgresCpu(database))),
        loadCpuUsPerEvent: perEvent((load.user + load.system) / 1000),
      };
    } finally {
      await server.stop();
    }
  } finally {
    removeDataDir(dir, { profile, log });
  }
}

const count = async (c, table) => Number((await c.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);

const EVENT_COLUMNS = 'seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content';
const JUDGEMENT_COLUMNS = 'event_seq, standard_id, standard_version, measure, value, threshold, met, reason, counted';

/**
 * Each event of the batch as the copies store it: the event's values after its seq and id, its judgement's after
 * its event's seq, and both as COPY text (the store's own `copyLine`), made up front: what the product derives per
 * event is the product's cost, not the limit's.
 */
function copyRowsOf(events, copyLine) {
  const nowMs = Date.now();
  return events.map((e) => {
    const call = e.type === 'call';
    const value = call ? e.rings : e.greetSeconds;
    const ok = e.outcome === 'answered' || e.outcome === 'greeted';
    const ev = [e.type, e.site, Date.parse(e.occurredAt), e.occurredAt, nowMs, e.outcome, call ? e.rings : null, call ? (e.rings - 1) * 6 : null, call ? null : e.greetSeconds, e.queue ?? null, e.agent ?? null, call ? '["answerSeconds"]' : '[]', JSON.stringify(e)];
    const j = [call ? 'call-answer-2-rings' : 'visit-greet-30s', 1, call ? 'rings' : 'greetSeconds', value, call ? 2 : 30, ok && value <= (call ? 2 : 30) ? 1 : 0, ok ? null : call ? 'abandoned' : 'left', 1];
    return { ev, j, evText: copyLine(ev, ev.length), jText: copyLine(j, j.length) };
  });
}

/** Rows `from` … `to` − 1 (the batch's events, repeated; seq i + 1, id raw-i) as COPY text of `kind` (events or judgements). */
function rowsText(prepared, from, to, kind) {
  const lines = [];
  for (let i = from; i < to; i++) {
    const p = prepared[i % prepared.length];
    lines.push(kind === 'events' ? `${i + 1}\traw-${i}\t${p.evText}` : `${i + 1}\t${p.jText}`);
  }
  return Buffer.from(lines.join(''));
}

/**
 * Copies of the events and judgements tables in a schema of their own (`LIKE … INCLUDING ALL`: columns, keys,
 * indexes and checks); with `foreignKeys`, the product's own foreign keys of the two tables as its migrations made
 * them (read from the catalogue), the judgements' event pointing at the copy of events, the sites and standards at
 * the product's tables; and a table of tree heads.
 */
async function copyTables(c, schema, { foreignKeys }) {
  await c.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.events (LIKE public.events INCLUDING ALL); CREATE TABLE ${schema}.judgements (LIKE public.judgements INCLUDING ALL);
    CREATE TABLE ${schema}.tree_heads (size bigint PRIMARY KEY, root bytea NOT NULL)`);
  if (!foreignKeys) return 0;
  const keys = (await c.query(`SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('public.events'::regclass, 'public.judgements'::regclass)`)).rows;
  await c.query(`SET search_path = ${schema}, public`); // "REFERENCES events" is the copy's, "sites" and "standards" the product's
  try {
    for (const k of keys) await c.query(`ALTER TABLE ${schema}.${k.t} ADD ${k.def}`);
  } finally {
    await c.query('RESET search_path');
  }
  if (keys.length < 3) throw new Error(`the product's events and judgements have ${keys.length} foreign keys, this case expects 3 (site, event, standard version)`);
  return keys.length;
}

/** COPY of `rows` events (the batch's, repeated) and their judgements into copies of the two tables, one transaction. */
async function rawCopy(c, prepared, rows) {
  await copyTables(c, 'raw', { foreignKeys: false });
  function* text(kind) {
    for (let from = 0; from < rows; from += 5000) yield rowsText(prepared, from, Math.min(rows, from + 5000), kind);
  }
  const started = performance.now();
  await c.query('BEGIN');
  await copyIn(c, `COPY raw.events (${EVENT_COLUMNS}) FROM STDIN`, text('events'));
  await copyIn(c, `COPY raw.judgements (${JUDGEMENT_COLUMNS}) FROM STDIN`, text('judgements'));
  await c.query('COMMIT');
  const ms = performance.now() - started;
  const copied = await count(c, 'raw.judgements');
  if (copied !== rows) throw new Error(`COPY stored ${copied} judgements of ${rows}`);
  return { rows, ms, eventsPerSecond: rows / (ms / 1000) };
}

/**
 * The same rows, committed `perCommit` at a time (each commit flushed to the WAL, synchronous_commit on, before
 * the next begins: an acknowledged POST is committed), into copies of the tables with the product's foreign keys;
 * with `proof`, the least any per-record proof costs on top, as the batch case's floor: each record's values hashed
 * once as an RFC 6962 leaf, the commit's Merkle tree over them, one tree-head row per commit. On a pipelined
 * connection with the store's own COPY (copyText: the data goes with the statement), so a commit's statements go
 * out together and the next commit's leaves are hashed while PostgreSQL works on them, as the product overlaps its
 * work with the database's.
 */
async function floorCopy(url, pg, tools, prepared, rows, { schema, perCommit, proof }) {
  const c = new pg.Client({ connectionString: url, pipeline: true });
  await c.connect();
  try {
    const foreignKeys = await copyTables(c, schema, { foreignKeys: true });
    const commitOf = (from) => {
      const to = Math.min(rows, from + perCommit);
      const leaves = [];
      if (proof) {
        for (let i = from; i < to; i++) {
          const p = prepared[i % prepared.length];
          leaves.push(leafHash([i + 1, `raw-${i}`, ...p.ev]), leafHash([i + 1, ...p.j]));
        }
      }
      return { to, events: rowsText(prepared, from, to, 'events'), judgements: rowsText(prepared, from, to, 'judgements'), root: proof ? treeHead(leaves) : null };
    };
    const started = performance.now();
    let next = commitOf(0);
    for (let from = 0; from < rows; from += perCommit) {
      const now = next;
      const sent = [c.query('BEGIN'), tools.copyText(c, `${schema}.events`, EVENT_COLUMNS, now.events), tools.copyText(c, `${schema}.judgements`, JUDGEMENT_COLUMNS, now.judgements)];
      if (proof) sent.push(c.query(`INSERT INTO ${schema}.tree_heads (size, root) VALUES ($1, $2)`, [now.to * 2, now.root]));
      sent.push(c.query('COMMIT'));
      for (const p of sent) p.catch(() => undefined); // awaited below
      if (now.to < rows) next = commitOf(now.to);
      await Promise.all(sent);
    }
    const ms = performance.now() - started;
    const copied = await count(c, `${schema}.judgements`);
    if (copied !== rows) throw new Error(`the floor's COPY stored ${copied} judgements of ${rows}`);
    return { rows, ms, eventsPerSecond: rows / (ms / 1000), foreignKeys };
  } finally {
    await c.end();
  }
}

/**
 * What no ingest can beat on this database while it keeps durability, the product's foreign keys and a per-record
 * proof: COPY of the baseline's rows with the product's foreign keys, committed per acknowledged POST; with the
 * proof, per POST and once per `connections` POSTs (the most the case's connections can have in flight for one
 * group commit).
 */
async function durableFloor(url, prepared, rows, connections) {
  const pg = serverRequire('pg');
  const tools = await loadStoreTools();
  // In the batch case's order: the proof per POST, per group, then without it.
  const perPost = await floorCopy(url, pg, tools, prepared, rows, { schema: 'floor_post_proof', perCommit: BATCH, proof: true });
  const perGroup = await floorCopy(url, pg, tools, prepared, rows, { schema: 'floor_group_proof', perCommit: connections * BATCH, proof: true });
  const perPostNoProof = await floorCopy(url, pg, tools, prepared, rows, { schema: 'floor_post', perCommit: BATCH });
  return { perPost, perGroup, perPostNoProof };
}

/** What the floor says of the target, in this run's figures. */
function floorVerdict(floor, base) {
  // Either way of committing keeps every guarantee; the better of the two in this run bounds every design.
  const best = Math.max(floor.perPost.eventsPerSecond, floor.perGroup.eventsPerSecond);
  const ratio = best / base.eventsPerSecond;
  if (ratio < TARGET) {
    return `No ingest that keeps durability, the foreign keys and a per-record proof can meet it here: the floor alone (rows, keys, commits and proof, nothing else of the product) reaches ${fmt(best)} events/s = ${ratio.toFixed(2)} × COPY at best.`;
  }
  return `The floor with durability, the foreign keys and the proof (${fmt(best)} events/s, ${ratio.toFixed(2)} × COPY at best) leaves room in this run: what keeps the product below the target is its own work above the floor (per event: validation, judging, two chain links with three indexes instead of a leaf hash, rollup and histogram upserts, the answer; the node's CPU per event is in the row).`;
}

export async function run({ quick, log, profile }) {
  const duration = quick ? 5 : 10;
  const body = JSON.stringify(batchBody(BATCH, 1));
  const rows = quick ? 20_000 : 200_000;
  const db = await createBenchDatabase('batch');
  if (!db.url) throw new Error(db.reason);
  let mine, stored, base, floor;
  const createDatabaseOrFail = async (label) => {
    const made = await createBenchDatabase(label);
    if (!made.url) throw new Error(made.reason);
    return made;
  };
  try {
    mine = await ringside(db.url, body, duration, { profile, log });
    const prepared = copyRowsOf(JSON.parse(body).events, (await loadStoreTools()).copyLine);
    ({ stored, base } = await withClient(db.url, async (c) => ({ stored: { events: await count(c, 'events'), judgements: await count(c, 'judgements'), chain: await count(c, 'audit_chain') }, base: await rawCopy(c, prepared, rows) })));
    floor = await durableFloor(db.url, prepared, rows, CONNECTIONS);
  } finally {
    await db.drop();
  }
  const events = JSON.parse(body).events;
  const ceiling = await measurePgCeiling(Array.from({ length: quick ? 6 : 20 }, () => events), () => createDatabaseOrFail('ceiling'), { connections: CONNECTIONS });
  const eventsPerSecond = mine.rps * BATCH;
  log(`batch-pg: ringside ${JSON.stringify(mine)} stored ${JSON.stringify(stored)}; COPY ${JSON.stringify(base)}; floor ${JSON.stringify(floor)}`);
  // Batches in flight when autocannon stopped counting were stored too (at most one per connection, warm-up and
  // run), and so may be those it gave up waiting for (its errors: timeouts).
  if (stored.events < mine.acknowledged || stored.judgements !== stored.events || stored.events - mine.acknowledged > (2 * CONNECTIONS + mine.errors + mine.warmErrors) * BATCH) {
    throw new Error(`batch-pg: ${stored.events} events and ${stored.judgements} judgements stored, ${mine.acknowledged} acknowledged`);
  }
  const ratio = eventsPerSecond / base.eventsPerSecond;
  const met = ratio >= TARGET && mine.errors === 0;
  const budget = cpuBudget({
    unit: 'event',
    rate: TARGET * base.eventsPerSecond,
    parts: [
      { what: 'the node', us: mine.cpuUsPerEvent },
      { what: "its database's processes (the backends and the server's WAL writer, checkpointer and background writer)", us: mine.databaseCpuUsPerEvent },
      { what: 'the load generator', us: mine.loadCpuUsPerEvent },
    ],
    threadUs: mine.cpuUsPerEvent,
  });
  const ceilingTerms = { unit: 'event', rawPerSecond: base.eventsPerSecond, meets: (rate) => rate >= TARGET * base.eventsPerSecond, leftWork: LEFT_WORK, base: 'COPY', postgres: { connections: CONNECTIONS } };
  const ofCopy = (x) => `${fmt(x.eventsPerSecond)} events/s = ${(x.eventsPerSecond / base.eventsPerSecond).toFixed(2)} × COPY`;
  return {
    title: 'Batch ingest on PostgreSQL',
    how: `One node with \`--database\` on a fresh PostgreSQL database (${redactedUrl(db.url)}, created and dropped by the run); autocannon, ${CONNECTIONS} connections, ${duration} s after a 1 s warm-up, each POST a batch of ${BATCH} events as in the batch case; afterwards every acknowledged event must be in the database with its judgement. Baseline: \`COPY … FROM STDIN\` of the same rows (event + judgement per event, text prepared up front) into copies of the events and judgements tables (\`LIKE … INCLUDING ALL\`: same columns, keys and indexes, no foreign keys), in one transaction committed with synchronous_commit on, as the product commits.`,
    details: [
      `Ringside: ${fmt(mine.rps, 1)} batches/s = ${fmt(eventsPerSecond)} events/s, p50 ${mine.p50} ms, p99 ${mine.p99} ms per batch, ${mine.errors} errors, server CPU ${fmt(mine.cpuUsPerEvent, 1)} µs per event; database afterwards: ${fmt(stored.events)} events, ${fmt(stored.judgements)} judgements, ${fmt(stored.chain)} audit-chain links (acknowledged: ${fmt(mine.acknowledged)}).`,
      `COPY: ${fmt(base.rows)} events + judgements in ${fmt(base.ms)} ms = ${fmt(base.eventsPerSecond)} events/s.`,
      budget.text,
      `The floor with durability, the foreign keys and proof (\`durableFloor\` in test/bench/cases/batch-pg.mjs; the same COPY rows, nothing of the product but its tables' ${floor.perPost.foreignKeys} foreign keys): committed per POST of ${BATCH} events, as an acknowledged batch must be, ${ofCopy(floor.perPostNoProof)}; with the least a per-record proof costs added (each record hashed once as an RFC 6962 leaf, a Merkle tree and one tree-head row per commit) ${ofCopy(floor.perPost)}; the same committed once per ${CONNECTIONS} POSTs (the most ${CONNECTIONS} connections can have in flight for one group commit) ${ofCopy(floor.perGroup)}.`,
      ceilingDetail(ceiling, ceilingTerms),
    ],
    rows: [
      {
        what: 'batch ingest on PostgreSQL (one node)',
        measured: `${fmt(eventsPerSecond)} events/s stored and judged (server CPU ${fmt(mine.cpuUsPerEvent, 1)} µs each)`,
        baseline: `COPY of the same rows, 1 transaction: ${fmt(base.eventsPerSecond)} events/s`,
        ratio: `${ratio.toFixed(2)} ×`,
        target: `≥ ${TARGET} × COPY`,
        verdict: met ? 'met' : 'missed',
        ...(met ? {} : { why: [floorVerdict(floor, base), ceilingVerdict(ceiling, ceilingTerms), budget.verdict, "Where the product's time goes: test/bench/NOTES.md (batch ingest on PostgreSQL)."].filter(Boolean).join(' ') }),
        raw: { mine, base, floor, stored, budget, ceiling },
      },
    ],
  };
}
