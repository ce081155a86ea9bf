// Single-event ingest: autocannon POST /api/v1/events (one event each) against the built server, against a bare
// Express route answering 201, and against a naive durable route (one SQLite INSERT committed per request,
// synchronous = FULL), all on the same setup (child process, 127.0.0.1, same load). Every acknowledged event must
// be in the database afterwards, with its judgement.
import { join } from 'node:path';
import { AUTH, cpuMs, eventBody, fmt, removeDataDir, removeDir, startChild, startRingside, tempDir } from '../lib/common.mjs';
import { cannon, figures } from '../lib/load.mjs';
import { countStored, Database } from '../lib/db.mjs';

const CONNECTIONS = 10;
const SERVERS = ['bare', 'naive', 'ringside'];

/** One measured round against a server already up: autocannon's figures and the server's CPU per answered request. */
async function round({ url, pid }, body, duration, headers) {
  const cpu = cpuMs(pid);
  const f = figures(await cannon({ url: `${url}/api/v1/events`, body, headers, connections: CONNECTIONS, duration }));
  return { ...f, cpuMs: cpuMs(pid) - cpu };
}

/** The rounds of one server summed: rate over all of them, the worst round's p99 and max, CPU per request. */
function combined(warm, rounds) {
  const ok = rounds.reduce((n, r) => n + r.ok, 0);
  const seconds = rounds.reduce((n, r) => n + r.duration, 0);
  const p50s = rounds.map((r) => r.p50).sort((a, b) => a - b);
  return {
    ok,
    rps: ok / seconds,
    p50: p50s[Math.floor(p50s.length / 2)],
    p99: Math.max(...rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    unanswered: warm.errors + rounds.reduce((n, r) => n + r.errors, 0),
    acknowledged: warm.ok + ok,
    cpuUsPerRequest: (rounds.reduce((n, r) => n + r.cpuMs, 0) * 1000) / ok,
    rounds: rounds.map((r) => Math.round(r.rps)),
  };
}

/**
 * The three servers up side by side (idle while another is loaded), warmed up once each, then measured in rounds:
 * round r starts with server r (bare, naive, Ringside; then naive, Ringside, bare; …), so a slow patch of this shared
 * machine falls on all three alike instead of on whichever was measured then.
 */
async function measureAll(body, { rounds, duration, profile, log }) {
  const naiveDir = tempDir('naive');
  const dir = tempDir('ingest');
  const up = {};
  try {
    up.bare = await startChild([join(import.meta.dirname, '../servers/bareExpress.mjs')]);
    up.naive = await startChild([join(import.meta.dirname, '../servers/naiveDurable.mjs'), naiveDir]);
    up.ringside = await startRingside(dir, { profile });
    const headers = { bare: {}, naive: {}, ringside: AUTH };
    const warm = {};
    for (const name of SERVERS) warm[name] = figures(await cannon({ url: `${up[name].url}/api/v1/events`, body, headers: headers[name], connections: CONNECTIONS, duration: 1 }));
    const measured = { bare: [], naive: [], ringside: [] };
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < SERVERS.length; k++) {
        const name = SERVERS[(r + k) % SERVERS.length];
        measured[name].push(await round(up[name], body, duration, headers[name]));
      }
    }
    const result = Object.fromEntries(SERVERS.map((name) => [name, combined(warm[name], measured[name])]));
    for (const name of SERVERS) await up[name].stop();
    const db = new Database(join(naiveDir, 'naive.db'), { readonly: true });
    result.naive.stored = db.prepare('SELECT COUNT(*) AS n FROM events').get().n;
    db.close();
    if (result.naive.stored < result.naive.acknowledged) throw new Error(`naive route: ${result.naive.stored} rows stored, ${result.naive.acknowledged} acknowledged`);
    result.ringside.stored = countStored(dir);
    return result;
  } finally {
    await Promise.all(Object.values(up).map((p) => p.stop().catch(() => undefined)));
    removeDir(naiveDir);
    removeDataDir(dir, { profile, log });
  }
}

/**
 * Why a run missed 2 × the naive route, in its own figures: the naive route's rate is set by its one fsync per
 * request, so the target is a budget of main-thread time per request that a faster disk shrinks.
 */
export function naiveWhy(mine, base, naive) {
  const budgetUs = 1e6 / (2 * naive.rps);
  return (
    `The naive route's rate is set by its one fsync per request, so it follows the disk (${fmt(naive.rps)} req/s in this run, at ${fmt(naive.cpuUsPerRequest)} µs of CPU each). ` +
    `Twice that, ${fmt(2 * naive.rps)} req/s, leaves ${fmt(budgetUs)} µs of the server's one thread per request for everything, each group commit's fsync wait included; ` +
    `Ringside's CPU alone took ${fmt(mine.cpuUsPerRequest)} µs per request and the bare route's, which stores nothing, ${fmt(base.cpuUsPerRequest)} µs. ` +
    'Of Ringside\'s, the durable, judged, chained write is ~70 µs (its share of the group\'s COMMIT and fsync ~35, SQLite\'s statements ~20, hashing ~4, judging and validation ~11) and the HTTP exchange with the key check the rest: test/bench/NOTES.md 18.O and 18.AG.'
  );
}

export async function run({ quick, log, profile }) {
  const rounds = quick ? 1 : 3;
  const duration = quick ? 1 : 5;
  const body = eventBody(1);
  const { bare: base, naive, ringside: mine } = await measureAll(body, { rounds, duration, profile, log });
  const stored = mine.stored;
  log(`ingest: ringside ${JSON.stringify(mine)} bare ${JSON.stringify(base)} naive ${JSON.stringify(naive)}`);
  // Acknowledged = stored: requests still in flight when autocannon stopped counting were stored too (at most one per connection, in the warm-up and in each round).
  const complete = stored.events >= mine.acknowledged && stored.events - mine.acknowledged <= (rounds + 1) * CONNECTIONS + mine.unanswered && stored.judgements === stored.events;
  if (!complete) throw new Error(`ingest: ${stored.events} events and ${stored.judgements} judgements stored, ${mine.acknowledged} acknowledged`);
  const ratio = mine.rps / base.rps;
  const naiveRatio = mine.rps / naive.rps;
  const met = ratio >= 0.6 && mine.p99 < 20 && mine.errors === 0;
  const naiveMet = naiveRatio >= 2 && mine.errors === 0;
  const how = `autocannon, ${CONNECTIONS} connections; the three servers up side by side, each warmed up for 1 s, then measured in ${rounds} round(s) of ${duration} s each, the order rotated every round (rates are each server's answered requests over its ${rounds * duration} s; p99 and max are its worst round's), one call event per POST with a Bearer key (auth on, rate limit off, log level warn; no dashboard connected, so no live update is built, as on a node nobody watches); afterwards every acknowledged event must be in the database with its judgement. Baselines, each a child process on 127.0.0.1 under the same load: test/bench/servers/bareExpress.mjs, an Express app with \`express.json()\` answering 201; test/bench/servers/naiveDurable.mjs, the same app inserting each event into SQLite (WAL, synchronous = FULL) in its own transaction before answering 201 (one fsync per request; its rows are counted too).`;
  return {
    title: 'Single-event ingest',
    how,
    details: [
      `Ringside: ${fmt(mine.rps)} req/s, p50 ${mine.p50} ms, p99 ${mine.p99} ms, max ${mine.max} ms, server CPU ${fmt(mine.cpuUsPerRequest)} µs per request, ${mine.errors} errors/non-2xx, rounds ${mine.rounds.map((r) => fmt(r)).join(' / ')} req/s; ${fmt(stored.events)} events and ${fmt(stored.judgements)} judgements in the database afterwards (acknowledged, warm-up included: ${fmt(mine.acknowledged)}).`,
      `Bare Express: ${fmt(base.rps)} req/s, p50 ${base.p50} ms, p99 ${base.p99} ms, server CPU ${fmt(base.cpuUsPerRequest)} µs per request, rounds ${base.rounds.map((r) => fmt(r)).join(' / ')} req/s.`,
      `Naive durable route: ${fmt(naive.rps)} req/s, p50 ${naive.p50} ms, p99 ${naive.p99} ms, server CPU ${fmt(naive.cpuUsPerRequest)} µs per request, rounds ${naive.rounds.map((r) => fmt(r)).join(' / ')} req/s; ${fmt(naive.stored)} rows stored (acknowledged: ${fmt(naive.acknowledged)}).`,
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
        ...(naiveMet ? {} : { why: naiveWhy(mine, base, naive) }),
        raw: { mine, naive },
      },
    ],
  };
}
