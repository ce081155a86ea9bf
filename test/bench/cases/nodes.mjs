// Several nodes (docs/deployment.md): batch ingest with one node on SQLite beside one, two and three nodes on one
// PostgreSQL database (the same autocannon load spread over the nodes), and live latency across nodes (Socket.IO
// clients on the last node, events posted to the first, fanned out through Redis). PostgreSQL and Redis are the
// machine's services (RINGSIDE_BENCH_PG_URL: a maintenance database where the user may CREATE DATABASE;
// RINGSIDE_BENCH_REDIS_URL); each run creates its own database and drops it afterwards.
import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH, batchBody, fmt, removeDir, serverRequire, sleep, startRingside, tempDir } from '../lib/common.mjs';
import { countStored } from '../lib/db.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { drive, startClients } from '../lib/liveDriver.mjs';

const pg = serverRequire('pg');
const ADMIN_URL = process.env.RINGSIDE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.RINGSIDE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BATCH = 500;
/** The same load whatever the number of nodes: this many connections in all, spread over the nodes. */
const CONNECTIONS = 3;

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect().catch((error) => {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${error.message}): start it (service postgresql start) or set RINGSIDE_BENCH_PG_URL to a maintenance database where the user may CREATE DATABASE`);
  });
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** `n` nodes on a fresh database (SQLite when n is 0: one node), `fn` run with them, everything removed after. */
async function withNodes(n, extra, fn) {
  const name = `ringside_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  if (n > 0) await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dirs = Array.from({ length: Math.max(1, n) }, () => tempDir('nodes'));
  const nodes = [];
  try {
    for (const [i, dir] of dirs.entries()) {
      // Nodes on one store sign exports with one key and checkpoints with one secret (docs/deployment.md): the first
      // node's are copied to the others.
      if (i > 0) for (const f of ['audit-signing.json', 'audit.secret']) copyFileSync(join(dirs[0], f), join(dir, f));
      nodes.push(await startRingside(dir, { extra: n > 0 ? ['--database', url.toString(), ...extra] : [] }));
    }
    return await fn(nodes, n > 0 ? url.toString() : dirs[0]);
  } finally {
    await Promise.all(nodes.map((s) => s.stop()));
    if (n > 0) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const dir of dirs) removeDir(dir);
  }
}

async function storedOn(where, n) {
  if (n === 0) return countStored(where).events;
  const client = new pg.Client({ connectionString: where });
  await client.connect();
  try {
    return Number((await client.query('SELECT COUNT(*) AS n FROM events')).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Batch ingest: CONNECTIONS in all, spread over the nodes, each POST a batch; events/s acknowledged, checked against the store. */
async function ingest(n, duration) {
  const body = JSON.stringify(batchBody(BATCH, 1));
  return withNodes(n, [], async (nodes, where) => {
    const share = (i) => Math.floor(CONNECTIONS / nodes.length) + (i < CONNECTIONS % nodes.length ? 1 : 0);
    const load = (seconds) => Promise.all(nodes.map((s, i) => cannon({ url: `${s.url}/api/v1/events`, body, headers: AUTH, connections: share(i), duration: seconds })));
    const warm = (await load(1)).map(figures);
    const runs = (await load(duration)).map(figures);
    const acknowledged = [...warm, ...runs].reduce((sum, r) => sum + r.ok * BATCH, 0);
    const stored = await storedOn(where, n);
    const eventsPerSecond = runs.reduce((sum, r) => sum + r.rps, 0) * BATCH;
    return { eventsPerSecond, p99: Math.max(...runs.map((r) => r.p99)), errors: runs.reduce((s, r) => s + r.errors, 0), complete: stored >= acknowledged, stored, acknowledged };
  });
}

/** Live latency: clients on the last node, events posted to the first (with Redis between them). */
async function live(n, quick) {
  return withNodes(n, ['--redis', REDIS_URL], async (nodes) => {
    const clients = await startClients(nodes.at(-1).url, quick ? 10 : 100, 1);
    try {
      await drive(nodes[0].url, { rate: 200, seconds: 0.5, batch: 10 });
      await sleep(500);
      const driven = await drive(nodes[0].url, { rate: 200, seconds: quick ? 1 : 5, batch: 10, idPrefix: ['one', 'two', 'three'][n - 1] });
      await clients.delivered(driven.sent, 10_000); // the last pushes, however long they take (10 s at most)
      return { ...(await clients.report(driven.sent)), failures: driven.failures };
    } finally {
      await clients.close();
    }
  });
}

export async function run({ quick, log }) {
  const duration = quick ? 3 : 8;
  const sqlite = await ingest(0, duration);
  log(`nodes: SQLite ${JSON.stringify(sqlite)}`);
  const rows = [];
  const details = [`SQLite, one node: ${fmt(sqlite.eventsPerSecond)} events/s (p99 ${sqlite.p99} ms per batch, ${sqlite.errors} errors; ${fmt(sqlite.stored)} stored of ${fmt(sqlite.acknowledged)} acknowledged).`];
  for (const n of [1, 2, 3]) {
    const r = await ingest(n, duration);
    const l = await live(n, quick);
    log(`nodes: PostgreSQL ×${n} ingest ${JSON.stringify(r)} live ${JSON.stringify(l)}`);
    details.push(`PostgreSQL, ${n} node(s): ${fmt(r.eventsPerSecond)} events/s (p99 ${r.p99} ms per batch, ${r.errors} errors; ${fmt(r.stored)} stored of ${fmt(r.acknowledged)} acknowledged); live p50 ${fmt(l.p50, 1)} ms, p99 ${fmt(l.p99, 1)} ms, ${l.misses} missed, ${l.failures} failed POSTs.`);
    rows.push({
      what: `batch ingest, ${n} node(s) on PostgreSQL`,
      measured: `${fmt(r.eventsPerSecond)} events/s`,
      baseline: `one node on SQLite: ${fmt(sqlite.eventsPerSecond)} events/s`,
      ratio: `${(r.eventsPerSecond / sqlite.eventsPerSecond).toFixed(2)} ×`,
      target: 'every acknowledged event stored (writes serialise: no growth with nodes)',
      verdict: r.complete && r.errors === 0 ? 'met' : 'missed',
    });
    rows.push({
      what: `live latency across nodes (${n} node(s), clients on the last, posts to the first)`,
      measured: `p99 ${fmt(l.p99, 1)} ms, ${fmt(l.misses)} misses`,
      baseline: '',
      target: 'p99 < 50 ms, no misses',
      verdict: l.p99 < 50 && l.misses === 0 && l.failures === 0 ? 'met' : 'missed',
    });
  }
  return {
    title: 'Several nodes',
    how: `Batch ingest: autocannon, ${CONNECTIONS} connections in all spread over the nodes, for ${duration} s after a 1 s warm-up, each POST a batch of ${BATCH} events; one node on SQLite, then 1, 2 and 3 nodes on one fresh PostgreSQL database (${ADMIN_URL.replace(/\/\/[^@]*@/, '//')}); afterwards every acknowledged event must be in the store. Live: ${quick ? 10 : 100} Socket.IO clients on the last node, 200 events/s posted to the first as batches of 10, fanned out through Redis (${REDIS_URL}); latency = arrival of \`judged\` − the POST's response.`,
    details,
    rows,
  };
}
