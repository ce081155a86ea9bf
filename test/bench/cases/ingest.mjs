// Single-event ingest: autocannon POST /api/v1/events (one event each) against the built server, against a bare
// Express route answering 201, and against a naive durable route (one SQLite INSERT committed per request,
// synchronous = FULL), all on the same setup (child process, 127.0.0.1, same load). Every acknowledged event must
// be in the database afterwards, with its judgement.
import { join } from 'node:path';
import { AUTH, cpuMs, eventBody, fmt, removeDataDir, removeDir, startChild, startRingside, tempDir } from '../lib/common.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { countStored, Database } from '../lib/db.mjs';

const CONNECTIONS = 10;

/** Warm-up (1 s) then the measured run against `url`; acknowledged counts both. */
async function load({ url, pid }, body, duration, headers = {}) {
  const warm = figures(await cannon({ url: `${url}/api/v1/events`, body, headers, connections: CONNECTIONS, duration: 1 }));
  // Requests autocannon gave up on (errors: timeouts) may have been stored all the same.
  const cpu = cpuMs(pid);
  const run = figures(await cannon({ url: `${url}/api/v1/events`, body, headers, connections: CONNECTIONS, duration }));
  return { ...run, unanswered: warm.errors + run.errors, acknowledged: warm.ok + run.ok, cpuUsPerRequest: ((cpuMs(pid) - cpu) * 1000) / run.ok };
}

async function bareExpress(body, duration) {
  const bare = await startChild([join(import.meta.dirname, '../servers/bareExpress.mjs')]);
  try {
    return await load(bare, body, duration);
  } finally {
    await bare.stop();
  }
}

/** The naive durable route; its rows are counted afterwards like Ringside's. */
async function naiveDurable(body, duration) {
  const dir = tempDir('naive');
  try {
    const naive = await startChild([join(import.meta.dirname, '../servers/naiveDurable.mjs'), dir]);
    let f;
    try {
      f = await load(naive, body, duration);
    } finally {
      await naive.stop();
    }
    const db = new Database(join(dir, 'naive.db'), { readonly: true });
    const stored = db.prepare('SELECT COUNT(*) AS n FROM events').get().n;
    db.close();
    if (stored < f.acknowledged) throw new Error(`naive route: ${stored} rows stored, ${f.acknowledged} acknowledged`);
    return { ...f, stored };
  } finally {
    removeDir(dir);
  }
}

async function ringside(body, duration, { profile, log }) {
  const dir = tempDir('ingest');
  try {
    const server = await startRingside(dir, { profile });
    let f;
    try {
      f = await load(server, body, duration, AUTH);
    } finally {
      await server.stop();
    }
    return { ...f, stored: countStored(dir) };
  } finally {
    removeDataDir(dir, { profile, log });
  }
}

export async function run({ quick, log, profile }) {
  const duration = quick ? 1 : 8;
  const body = eventBody(1);
  const base = await bareExpress(body, duration);
  const naive = await naiveDurable(body, duration);
  const mine = await ringside(body, duration, { profile, log });
  const stored = mine.stored;
  log(`ingest: ringside ${JSON.stringify(mine)} bare ${JSON.stringify(base)} naive ${JSON.stringify(naive)}`);
  // Acknowledged = stored: requests still in flight when autocannon stopped counting were stored too (at most one per connection, in the warm-up and in the run).
  const complete = stored.events >= mine.acknowledged && stored.events - mine.acknowledged <= 2 * CONNECTIONS + mine.unanswered && stored.judgements === stored.events;
  if (!complete) throw new Error(`ingest: ${stored.events} events and ${stored.judgements} judgements stored, ${mine.acknowledged} acknowledged`);
  const ratio = mine.rps / base.rps;
  const naiveRatio = mine.rps / naive.rps;
  const met = ratio >= 0.6 && mine.p99 < 20 && mine.errors === 0;
  const naiveMet = naiveRatio >= 2 && mine.errors === 0;
  const how = `autocannon, ${CONNECTIONS} connections, ${duration} s (after a 1 s warm-up), one call event per POST with a Bearer key (auth on, rate limit off, log level warn; no dashboard connected, so no live update is built, as on a node nobody watches); afterwards every acknowledged event must be in the database with its judgement. Baselines, each a child process on 127.0.0.1 under the same load: test/bench/servers/bareExpress.mjs, an Express app with \`express.json()\` answering 201; test/bench/servers/naiveDurable.mjs, the same app inserting each event into SQLite (WAL, synchronous = FULL) in its own transaction before answering 201 (one fsync per request; its rows are counted too).`;
  return {
    title: 'Single-event ingest',
    how,
    details: [
      `Ringside: ${fmt(mine.rps)} req/s, p50 ${mine.p50} ms, p99 ${mine.p99} ms, max ${mine.max} ms, server CPU ${fmt(mine.cpuUsPerRequest)} µs per request, ${mine.errors} errors/non-2xx; ${fmt(stored.events)} events and ${fmt(stored.judgements)} judgements in the database afterwards (acknowledged, warm-up included: ${fmt(mine.acknowledged)}).`,
      `Bare Express: ${fmt(base.rps)} req/s, p50 ${base.p50} ms, p99 ${base.p99} ms, server CPU ${fmt(base.cpuUsPerRequest)} µs per request.`,
      `Naive durable route: ${fmt(naive.rps)} req/s, p50 ${naive.p50} ms, p99 ${naive.p99} ms, server CPU ${fmt(naive.cpuUsPerRequest)} µs per request; ${fmt(naive.stored)} rows stored (acknowledged: ${fmt(naive.acknowledged)}).`,
    ],
    rows: [
      {
        what: 'single-event ingest',
        measured: `${fmt(mine.rps)} req/s, p99 ${mine.p99} ms`,
        baseline: `bare Express 201: ${fmt(base.rps)} req/s, p99 ${base.p99} ms`,
        ratio: `${ratio.toFixed(2)} ×`,
        target: '≥ 0.6 × bare, p99 < 20 ms',
        verdict: met ? 'met' : 'missed',
        ...(met ? {} : { why: 'Each POST is a durable, judged, chained write and the bare route writes nothing; where the rest of the time goes: test/bench/NOTES.md (single-event ingest).' }),
        raw: { mine, base, stored },
      },
      {
        what: 'single-event ingest vs a naive durable route',
        measured: `${fmt(mine.rps)} req/s, p99 ${mine.p99} ms`,
        baseline: `Express + 1 SQLite insert + commit per request (FULL): ${fmt(naive.rps)} req/s, p99 ${naive.p99} ms`,
        ratio: `${naiveRatio.toFixed(2)} ×`,
        target: '≥ 2 × the naive route',
        verdict: naiveMet ? 'met' : 'missed',
        ...(naiveMet ? {} : { why: 'See test/bench/NOTES.md (single-event ingest).' }),
        raw: { mine, naive },
      },
    ],
  };
}
