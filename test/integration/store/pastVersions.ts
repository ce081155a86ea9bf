// Databases as past Ringside versions left them: built from the frozen migrations up to a version and filled with
import { expect } from 'vitest';
// random data through that version's own SQL (plain INSERTs and UPDATEs; its triggers chain, roll up and record
// history as they did then).
import { LATEST_VERSION, MIGRATIONS } from '../../../server/src/store/migrations';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { rebuildRollups } from '../../../server/src/store/sqlite/rebuild';
import { openRawDatabase } from '../../../server/src/store/sqlite/database';
import { bucketStart, contribution, type JudgementFacts, type Sign } from '../../../server/src/domain/rollups';

type Db = ReturnType<typeof openRawDatabase>;

/** Deterministic pseudo-random numbers (reproducible data). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const T0 = Date.parse('2026-02-02T00:00:00Z');
const STANDARDS = [
  { id: 'calls', version: 1, name: 'Calls within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F3' },
  { id: 'visits', version: 1, name: 'Visitors within 30 s', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 30, target: 0.9, formula: 'F3' },
] as const;

/** A new file at `version`, from the frozen migrations. */
export function createAt(dataDir: string, version: number): Db {
  const db = openRawDatabase(dataDir);
  expect(migrate(db, MIGRATIONS.slice(0, version))).toBe(version);
  return db;
}

interface Judged {
  seq: number;
  site: string;
  occurredAtMs: number;
  type: 'call' | 'visit';
  outcome: string;
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
  standard: (typeof STANDARDS)[number];
  value: number | null;
  met: 0 | 1;
  counted: 0 | 1;
  reason: string | null;
}

/** Events and their judgements through the version's SQL; returns what was written. */
function fillEvents(db: Db, version: number, rnd: () => number, count: number): Judged[] {
  const at = (t: number) => [t, new Date(t).toISOString()];
  const insertEvent = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertJudgement = version >= 2
    ? db.prepare('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, reason, counted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    : db.prepare('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const written: Judged[] = [];
  for (let i = 0; i < count; i += 1) {
    const type = rnd() < 0.6 ? 'call' : 'visit';
    const success = rnd() < 0.75;
    const outcome = type === 'call' ? (success ? 'answered' : 'abandoned') : success ? 'greeted' : 'left';
    const answerSeconds = type === 'call' ? Math.round(rnd() * 4000) / 100 : null;
    const rings = type === 'call' ? Math.floor(answerSeconds! / 6) + 1 : null;
    const greetSeconds = type === 'visit' ? Math.round(rnd() * 6000) / 100 : null;
    const [ms, iso] = at(T0 + Math.floor(rnd() * 2 * 86_400_000));
    const id = `v${version}-e${i}`;
    const site = rnd() < 0.5 ? 'a' : 'b';
    const seq = Number(insertEvent.run(id, type, site, ms, iso, ms, outcome, rings, answerSeconds, greetSeconds, type === 'call' ? 'q' : null, null, '["rings"]', `{"id":"${id}"}`).lastInsertRowid);
    const standard = STANDARDS[type === 'call' ? 0 : 1];
    const value = type === 'call' ? rings : greetSeconds;
    const outside = version >= 2 && rnd() < 0.15;
    const met: 0 | 1 = !outside && success && value! <= standard.threshold ? 1 : 0;
    const counted: 0 | 1 = outside ? 0 : 1;
    const reason = outside ? 'outside-hours' : success ? null : outcome;
    insertJudgement.run(seq, standard.id, 1, standard.measure, value, standard.threshold, met, reason, ...(version >= 2 ? [counted] : []));
    written.push({ seq, site, occurredAtMs: ms as number, type, outcome, rings, answerSeconds, greetSeconds, standard, value, met, counted, reason });
  }
  return written;
}

/**
 * A correction's compensating rollup delta, as versions 5 to 8 wrote it (in JavaScript, with SQL upserts; the
 * value histograms had triggers of their own).
 */
function rollupDelta(db: Db, e: Judged, facts: JudgementFacts, sign: Sign): void {
  const c = contribution(facts, sign);
  for (const [table, grain] of [['rollup_minute', 60_000], ['rollup_15m', 900_000]] as const) {
    db.prepare(`INSERT INTO ${table} (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
      VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET
        judged = judged + excluded.judged, counted = counted + excluded.counted, met = met + excluded.met,
        considered = considered + excluded.considered, abandoned = abandoned + excluded.abandoned,
        value_n = value_n + excluded.value_n, value_sum = value_sum + excluded.value_sum,
        wait_max = CASE WHEN excluded.wait_max IS NULL THEN wait_max WHEN wait_max IS NULL THEN excluded.wait_max ELSE max(wait_max, excluded.wait_max) END`)
      .run(bucketStart(e.occurredAtMs, grain), e.standard.id, e.site, c.judged, c.counted, c.met, c.considered, c.abandoned, c.valueN, c.valueSum, c.waitMax);
  }
}

const factsOf = (e: Pick<Judged, 'type' | 'outcome' | 'answerSeconds' | 'greetSeconds' | 'value' | 'met' | 'counted' | 'reason'>): JudgementFacts => ({
  type: e.type, outcome: e.outcome, answerSeconds: e.answerSeconds, greetSeconds: e.greetSeconds, value: e.value, met: e.met, counted: e.counted, reason: e.reason,
});

/** Corrections (voids and amendments, some changing the outcome class) and their audit log entries. */
function fillCorrections(db: Db, rnd: () => number, events: readonly Judged[]): void {
  const insert = db.prepare('INSERT INTO audit_corrections (event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const log = db.prepare('INSERT INTO audit_log (key_id, action, target, details, at_ms) VALUES (?, ?, ?, ?, ?)');
  events.forEach((e, i) => {
    if (i % 5 !== 0) return;
    const voided = rnd() < 0.3;
    rollupDelta(db, e, factsOf(e), -1);
    if (voided) {
      insert.run(e.seq, 'void', '{}', '{}', 'duplicate', 'k_test', T0);
    } else {
      // Flip the outcome class: a success becomes an abandon and the other way round.
      const success = e.outcome === 'answered' || e.outcome === 'greeted';
      const outcome = e.type === 'call' ? (success ? 'abandoned' : 'answered') : success ? 'left' : 'greeted';
      const value = e.value === null ? null : Math.round((e.value + 0.5) * 100) / 100;
      const met: 0 | 1 = !success && e.reason !== 'outside-hours' && value !== null && value <= e.standard.threshold ? 1 : 0;
      const fields = { outcome, rings: e.rings, answerSeconds: e.answerSeconds, greetSeconds: e.type === 'visit' ? value : null, derived: [] };
      const rejudged = { [e.standard.id]: { standardVersion: 1, measure: e.standard.measure, value, threshold: e.standard.threshold, met, counted: e.counted, reason: e.reason === 'outside-hours' ? e.reason : success ? outcome : null } };
      insert.run(e.seq, 'amend', JSON.stringify({ given: { outcome }, fields }), JSON.stringify(rejudged), 'wrong outcome', 'k_test', T0);
      rollupDelta(db, e, factsOf({ ...e, ...fields, ...rejudged[e.standard.id]! }), 1);
    }
    log.run('k_test', voided ? 'event.void' : 'event.amend', `v-e${i}`, '{}', T0);
  });
}

/** Everything a file at `version` can hold, written through that version's SQL. */
export function fillAt(db: Db, version: number, seed: number): void {
  const rnd = random(seed);
  // From version 9 on the store writes chain links, rollups and site history itself; a file of such a version is
  // filled through the frozen triggers that wrote them before (the same records), dropped again afterwards, and
  // its rollups and histograms are what the store keeps from version 9 on: its rebuild (it fixed the histogram
  // cells of amended outcomes, which the older triggers and the fixture's deltas do not).
  const viaTriggers = version >= 9;
  if (viaTriggers) restoreFrozenTriggers(db, WRITE_TRIGGERS);
  db.transaction(() => {
    for (const s of STANDARDS) db.prepare('INSERT INTO standards (id, version, definition, created_at_ms) VALUES (?, ?, ?, ?)').run(s.id, s.version, JSON.stringify(s), T0);
    for (const site of ['a', 'b']) db.prepare('INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES (?, ?, ?, ?)').run(site, 'UTC', 6, T0);
    if (version >= 2) db.prepare(`UPDATE sites SET display_name = 'Site A', hours = '{"mon":["09:00-17:00"]}', auto_created = 0 WHERE name = 'a'`).run();
    const events = fillEvents(db, version, rnd, 120);
    // From version 10 on alerts are read-only (incidents replaced them): a file of such a version has none new.
    if (version >= 3 && version < 10) {
      const alert = db.prepare(`INSERT INTO alerts (key, kind, severity, state, standard_id, standard_version, site, target, previous_id, at_ms, started_at_ms, windows, message)
        VALUES ('band:calls:*', 'band', 'red', 'firing', 'calls', 1, NULL, 0.9, NULL, ?, ?, '[]', 'red')`).run(T0, T0);
      db.prepare('INSERT INTO alert_acks (alert_id, at_ms, by) VALUES (?, ?, ?)').run(alert.lastInsertRowid, T0, 'ana');
      db.prepare(`INSERT INTO alert_deliveries (alert_id, url, status, next_attempt_at_ms, created_at_ms) VALUES (?, 'http://127.0.0.1:9/hook', 'pending', ?, ?)`).run(alert.lastInsertRowid, T0, T0);
    }
    if (version >= 4) {
      db.prepare(`INSERT INTO api_keys (id, name, scopes, hash, prefix, source, created_at_ms) VALUES ('k_test', 'test', '["admin"]', ?, 'rs_abcd', 'cli', ?)`).run('0'.repeat(64), T0);
    }
    if (version >= 5) fillCorrections(db, rnd, events);
    if (version >= 8) db.prepare(`INSERT INTO pruned_corrections (site, standard_id, bucket_ms, standard_version, voided, amended) VALUES ('a', 'calls', ?, 1, 1, 0)`).run(T0 - 86_400_000);
  })();
  if (!viaTriggers) return;
  for (const name of WRITE_TRIGGERS) db.exec(`DROP TRIGGER ${name}`);
  // A file from before migration 21 has no hour grain: the store's rebuild writes it into a scratch table of this
  // connection (found first by its name), dropped after; migration 21 fills the file's own from its quarter hours.
  const scratchHours = version < HOUR_GRAIN_VERSION;
  if (scratchHours) {
    db.exec(`CREATE TEMP TABLE rollup_hour (bucket_ms INTEGER NOT NULL, standard_id TEXT NOT NULL, standard_version INTEGER NOT NULL, site TEXT NOT NULL,
      judged INTEGER NOT NULL, counted INTEGER NOT NULL, met INTEGER NOT NULL, considered INTEGER NOT NULL, abandoned INTEGER NOT NULL,
      value_n INTEGER NOT NULL, value_sum REAL NOT NULL, wait_max REAL, PRIMARY KEY (standard_id, bucket_ms, site, standard_version)) WITHOUT ROWID`);
  }
  rebuildRollups(db);
  if (scratchHours) db.exec('DROP TABLE temp.rollup_hour');
}

/** The migration that added the hour rollup grain (rollup_hour). */
const HOUR_GRAIN_VERSION = 21;

/** sqlite_master as comparable text: every object with its SQL, white space collapsed. */
export function schemaOf(db: Db): string[] {
  const rows = db.prepare('SELECT type, name, tbl_name AS tbl, sql FROM sqlite_master ORDER BY type, name').all() as Array<{ type: string; name: string; tbl: string; sql: string | null }>;
  return rows.map((r) => `${r.type} ${r.name} on ${r.tbl}: ${(r.sql ?? '').replace(/\s+/g, ' ').trim()}`);
}

export { LATEST_VERSION };

/**
 * Recreates triggers as the frozen migrations last defined them (a later migration's definition replaces an
 * earlier one's), on a current file: the trigger path of past versions, to compare the store's writes with.
 */
export function restoreFrozenTriggers(db: Db, names: readonly string[]): void {
  const latest = new Map<string, string>();
  for (const m of MIGRATIONS) {
    // A trigger is one line ending in END;, or lines up to one that is END; alone (CASE … END; may end a line inside).
    let open: { name: string; lines: string[] } | null = null;
    for (const line of m.sql.split('\n')) {
      const start = /^\s*CREATE TRIGGER (\w+)/.exec(line);
      if (start && line.trimEnd().endsWith('END;')) latest.set(start[1]!, line);
      else if (start) open = { name: start[1]!, lines: [line] };
      else if (open) {
        open.lines.push(line);
        if (line.trim() === 'END;') {
          latest.set(open.name, open.lines.join('\n'));
          open = null;
        }
      }
    }
  }
  for (const name of names) {
    const sql = latest.get(name);
    if (!sql) throw new Error(`no frozen trigger ${name}`);
    db.exec(sql);
  }
}

/** The triggers that chained, rolled up and recorded site history before the store wrote those itself. */
export const WRITE_TRIGGERS = [
  'audit_chain_event', 'audit_chain_judgement', 'audit_chain_standard', 'audit_chain_site', 'audit_chain_correction', 'audit_chain_audit', 'audit_chain_checkpoint',
  'rollup_minute_on_judgement', 'rollup_15m_on_judgement', 'value_hist_day_on_judgement', 'value_hist_15m_on_judgement',
  'sites_history_i', 'sites_history_u',
] as const;
