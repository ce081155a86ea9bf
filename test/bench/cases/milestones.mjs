// Milestones: calls posted as open clocks, POST /api/v1/milestones in batches of 1,000 — a batch of `started`
// milestones (1,000 cases opened), then a batch of their `answered` stops (1,000 cases closed, each becoming its
// finished event, judged, chained and summed). Milestones/s = acknowledged milestones / s. Afterwards the database
// must hold exactly the acknowledged milestones, and every case whose stop was acknowledged must be closed with its
// finished event and judgement. Baseline: raw prepared inserts of the same rows (each milestone, its case opened and
// closed, the finished event and its judgement) in one transaction, WAL + synchronous FULL like the product.
import { join } from 'node:path';
import { cpuMs, fmt, http, removeDataDir, removeDir, startRingside, summary, tempDir } from '../lib/common.mjs';
import { Database } from '../lib/db.mjs';
import { leafHash, rawSchema, treeHead } from './batch.mjs';
import { ceilingDetail, ceilingVerdict, measureCeiling } from '../lib/ceiling.mjs';
import { cpuBudget } from '../lib/cpuBudget.mjs';

const BATCH = 1000;
/** The target: at least this share of the raw loop's rate. */
const TARGET_OF_RAW = 0.4;
const CONNECTIONS = 2;
const SITES = 20;
/** What a call's milestones cost the product beyond durability and proof (the ceiling's remainder). */
const LEFT_WORK = "validation, the order check's and the case's reads, the milestone and case rows, settling each closed case into its finished event (prepared, judged, written with its judgement, rollup and histogram cells) and its case judgement";

/** The start and stop batches of `BATCH` calls; case ids unique per (worker, round). */
function batches(worker, round, nowMs) {
  const starts = [];
  const stops = [];
  for (let i = 0; i < BATCH; i++) {
    const site = `site-${String(i % SITES).padStart(2, '0')}`;
    const caseId = `w${worker}-r${round}-c${i}`;
    const startMs = nowMs - 60_000 + (i % 50) * 100;
    starts.push({ type: 'call', site, caseId, milestone: 'started', at: new Date(startMs).toISOString(), queue: `q${i % 3}`, agent: `a${i % 10}` });
    stops.push({ type: 'call', site, caseId, milestone: 'answered', at: new Date(startMs + 1000 + (i % 30) * 1000).toISOString(), agent: `a${i % 10}` });
  }
  return { starts: JSON.stringify({ milestones: starts }), stops: JSON.stringify({ milestones: stops }) };
}

/** `rounds` start batches, each followed by its stop batch, as the milestone items one POST carries. */
function ceilingBatches(rounds) {
  return Array.from({ length: rounds }, (_, round) => {
    const { starts, stops } = batches(0, round, Date.now());
    return [JSON.parse(starts).milestones, JSON.parse(stops).milestones];
  }).flat();
}

/** Each worker posts start batch, then stop batch, until `ms` have passed; every POST must be answered 201. */
async function drive(url, ms, from) {
  const deadline = performance.now() + ms;
  const latencies = [];
  let acknowledged = 0;
  let closedCases = 0;
  const worker = async (w) => {
    for (let round = 0; performance.now() < deadline; round++) {
      const { starts, stops } = batches(from + w, round, Date.now());
      for (const body of [starts, stops]) {
        latencies.push(await post(`${url}/api/v1/milestones`, body));
        acknowledged += BATCH;
      }
      closedCases += BATCH;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  return { acknowledged, closedCases, seconds, perSecond: acknowledged / seconds, latency: summary(latencies) };
}

/**
 * One batch, answered 201; a connection reset by the loaded machine is retried once, where 200 (all duplicates: the
 * first attempt was stored) is the answer too. Resolves with the latency (ms).
 */
async function post(url, body) {
  const r = await http('POST', url, { body }).catch((error) => {
    if (error.code !== 'ECONNRESET') throw error;
    return http('POST', url, { body }).then((again) => ({ ...again, status: again.status === 200 ? 201 : again.status }));
  });
  if (r.status !== 201) throw new Error(`POST /milestones answered ${r.status}: ${r.body.slice(0, 300)}`);
  return r.ms;
}

function storedMilestones(dir) {
  const db = new Database(join(dir, 'ringside.db'), { readonly: true });
  try {
    const one = (sql) => db.prepare(sql).get().n;
    return {
      milestones: one('SELECT COUNT(*) AS n FROM milestones'),
      closed: one("SELECT COUNT(*) AS n FROM cases WHERE state = 'closed' AND event_seq IS NOT NULL"),
      open: one("SELECT COUNT(*) AS n FROM cases WHERE state = 'open'"),
      events: one('SELECT COUNT(*) AS n FROM events'),
      judgements: one('SELECT COUNT(*) AS n FROM judgements'),
      chain: one('SELECT COUNT(*) AS n FROM audit_chain'),
    };
  } finally {
    db.close();
  }
}

export async function run({ quick, log, profile }) {
  const duration = quick ? 2 : 10;
  const dir = tempDir('milestones');
  let warm, mine, stored;
  try {
    const server = await startRingside(dir, { profile });
    try {
      warm = await drive(server.url, 1000, 0);
      const cpu = cpuMs(server.pid);
      const load = process.cpuUsage();
      mine = await drive(server.url, duration * 1000, CONNECTIONS);
      const loadUsed = process.cpuUsage(load);
      mine.cpuUsPerMilestone = ((cpuMs(server.pid) - cpu) * 1000) / mine.acknowledged;
      mine.loadCpuUsPerMilestone = (loadUsed.user + loadUsed.system) / mine.acknowledged;
    } finally {
      await server.stop();
    }
    stored = storedMilestones(dir);
  } finally {
    removeDataDir(dir, { profile, log });
  }
  const acknowledged = warm.acknowledged + mine.acknowledged;
  const closed = warm.closedCases + mine.closedCases;
  log(`milestones: ringside ${JSON.stringify(mine)} stored ${JSON.stringify(stored)} acknowledged ${acknowledged}`);
  // Nothing is in flight at the end (each worker waits for its answer): acknowledged = stored, exactly.
  if (stored.milestones !== acknowledged || stored.closed !== closed || stored.open !== 0 || stored.events !== closed || stored.judgements !== closed) {
    throw new Error(`milestones: acknowledged ${acknowledged} milestones and ${closed} closed cases; stored ${JSON.stringify(stored)}`);
  }
  const rawCount = quick ? 10_000 : 100_000;
  const base = rawMilestones(rawCount);
  // The floor with durability and proof: the same rows committed per POST, each record hashed as a Merkle leaf.
  const floor = { perPost: rawMilestones(rawCount, { perPost: true }), proven: rawMilestones(rawCount, { perPost: true, proof: true }) };
  const ofRaw = (x) => `${fmt(x.perSecond)} milestones/s = ${(x.perSecond / base.perSecond).toFixed(2)} × raw`;
  const ceiling = await measureCeiling('milestones', ceilingBatches(quick ? 2 : 5));
  const ceilingTerms = { unit: 'milestone', rawPerSecond: base.perSecond, meets: (rate) => rate / base.perSecond >= TARGET_OF_RAW, leftWork: LEFT_WORK };
  const ratio = mine.perSecond / base.perSecond;
  const met = ratio >= TARGET_OF_RAW;
  const budget = cpuBudget({
    unit: 'milestone',
    rate: TARGET_OF_RAW * base.perSecond,
    parts: [
      { what: 'the server', us: mine.cpuUsPerMilestone },
      { what: 'the load generator', us: mine.loadCpuUsPerMilestone },
    ],
    threadUs: mine.cpuUsPerMilestone,
  });
  return {
    title: 'Milestones (open clocks)',
    how: `${CONNECTIONS} keep-alive connections for ${duration} s (after a 1 s warm-up), each posting \`POST /api/v1/milestones\` batches of ${BATCH} calls' \`started\` milestones and then a batch of their \`answered\` stops (closing ${BATCH} cases: each becomes its finished event, judged, chained and summed), ${SITES} sites, Bearer key. Milestones/s = acknowledged milestones / s; afterwards the database must hold exactly the acknowledged milestones, every acknowledged case closed with its finished event and judgement, none open. Baseline: raw better-sqlite3 prepared inserts of the same rows in one transaction (each milestone with the columns and indexes of migration 11, its case opened then closed, the finished event and its judgement as in the batch case's raw loop; no triggers, no audit chain), WAL + synchronous FULL.`,
    details: [
      `Ringside: ${fmt(mine.perSecond)} milestones/s (${fmt(mine.acknowledged)} in ${fmt(mine.seconds, 1)} s, ${fmt(mine.closedCases)} cases closed), per batch p50 ${fmt(mine.latency.p50)} ms, p99 ${fmt(mine.latency.p99)} ms; server CPU ${fmt(mine.cpuUsPerMilestone, 1)} µs per milestone; database afterwards: ${fmt(stored.milestones)} milestones, ${fmt(stored.closed)} closed cases, ${fmt(stored.events)} finished events, ${fmt(stored.judgements)} judgements, ${fmt(stored.chain)} audit-chain links (acknowledged, warm-up included: ${fmt(acknowledged)} milestones).`,
      `Raw insert loop: ${fmt(base.milestones)} milestones (${fmt(base.milestones / 2)} cases) in ${fmt(base.ms)} ms = ${fmt(base.perSecond)} milestones/s.`,
      `The floor with durability and proof (the same loop and rows, nothing of the product): each start batch and each stop batch committed and fsynced on its own, as each POST is acknowledged, ${ofRaw(floor.perPost)}; with each record (two milestones, the finished event, its judgement) hashed once as an RFC 6962 leaf and a Merkle tree head per commit, ${ofRaw(floor.proven)}.`,
      ceilingDetail(ceiling, ceilingTerms),
      budget.text,
    ],
    rows: [
      {
        what: 'milestones (start + stop, batches of 1,000)',
        measured: `${fmt(mine.perSecond)} milestones/s, cases closed and judged (server CPU ${fmt(mine.cpuUsPerMilestone, 1)} µs each)`,
        baseline: `raw prepared inserts, 1 transaction: ${fmt(base.perSecond)} milestones/s`,
        ratio: `${ratio.toFixed(2)} ×`,
        target: `≥ ${TARGET_OF_RAW} × raw`,
        verdict: met ? 'met' : 'missed',
        ...(met
          ? {}
          : {
              why:
                floor.proven.perSecond / base.perSecond < TARGET_OF_RAW
                  ? `No ingest that keeps durability and a per-record proof can meet it here: the floor alone reaches ${ofRaw(floor.proven)}. Where the time goes: test/bench/NOTES.md (milestones).`
                  : [
                      `The floor with durability and proof (${ofRaw(floor.proven)}) leaves room: the rest is the product's own work per call above it (its case reads, clocks, breach claim and miss, judging, rollups, link rows, HTTP).`,
                      ceilingVerdict(ceiling, ceilingTerms),
                      budget.verdict,
                      'Where the time goes: test/bench/NOTES.md (milestones).',
                    ]
                      .filter(Boolean)
                      .join(' '),
            }),
        raw: { mine, base, floor, stored, acknowledged, ceiling, budget },
      },
    ],
  };
}

/** The raw limit: the rows `cases` calls leave behind (2 milestones, a case, an event, a judgement each), one transaction. */
export function rawMilestones(milestones, { perPost = false, proof = false } = {}) {
  const dir = tempDir('raw-milestones');
  const db = new Database(join(dir, 'raw.db'));
  try {
    rawSchema(db);
    db.exec(`
      CREATE TABLE milestones (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, site TEXT NOT NULL, case_id TEXT NOT NULL,
        milestone TEXT NOT NULL, at_ms INTEGER NOT NULL, at TEXT NOT NULL, received_at_ms INTEGER NOT NULL, agent TEXT, queue TEXT, handle_seconds REAL,
        content TEXT NOT NULL, UNIQUE (type, site, case_id, milestone));
      CREATE INDEX milestones_by_time ON milestones (at_ms);
      CREATE TABLE cases (type TEXT NOT NULL, site TEXT NOT NULL, case_id TEXT NOT NULL, state TEXT NOT NULL, opened_at_ms INTEGER NOT NULL, closed_at_ms INTEGER,
        expired INTEGER NOT NULL DEFAULT 0, event_seq INTEGER, PRIMARY KEY (type, site, case_id));
      CREATE INDEX cases_open ON cases (opened_at_ms) WHERE state = 'open';`);
    const insertMilestone = db.prepare('INSERT INTO milestones (id, type, site, case_id, milestone, at_ms, at, received_at_ms, agent, queue, handle_seconds, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)');
    const openCase = db.prepare("INSERT INTO cases (type, site, case_id, state, opened_at_ms) VALUES (?, ?, ?, 'open', ?) ON CONFLICT DO NOTHING");
    const closeCase = db.prepare("UPDATE cases SET state = 'closed', closed_at_ms = ?, event_seq = ? WHERE type = ? AND site = ? AND case_id = ? AND state = 'open'");
    const insertEvent = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
      VALUES (?, 'call', ?, ?, ?, ?, 'answered', ?, ?, NULL, ?, ?, '["rings"]', ?)`);
    const insertJudgement = db.prepare("INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason) VALUES (?, 'call-answer-2-rings', 1, 'rings', ?, 2, ?, 1, NULL)");
    db.exec('CREATE TABLE tree_heads (size INTEGER PRIMARY KEY, root BLOB NOT NULL)');
    const insertHead = db.prepare('INSERT INTO tree_heads (size, root) VALUES (?, ?)');
    const cases = Math.floor(milestones / 2);
    const nowMs = Date.now();
    const { starts, stops } = batches(0, 0, nowMs);
    const round = [JSON.parse(starts).milestones, JSON.parse(stops).milestones];
    let leaves = [];
    let size = 0;
    // With `proof`, every record is hashed once as an RFC 6962 leaf; a commit stores its tree's head.
    const leaf = (values) => proof && leaves.push(leafHash(values));
    const headOfCommit = () => {
      if (!proof) return;
      size += leaves.length;
      insertHead.run(size, treeHead(leaves));
      leaves = [];
    };
    const startBatch = (from, n) => {
      for (let i = 0; i < n; i++) {
        const m = round[0][i];
        const row = [`raw-s-${from + i}`, m.type, m.site, `${from + i}`, m.milestone, nowMs, m.at, nowMs, m.agent, m.queue, JSON.stringify(m)];
        leaf([insertMilestone.run(...row).lastInsertRowid, ...row]);
        openCase.run(m.type, m.site, `${from + i}`, nowMs);
      }
      headOfCommit();
    };
    const stopBatch = (from, n) => {
      for (let i = 0; i < n; i++) {
        const m = round[1][i];
        const row = [`raw-a-${from + i}`, m.type, m.site, `${from + i}`, m.milestone, nowMs, m.at, nowMs, m.agent, null, JSON.stringify(m)];
        leaf([insertMilestone.run(...row).lastInsertRowid, ...row]);
        const answer = 1 + (i % 30);
        const rings = Math.ceil(answer / 6);
        const event = [`case:call:${m.site}:${from + i}`, m.site, nowMs, round[0][i].at, nowMs, rings, answer, round[0][i].queue, m.agent, JSON.stringify(m)];
        const seq = insertEvent.run(...event).lastInsertRowid;
        leaf([seq, ...event]);
        insertJudgement.run(seq, rings, rings <= 2 ? 1 : 0);
        leaf([seq, rings, rings <= 2 ? 1 : 0]);
        closeCase.run(nowMs, seq, m.type, m.site, `${from + i}`);
      }
      headOfCommit();
    };
    // Per POST: each start batch and each stop batch its own transaction (one fsync each), as each is acknowledged.
    const start = perPost ? db.transaction(startBatch) : startBatch;
    const stop = perPost ? db.transaction(stopBatch) : stopBatch;
    const all = () => {
      for (let from = 0; from < cases; from += BATCH) {
        const n = Math.min(BATCH, cases - from);
        start(from, n);
        stop(from, n);
      }
    };
    const started = performance.now();
    if (perPost) all();
    else db.transaction(all)();
    const ms = performance.now() - started;
    return { milestones: cases * 2, ms, perSecond: (cases * 2) / (ms / 1000) };
  } finally {
    db.close();
    removeDir(dir);
  }
}
