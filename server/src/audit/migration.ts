// Migration 5 (audit, issue #6): the hash chain, corrections, the audit log, retention checkpoints, and a
// controlled delete path for pruning. docs/audit.md explains each table.
import type Database from 'better-sqlite3';
import type { Migration } from '../store/migrations';
import { chainTriggerSql, GENESIS_HASH, KIND_BY_NAME, KINDS, digestOf, linkHash, recordOf, type ChainKind } from './records';

const appendOnly = (table: string, what: string) => `
  CREATE TRIGGER ${table}_append_only_u BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} are append-only'); END;
  CREATE TRIGGER ${table}_append_only_d BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} are append-only'); END;`;

/** Deletes of events/judgements are refused unless the pruning transaction holds the flag row. */
const prunable = (table: string, what: string) => `
  DROP TRIGGER ${table}_append_only_d;
  CREATE TRIGGER ${table}_append_only_d BEFORE DELETE ON ${table} WHEN NOT EXISTS (SELECT 1 FROM audit_pruning)
  BEGIN SELECT RAISE(ABORT, '${what} are append-only'); END;`;

/** Same columns as judgements; what the engine's raw-path figures read (docs/audit.md "Corrections"). */
export const EFFECTIVE_JUDGEMENTS_VIEW = `
    CREATE VIEW IF NOT EXISTS audit_effective_judgements AS
      SELECT j.event_seq AS event_seq, j.standard_id AS standard_id, j.standard_version AS standard_version, j.measure AS measure,
        CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".value') ELSE j.value END AS value,
        j.threshold AS threshold,
        CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".met'), j.met) ELSE j.met END AS met,
        CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".counted'), j.counted) ELSE j.counted END AS counted,
        CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".reason') ELSE j.reason END AS reason
      FROM judgements j
      LEFT JOIN audit_corrections lc ON lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = j.event_seq)
      WHERE lc.action IS NOT 'void';`;

export const AUDIT_MIGRATION: Migration & { after(db: Database.Database): void } = {
  version: 5,
  name: 'audit: hash chain, corrections, audit log, retention checkpoints',
  sql: `
    CREATE TABLE audit_chain (
      seq       INTEGER PRIMARY KEY, -- chain position; rows are never deleted, so max(seq)+1 is next
      kind      TEXT NOT NULL,       -- event | judgement | standard | site | correction | audit | checkpoint
      ref       TEXT NOT NULL,       -- the record's key as text (event seq, "seq/standard", "id@version", seq)
      event_seq INTEGER,             -- event and judgement (and correction) links: the event's seq
      key_text  TEXT,                -- judgement: standard id; standard: id
      key_int   INTEGER,             -- standard: version; site/correction/audit/checkpoint: the row's seq
      digest    TEXT NOT NULL,       -- SHA-256 of the record's canonical JSON
      hash      TEXT NOT NULL,       -- SHA-256(prev hash || canonical JSON {digest, kind, ref})
      at_ms     INTEGER NOT NULL
    );
    CREATE INDEX audit_chain_by_event ON audit_chain (event_seq) WHERE event_seq IS NOT NULL;
    ${appendOnly('audit_chain', 'chain links')}

    CREATE TABLE audit_corrections (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      event_seq INTEGER NOT NULL,
      action    TEXT NOT NULL CHECK (action IN ('void', 'amend')),
      changes   TEXT NOT NULL,  -- JSON: the amended fields ({} for a void)
      rejudged  TEXT NOT NULL,  -- JSON: the judgements in force after this correction ([] for a void)
      reason    TEXT NOT NULL,
      key_id    TEXT NOT NULL,
      at_ms     INTEGER NOT NULL
    );
    CREATE INDEX audit_corrections_by_event ON audit_corrections (event_seq, seq);
    ${appendOnly('audit_corrections', 'corrections')}

    CREATE TABLE audit_log (
      seq     INTEGER PRIMARY KEY AUTOINCREMENT,
      key_id  TEXT NOT NULL,  -- API key id, or 'anonymous' (no key: --no-auth) or 'system'
      action  TEXT NOT NULL,  -- e.g. standard.update, site.create, export.events, event.void, retention.prune
      target  TEXT,
      details TEXT NOT NULL,  -- JSON
      at_ms   INTEGER NOT NULL
    );
    CREATE INDEX audit_log_by_time ON audit_log (at_ms);
    ${appendOnly('audit_log', 'audit log entries')}

    CREATE TABLE audit_checkpoints (
      seq              INTEGER PRIMARY KEY AUTOINCREMENT,
      pruned_before_ms INTEGER NOT NULL, -- events with occurred_at_ms < this were deleted
      last_event_seq   INTEGER,          -- the highest pruned event seq (null: nothing pruned)
      events           INTEGER NOT NULL,
      judgements       INTEGER NOT NULL,
      head_seq         INTEGER NOT NULL, -- the chain head when pruning ran
      head_hash        TEXT NOT NULL,
      at_ms            INTEGER NOT NULL,
      hmac             TEXT NOT NULL     -- HMAC-SHA-256 (key: <data>/audit.secret) of the fields above
    );
    ${appendOnly('audit_checkpoints', 'checkpoints')}

    -- Present (one row) only inside the pruning transaction; see audit/retention.ts.
    CREATE TABLE audit_pruning (flag INTEGER NOT NULL);
    ${prunable('events', 'events')}
    ${prunable('judgements', 'judgements')}

    ${KINDS.map(chainTriggerSql).join('\n')}

    -- The corrected view of the judgements: voided events' judgements left out, amended ones re-judged.
    ${EFFECTIVE_JUDGEMENTS_VIEW}
  `,
  /** Chains the rows that existed before this migration, in a deterministic order. */
  after(db) {
    let prev = GENESIS_HASH;
    const insert = db.prepare(
      'INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const at = Date.now();
    const add = (kind: ChainKind, ref: string, eventSeq: number | null, keyText: string | null, keyInt: number | null, row: Record<string, unknown>) => {
      const def = KIND_BY_NAME.get(kind)!;
      const digest = digestOf(recordOf(def, def.fields.map(([, col]) => row[col])));
      prev = linkHash(prev, kind, ref, digest);
      insert.run(kind, ref, eventSeq, keyText, keyInt, digest, prev, at);
    };
    for (const r of db.prepare('SELECT * FROM standards ORDER BY created_at_ms, id, version').all() as Array<Record<string, any>>) {
      add('standard', `${r.id}@${r.version}`, null, r.id, r.version, r);
    }
    for (const r of db.prepare('SELECT * FROM site_history ORDER BY seq').all() as Array<Record<string, any>>) add('site', String(r.seq), null, null, r.seq, r);
    const judgementsOf = db.prepare('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
    for (const e of db.prepare('SELECT * FROM events ORDER BY seq').all() as Array<Record<string, any>>) {
      add('event', String(e.seq), e.seq, null, null, e);
      for (const j of judgementsOf.all(e.seq) as Array<Record<string, any>>) add('judgement', `${j.event_seq}/${j.standard_id}`, j.event_seq, j.standard_id, null, j);
    }
  },
};
