// Batch ingest on PostgreSQL (one node, `--database URL`): autocannon POSTs of {"events": [1000]} as in the batch
// case, against `COPY` of the same rows into a copy of the events and judgements tables in the same database (one
// transaction, synchronous_commit on like the product's: the fastest way PostgreSQL takes these rows durably).
// A fresh database is created and dropped by the run; afterwards every acknowledged event must be stored with its
// judgement.
import { AUTH, batchBody, cpuMs, fmt, removeDataDir, startRingside, tempDir } from '../lib/common.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { copyIn, createBenchDatabase, field, redactedUrl, withClient } from '../lib/pgFixture.mjs';

const BATCH = 1000;
const CONNECTIONS = 2;

async function ringside(url, body, duration, { profile, log }) {
  const dir = tempDir('batch-pg');
  try {
    const server = await startRingside(dir, { extra: ['--database', url], profile });
    try {
      const warm = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections: CONNECTIONS, duration: 1 }));
      const cpu = cpuMs(server.pid);
      const run = figures(await cannon({ url: `${server.url}/api/v1/events`, body, headers: AUTH, connections: CONNECTIONS, duration }));
      return { ...run, warmErrors: warm.errors, acknowledged: (warm.ok + run.ok) * BATCH, cpuUsPerEvent: ((cpuMs(server.pid) - cpu) * 1000) / (run.ok * BATCH) };
    } finally {
      await server.stop();
    }
  } finally {
    removeDataDir(dir, { profile, log });
  }
}

const count = async (c, table) => Number((await c.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);

/** COPY of `rows` events (the batch's, repeated) and their judgements into copies of the two tables, one transaction. */
async function rawCopy(c, events, rows) {
  await c.query(`CREATE SCHEMA raw; CREATE TABLE raw.events (LIKE public.events INCLUDING ALL); CREATE TABLE raw.judgements (LIKE public.judgements INCLUDING ALL)`);
  const nowMs = Date.now();
  // Row text prepared up front (what the product derives per event is the product's cost, not the limit's).
  const lines = events.map((e) => {
    const call = e.type === 'call';
    const value = call ? e.rings : e.greetSeconds;
    const ok = e.outcome === 'answered' || e.outcome === 'greeted';
    const ev = [e.type, e.site, Date.parse(e.occurredAt), e.occurredAt, nowMs, e.outcome, call ? e.rings : null, call ? (e.rings - 1) * 6 : null, call ? null : e.greetSeconds, e.queue ?? null, e.agent ?? null, call ? '["answerSeconds"]' : '[]', JSON.stringify(e)].map(field).join('\t');
    const j = [call ? 'call-answer-2-rings' : 'visit-greet-30s', 1, call ? 'rings' : 'greetSeconds', value, call ? 2 : 30, ok && value <= (call ? 2 : 30) ? 1 : 0, ok ? null : call ? 'abandoned' : 'left', 1].map(field).join('\t');
    return { ev, j };
  });
  function* text(kind) {
    for (let from = 0; from < rows; from += 5000) {
      const parts = [];
      for (let i = from; i < Math.min(rows, from + 5000); i++) {
        const l = lines[i % lines.length];
        parts.push(kind === 'events' ? `${i + 1}\traw-${i}\t${l.ev}\n` : `${i + 1}\t${l.j}\n`);
      }
      yield Buffer.from(parts.join(''));
    }
  }
  const started = performance.now();
  await c.query('BEGIN');
  await copyIn(c, 'COPY raw.events (seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content) FROM STDIN', text('events'));
  await copyIn(c, 'COPY raw.judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, reason, counted) FROM STDIN', text('judgements'));
  await c.query('COMMIT');
  const ms = performance.now() - started;
  const copied = await count(c, 'raw.judgements');
  if (copied !== rows) throw new Error(`COPY stored ${copied} judgements of ${rows}`);
  return { rows, ms, eventsPerSecond: rows / (ms / 1000) };
}

export async function run({ quick, log, profile }) {
  const duration = quick ? 5 : 10;
  const body = JSON.stringify(batchBody(BATCH, 1));
  const db = await createBenchDatabase('batch');
  if (!db.url) throw new Error(db.reason);
  let mine, stored, base;
  try {
    mine = await ringside(db.url, body, duration, { profile, log });
    ({ stored, base } = await withClient(db.url, async (c) => ({ stored: { events: await count(c, 'events'), judgements: await count(c, 'judgements'), chain: await count(c, 'audit_chain') }, base: await rawCopy(c, JSON.parse(body).events, quick ? 20_000 : 200_000) })));
  } finally {
    await db.drop();
  }
  const eventsPerSecond = mine.rps * BATCH;
  log(`batch-pg: ringside ${JSON.stringify(mine)} stored ${JSON.stringify(stored)}; COPY ${JSON.stringify(base)}`);
  // Batches in flight when autocannon stopped counting were stored too (at most one per connection, warm-up and
  // run), and so may be those it gave up waiting for (its errors: timeouts).
  if (stored.events < mine.acknowledged || stored.judgements !== stored.events || stored.events - mine.acknowledged > (2 * CONNECTIONS + mine.errors + mine.warmErrors) * BATCH) {
    throw new Error(`batch-pg: ${stored.events} events and ${stored.judgements} judgements stored, ${mine.acknowledged} acknowledged`);
  }
  const ratio = eventsPerSecond / base.eventsPerSecond;
  const met = ratio >= 0.3 && mine.errors === 0;
  return {
    title: 'Batch ingest on PostgreSQL',
    how: `One node with \`--database\` on a fresh PostgreSQL database (${redactedUrl(db.url)}, created and dropped by the run); autocannon, ${CONNECTIONS} connections, ${duration} s after a 1 s warm-up, each POST a batch of ${BATCH} events as in the batch case; afterwards every acknowledged event must be in the database with its judgement. Baseline: \`COPY … FROM STDIN\` of the same rows (event + judgement per event, text prepared up front) into copies of the events and judgements tables (\`LIKE … INCLUDING ALL\`: same columns, keys and indexes, no foreign keys), in one transaction committed with synchronous_commit on, as the product commits.`,
    details: [
      `Ringside: ${fmt(mine.rps, 1)} batches/s = ${fmt(eventsPerSecond)} events/s, p50 ${mine.p50} ms, p99 ${mine.p99} ms per batch, ${mine.errors} errors, server CPU ${fmt(mine.cpuUsPerEvent, 1)} µs per event; database afterwards: ${fmt(stored.events)} events, ${fmt(stored.judgements)} judgements, ${fmt(stored.chain)} audit-chain links (acknowledged: ${fmt(mine.acknowledged)}).`,
      `COPY: ${fmt(base.rows)} events + judgements in ${fmt(base.ms)} ms = ${fmt(base.eventsPerSecond)} events/s.`,
    ],
    rows: [
      {
        what: 'batch ingest on PostgreSQL (one node)',
        measured: `${fmt(eventsPerSecond)} events/s stored and judged (server CPU ${fmt(mine.cpuUsPerEvent, 1)} µs each)`,
        baseline: `COPY of the same rows, 1 transaction: ${fmt(base.eventsPerSecond)} events/s`,
        ratio: `${ratio.toFixed(2)} ×`,
        target: '≥ 0.3 × COPY',
        verdict: met ? 'met' : 'missed',
        ...(met ? {} : { why: 'Where the time goes: test/bench/NOTES.md (batch ingest on PostgreSQL).' }),
        raw: { mine, base, stored },
      },
    ],
  };
}
