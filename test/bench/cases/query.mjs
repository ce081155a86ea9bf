// Dashboard query: 30 days of compliance by hour for each of 20 sites (both default standards) with N stored
// events (default 10 M), over HTTP from the built server, vs the same answer from a naive GROUP BY over the raw
// events and judgements (better-sqlite3, in the harness, no HTTP: flattering the baseline, not the product).
// Then the same on PostgreSQL when it is reachable (the same rows copied into a fresh database, a server with
// `--database URL`, measured side by side with SQLite's, every answer compared), as a ratio to SQLite's figure.
import { fmt, http, removeDir, settleDisk, startRingside, summary, tempDir, dirSizeMb } from '../lib/common.mjs';
import { loadStoreTools } from '../lib/build.mjs';
import { copyFixture, createBenchDatabase, databaseBytes, redactedUrl, withClient } from '../lib/pgFixture.mjs';
import { Database } from '../lib/db.mjs';
import { join } from 'node:path';

const SITES = 20;
export const DEFAULT_EVENTS = 10_000_000;
const HOUR = 3_600_000;
const NAIVE = `
  SELECT j.standard_id AS standardId, (e.occurred_at_ms / ${HOUR}) * ${HOUR} AS hour, SUM(j.counted) AS total, SUM(j.met) AS met
  FROM events e JOIN judgements j ON j.event_seq = e.seq
  WHERE e.site = ? AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ?
  GROUP BY j.standard_id, hour`;
const NAIVE_PG = NAIVE.replace('?', '$1').replace('?', '$2').replace('?', '$3');

/**
 * Starts every server, warms each up, then `rounds` × every site's request, sequential, the servers taking turns site
 * by site (the order swapped every other site), so a machine whose load drifts weighs on each alike. Per server:
 * latencies, each round's whole dashboard (the sum of its 20 requests), the last round's answers.
 */
async function measure(starters, { sites, path, rounds, warm }) {
  const servers = [];
  try {
    for (const start of starters) servers.push(await start());
    const out = servers.map(() => ({ latencies: [], dashboards: [], answers: [] }));
    for (const server of servers) for (const site of sites.slice(0, warm)) await http('GET', server.url + path(site)); // page cache, statement cache
    for (let r = 0; r < rounds; r++) {
      for (const o of out) o.answers = [];
      const before = out.map((o) => o.latencies.length);
      for (const [i, site] of sites.entries()) {
        const order = i % 2 === 0 ? servers.keys() : [...servers.keys()].reverse();
        for (const k of order) {
          const res = await http('GET', servers[k].url + path(site));
          if (res.status !== 200) throw new Error(`compliance answered ${res.status}: ${res.body.slice(0, 300)}`);
          out[k].latencies.push(res.ms);
          out[k].answers[i] = JSON.parse(res.body);
        }
      }
      out.forEach((o, k) => o.dashboards.push(o.latencies.slice(before[k]).reduce((a, b) => a + b, 0)));
    }
    return out;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** The first place two answers differ (a JSON path and both values), or null when they are equal. */
function firstDifference(a, b, where = '') {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return { where, sqlite: a, postgres: b };
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], `${where}.${k}`);
    if (d) return d;
  }
  return null;
}

/**
 * The same fixture on PostgreSQL (lib/pgFixture.mjs): a fresh database, migrated and seeded by the product, filled by
 * COPY from the SQLite file. { skipped } when PostgreSQL cannot be reached (only this part of the case is skipped).
 */
async function preparePostgres({ dir, tools, log }) {
  const database = await createBenchDatabase();
  if (!database.url) {
    log(`query: PostgreSQL part skipped: ${database.reason}`);
    return { skipped: database.reason, cleanup: async () => undefined };
  }
  const nodeDir = tempDir('query-pg');
  const cleanup = async () => {
    removeDir(nodeDir);
    await database.drop();
  };
  try {
    const t0 = performance.now();
    await (await tools.openBenchStore(nodeDir, database.url)).store.close(); // migrations and standards, by the product
    const copy = await copyFixture(dir, database.url);
    const loadMs = performance.now() - t0;
    const bytes = await databaseBytes(database.url);
    log(`query: PostgreSQL fixture in ${(loadMs / 1000).toFixed(1)} s ${JSON.stringify(copy)}, ${(bytes / 2 ** 20).toFixed(0)} MB`);
    return { url: database.url, nodeDir, copy, loadMs, bytes, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** PostgreSQL's answers must equal SQLite's, site by site; then its naive GROUP BY and in-process breakdown. */
async function postgresFigures(side, measured, { tools, sites, answers, naiveSites, fromMs, toMs }) {
  sites.forEach((site, i) => {
    const d = firstDifference(answers[i], measured.answers[i]);
    if (d) throw new Error(`PostgreSQL's report for ${site} differs from SQLite's on the same fixture at ${d.where}: ${JSON.stringify(d).slice(0, 400)}`);
  });
  const naive = await withClient(side.url, async (client) => {
    const times = [];
    await client.query(NAIVE_PG, [naiveSites[0], fromMs, toMs]); // warm-up
    for (const site of naiveSites) {
      const t = performance.now();
      await client.query(NAIVE_PG, [site, fromMs, toMs]);
      times.push(performance.now() - t);
    }
    return times;
  });
  const parts = await tools.queryBreakdown(side.nodeDir, sites[0], fromMs, toMs, side.url);
  return { ...measured, copy: side.copy, loadMs: side.loadMs, bytes: side.bytes, naive, parts, url: redactedUrl(side.url) };
}

/** The report's PostgreSQL row: beside SQLite's figure from the same run on the same fixture. */
function postgresRow(pgr, mine, events) {
  const what = `dashboard query on PostgreSQL (${fmt(events / 1e6, events < 1e6 ? 2 : 0)} M events)`;
  const target = 'p50 < 50 ms (10 M events)';
  if (pgr.skipped) return { what, measured: 'skipped: PostgreSQL not reachable', baseline: `SQLite: p50 ${fmt(mine.p50, 1)} ms`, ratio: '', target, verdict: 'skipped', why: pgr.skipped };
  const p = summary(pgr.latencies);
  const ratio = p.p50 / mine.p50;
  return {
    what,
    measured: `p50 ${fmt(p.p50, 1)} ms, p99 ${fmt(p.p99, 1)} ms per site-request`,
    baseline: `SQLite, same fixture: p50 ${fmt(mine.p50, 1)} ms, p99 ${fmt(mine.p99, 1)} ms`,
    ratio: `${fmt(ratio, 2)} × SQLite's p50`,
    target,
    verdict: p.p50 < 50 ? 'met' : 'missed',
    why: events < 10_000_000
      ? `Measured at ${fmt(events)} events, not 10 M. The report reads rollups and value histograms, bounded by buckets × sites × distinct values, not by the event count (the same extrapolation as SQLite's row).`
      : '',
    raw: { p, copy: pgr.copy, loadMs: pgr.loadMs, bytes: pgr.bytes, naive: summary(pgr.naive), parts: pgr.parts },
  };
}

function postgresDetails(pgr, events) {
  if (pgr.skipped) return [`PostgreSQL: skipped (${pgr.skipped}).`];
  const p = summary(pgr.latencies);
  const n = summary(pgr.naive);
  return [
    `PostgreSQL fixture (${pgr.url}, a fresh database created and dropped by the run): the same ${fmt(events)} events copied from the SQLite fixture in ${fmt(pgr.loadMs / 1000, 1)} s (COPY ${fmt(pgr.copy.copyMs / 1000, 1)} s, secondary indexes ${fmt(pgr.copy.indexMs / 1000, 1)} s, VACUUM ANALYZE ${fmt(pgr.copy.vacuumMs / 1000, 1)} s${pgr.copy.checkpointMs === undefined ? '' : `, CHECKPOINT ${fmt(pgr.copy.checkpointMs / 1000, 1)} s`}); database ${fmt(pgr.bytes / 2 ** 20)} MB. Rows: ${Object.entries(pgr.copy.rows).map(([t, r]) => `${t} ${fmt(r)}`).join(', ')}.`,
    `PostgreSQL per request: p50 ${fmt(p.p50, 1)} ms, p90 ${fmt(p.p90, 1)} ms, p99 ${fmt(p.p99, 1)} ms (${p.n} requests); a whole 20-site dashboard: ${pgr.dashboards.map((d) => fmt(d)).join(' / ')} ms; every site's report equal to SQLite's. In-process: rollup read ${fmt(pgr.parts.rollupMs, 1)} ms (${fmt(pgr.parts.rollupRows)} rows), value histograms ${fmt(pgr.parts.valuesMs, 1)} ms. Naive GROUP BY on PostgreSQL (pg client, no HTTP): p50 ${fmt(n.p50, 0)} ms over ${n.n} sites.`,
  ];
}

export async function run({ quick, log, queryEvents }) {
  // 10 M, the issue's size: ~3 minutes of the suite's 10 on 2 cores (generation ~1.5 min, 5 GB), plus ~4–8 minutes
  // and ~7 GB for the PostgreSQL copy when PostgreSQL is reachable. `--events N`
  // measures another size; below 10 M the report extrapolates (rollup read constant, raw reads linear).
  const events = queryEvents ?? (quick ? 50_000 : DEFAULT_EVENTS);
  // Three rounds at every size: a round is 20 requests per server (seconds, against minutes of generation), and the
  // p50 of one round is the p50 of 20 first touches of each site's pages, which a dashboard reading the same month
  // again and again does not see. The first round's p50 is printed beside it.
  const rounds = quick ? 1 : 3;
  const toMs = Math.floor(Date.now() / HOUR) * HOUR; // ends at the current hour, so the dashboard's "30 days" sees it
  const fromMs = toMs - 30 * 24 * HOUR;
  const dir = tempDir('query');
  try {
    const tools = await loadStoreTools();
    const t0 = performance.now();
    const gen = await tools.generateBulk({ dataDir: dir, events, sites: SITES, fromMs, toMs, seed: 42 });
    const genMs = performance.now() - t0;
    log(`query: generated ${events} events in ${(genMs / 1000).toFixed(1)} s ${JSON.stringify(gen)}, ${dirSizeMb(dir).toFixed(0)} MB`);
    const sites = Array.from({ length: SITES }, (_, i) => tools.siteName(i));
    const path = (site) => `/api/v1/compliance?site=${site}&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}&bucket=hour&tz=UTC`;

    const side = await preparePostgres({ dir, tools, log });
    try {
    const settleMs = settleDisk(log, 'the measured rounds');
    const starters = [() => startRingside(dir), ...(side.url ? [() => startRingside(side.nodeDir, { extra: ['--database', side.url] })] : [])];
    const [{ latencies, dashboards, answers }, onPg] = await measure(starters, { sites, path, rounds, warm: events > 2_000_000 ? 2 : SITES });

    // The naive baseline, and a check that both give the same numbers.
    const db = new Database(join(dir, 'ringside.db'), { readonly: true });
    const naive = [];
    let checked = 0;
    try {
      const stmt = db.prepare(NAIVE);
      const naiveSites = quick ? sites.slice(0, 2) : sites.slice(0, 5);
      stmt.all(naiveSites[0], fromMs, toMs); // warm-up
      for (const site of naiveSites) {
        const t = performance.now();
        const rows = stmt.all(site, fromMs, toMs);
        naive.push(performance.now() - t);
        const report = answers[sites.indexOf(site)];
        for (const row of rows) {
          const figure = report.standards.find((s) => s.standardId === row.standardId);
          const point = figure?.series?.find((p) => Date.parse(p.start) === row.hour);
          if (!point || point.total !== row.total || point.met !== row.met) throw new Error(`the report disagrees with the naive query for ${site} ${row.standardId} ${new Date(row.hour).toISOString()}: ${JSON.stringify({ point, row })}`);
          checked += 1;
        }
      }
    } finally {
      db.close();
    }
    const parts = await tools.queryBreakdown(dir, sites[0], fromMs, toMs);
    const pgr = side.url ? await postgresFigures(side, onPg, { tools, sites, answers, naiveSites: quick ? sites.slice(0, 2) : sites.slice(0, 5), fromMs, toMs }) : side;
    const mine = summary(latencies);
    const firstRound = summary(latencies.slice(0, SITES));
    const base = summary(naive);
    const speedup = base.p50 / mine.p50;
    // Extrapolation to 10 M when measured smaller: the rollup and histogram reads do not grow with the event count
    // once every 15-minute bucket is populated (it is by 50 k events; a histogram holds at most one row per
    // distinct value); the naive query grows linearly.
    const scale = 10_000_000 / events;
    const extrapolated = { p50: mine.p50, naive: base.p50 * scale };
    const metHere = mine.p50 < 20 && speedup >= 50;
    const met = metHere && (events >= 10_000_000 || (extrapolated.p50 < 20 && extrapolated.naive / extrapolated.p50 >= 50));
    const points = answers[0].standards.reduce((n, s) => n + (s.series?.length ?? 0), 0);
    log(`query: ringside ${JSON.stringify(mine)} naive ${JSON.stringify(base)}`);
    return {
      title: 'Dashboard query',
      how: `${fmt(events)} events (70 % calls, 30 % visits) over 30 days × ${SITES} sites, generated by \`generateBulk\` (test/bench/lib/bulkLoad.ts): one JavaScript pass (seeded PRNG) writing the events and their judgements (the two default standards) in seq order with multi-row INSERTs, triggers and secondary indexes dropped and the journal off during the load, summing the rollups and value histograms in typed arrays in the same pass (written at the end; equal to the engine's \`rebuildRollups()\`, tested), then recreating the indexes and triggers; a sample of 2,000 generated events is re-prepared by the engine's \`prepareEvent()\` from their content and must agree column for column. These generated rows have no audit-chain links (the query does not read the chain; \`chainGenerated()\` adds them for the export case). One request = \`GET /api/v1/compliance?site=S&from=…&to=…&bucket=hour&tz=UTC\` (30 × 24 hourly points × 2 standards for one site); ${SITES} sites × ${rounds} rounds after a warm-up pass, sequential, over keep-alive HTTP with a Bearer key. Baseline: the same per-site hourly sums by a naive \`GROUP BY\` over raw events ⋈ judgements (site+time index) in better-sqlite3 directly, ${naive.length} sites; every naive row is compared with the report's series point. On PostgreSQL (when reachable): the same rows copied from that SQLite file into a fresh database by \`COPY\` (test/bench/lib/pgFixture.mjs: schema and standards by the product's own migrations, secondary indexes rebuilt after the copy, then VACUUM ANALYZE), a server started with \`--database URL\`, the same requests, the two servers taking turns site by site (so the machine's drifting load weighs on both alike); every site's whole report must equal SQLite's (the run fails otherwise). Its baseline is SQLite's figure from the same run. Before the servers start, what the fixtures wrote is put on disk (PostgreSQL's \`CHECKPOINT\` after the copy, then \`sync\`: ${fmt(settleMs / 1000, 1)} s in this run), so the measured requests do not share the disk and the cores with gigabytes of write-back, as a dashboard in service does not.`,
    details: [
      `Generation: ${fmt(events)} events in ${fmt(genMs / 1000, 1)} s (events and judgements ${fmt(gen.insertMs / 1000, 1)} s, rollup and histogram rows ${fmt(gen.rollupMs / 1000, 1)} s, indexes and triggers ${fmt(gen.indexMs / 1000, 1)} s, engine cross-check of ${gen.checked} events ${fmt(gen.checkMs)} ms) = ${fmt(events / (genMs / 1000))} events/s; database ${fmt(dirSizeMb(dir))} MB.`,
      `Ringside per request: p50 ${fmt(mine.p50, 1)} ms, p90 ${fmt(mine.p90, 1)} ms, p99 ${fmt(mine.p99, 1)} ms (${mine.n} requests, ${points} series points each; the first round alone, each site's first request after ${events > 2_000_000 ? 'a warm-up of 2 sites' : 'the warm-up'}: p50 ${fmt(firstRound.p50, 1)} ms); a whole 20-site dashboard (the sum of its 20 sequential requests): ${dashboards.map((d) => fmt(d)).join(' / ')} ms.`,
      `Inside one site-request (in-process, median of 3): the rollup read behind the hourly series and sums takes ${fmt(parts.rollupMs, 1)} ms (${fmt(parts.rollupRows)} rows of sums per standard × hour × version, from \`rollup_hour\` (the hour grain, migration 21) through its covering site index); the read behind the p90 companion (\`engine.values\`: the value histograms of migration 6, whole days and quarter hours, raw judgements only for sub-quarter-hour edges) takes ${fmt(parts.valuesMs, 1)} ms for ${fmt(parts.valueRows)} judgements' values.`,
      `Naive GROUP BY per site: p50 ${fmt(base.p50, 1)} ms (${naive.map((d) => fmt(d)).join(', ')} ms); ${fmt(checked)} hourly rows compared with the report: all equal.`,
      ...postgresDetails(pgr, events),
    ],
    rows: [
      {
        what: `dashboard query (${fmt(events / 1e6, events < 1e6 ? 2 : 0)} M events)`,
        measured: `p50 ${fmt(mine.p50, 1)} ms, p99 ${fmt(mine.p99, 1)} ms per site-request`,
        baseline: `naive GROUP BY: p50 ${fmt(base.p50, 0)} ms`,
        ratio: `${fmt(speedup, speedup < 10 ? 2 : 0)} × faster`,
        target: 'p50 < 20 ms, ≥ 50 × faster (10 M events)',
        verdict: met ? 'met' : 'missed',
        why: [
          events < 10_000_000
            ? `Measured at ${fmt(events)} events, not 10 M, to keep the whole suite within 10 minutes on 2 cores (generating 10 M takes minutes alone; \`pnpm bench query --events 10000000\` runs it). Extrapolated to 10 M: the rollup and histogram reads stay (bounded by buckets × sites × distinct values), the naive query grows linearly, giving p50 ≈ ${fmt(extrapolated.p50)} ms vs naive ≈ ${fmt(extrapolated.naive)} ms (${fmt(extrapolated.naive / extrapolated.p50, 0)} ×).`
            : '',
          metHere ? '' : `The request reads the hourly sums from rollups (${fmt(parts.rollupMs, 1)} ms in-process) and the p90's values from the value histograms (${fmt(parts.valuesMs, 1)} ms); neither grows with the events. The rest is building and serialising the 1,440-point report and HTTP, on a machine shared with other work (see the load average above).`,
        ].filter(Boolean).join(' '),
        raw: { mine, firstRound, base, gen, genMs, events, parts, extrapolated },
      },
      postgresRow(pgr, mine, events),
    ],
  };
    } finally {
      await side.cleanup();
    }
  } finally {
    removeDir(dir);
  }
}
