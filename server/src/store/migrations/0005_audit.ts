// Migration 5: the audit trail: the hash chain (a trigger per record kind chains each new row in the inserting
// transaction), corrections, the audit log, retention checkpoints, and a controlled delete path for pruning.
// Frozen: the SQL this version released, as a literal, and a self-contained copy of the hashing as it was then (the
// data step chains the rows that existed before; the SQL functions are what its triggers call). Never edit it; add
// a migration instead.
import { hash } from 'node:crypto';
import type { Migration, MigrationDatabase } from './types';

const GENESIS_HASH = '0'.repeat(64);

/** JSON keys of each kind's record, in its table's column order (the columns the triggers pass). */
const RECORD_KEYS: Record<string, readonly string[]> = {
  event: ['seq', 'id', 'type', 'site', 'occurredAtMs', 'occurredAt', 'receivedAtMs', 'outcome', 'rings', 'answerSeconds', 'greetSeconds', 'queue', 'agent', 'derived', 'content'],
  judgement: ['eventSeq', 'standardId', 'standardVersion', 'measure', 'value', 'threshold', 'met', 'counted', 'reason'],
  standard: ['id', 'version', 'definition', 'createdAtMs', 'validFromMs', 'retired'],
  site: ['seq', 'site', 'change', 'definition', 'changedAtMs'],
  correction: ['seq', 'eventSeq', 'action', 'changes', 'rejudged', 'reason', 'keyId', 'atMs'],
  audit: ['seq', 'keyId', 'action', 'target', 'details', 'atMs'],
  checkpoint: ['seq', 'prunedBeforeMs', 'lastEventSeq', 'events', 'judgements', 'headSeq', 'headHash', 'atMs', 'hmac'],
};

/** Table columns of the kinds chained by the data step, in the order of RECORD_KEYS. */
const COLUMNS: Record<string, readonly string[]> = {
  event: ['seq', 'id', 'type', 'site', 'occurred_at_ms', 'occurred_at', 'received_at_ms', 'outcome', 'rings', 'answer_seconds', 'greet_seconds', 'queue', 'agent', 'derived', 'content'],
  judgement: ['event_seq', 'standard_id', 'standard_version', 'measure', 'value', 'threshold', 'met', 'counted', 'reason'],
  standard: ['id', 'version', 'definition', 'created_at_ms', 'valid_from_ms', 'retired'],
  site: ['seq', 'site', 'change', 'definition', 'changed_at_ms'],
};

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(source).sort()) if (source[key] !== undefined) sorted[key] = sortKeys(source[key]);
  return sorted;
}

const sha256 = (text: string): string => hash('sha256', text, 'hex');

function digestOf(kind: string, values: readonly unknown[]): string {
  const keys = RECORD_KEYS[kind];
  if (!keys) throw new Error(`unknown chain kind ${kind}`);
  const record: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    const v = values[i];
    record[key] = typeof v === 'bigint' ? Number(v) : (v ?? null);
  });
  return sha256(JSON.stringify(sortKeys(record)));
}

const linkHash = (prev: string, kind: string, ref: string, digest: string): string => sha256(prev + JSON.stringify(sortKeys({ digest, kind, ref })));

/** Chains the rows that existed before this migration, in a deterministic order. */
function chainExistingRows(db: MigrationDatabase): void {
  let prev = GENESIS_HASH;
  const insert = db.prepare('INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const at = Date.now();
  const add = (kind: string, ref: string, eventSeq: unknown, keyText: unknown, keyInt: unknown, row: Record<string, unknown>) => {
    const digest = digestOf(kind, COLUMNS[kind]!.map((c) => row[c]));
    prev = linkHash(prev, kind, ref, digest);
    insert.run(kind, ref, eventSeq, keyText, keyInt, digest, prev, at);
  };
  type Row = Record<string, unknown>;
  for (const r of db.prepare('SELECT * FROM standards ORDER BY created_at_ms, id, version').all() as Row[]) add('standard', `${r.id}@${r.version}`, null, r.id, r.version, r);
  for (const r of db.prepare('SELECT * FROM site_history ORDER BY seq').all() as Row[]) add('site', String(r.seq), null, null, r.seq, r);
  const judgementsOf = db.prepare('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
  for (const e of db.prepare('SELECT * FROM events ORDER BY seq').all() as Row[]) {
    add('event', String(e.seq), e.seq, null, null, e);
    for (const j of judgementsOf.all(e.seq) as Row[]) add('judgement', `${j.event_seq}/${j.standard_id}`, j.event_seq, j.standard_id, null, j);
  }
}

export const MIGRATION_0005: Migration = {
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

    CREATE TRIGGER audit_chain_append_only_u BEFORE UPDATE ON audit_chain BEGIN SELECT RAISE(ABORT, 'chain links are append-only'); END;
    CREATE TRIGGER audit_chain_append_only_d BEFORE DELETE ON audit_chain BEGIN SELECT RAISE(ABORT, 'chain links are append-only'); END;

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

    CREATE TRIGGER audit_corrections_append_only_u BEFORE UPDATE ON audit_corrections BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
    CREATE TRIGGER audit_corrections_append_only_d BEFORE DELETE ON audit_corrections BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;

    CREATE TABLE audit_log (
      seq     INTEGER PRIMARY KEY AUTOINCREMENT,
      key_id  TEXT NOT NULL,  -- API key id, or 'anonymous' (no key: --no-auth) or 'system'
      action  TEXT NOT NULL,  -- e.g. standard.update, site.create, export.events, event.void, retention.prune
      target  TEXT,
      details TEXT NOT NULL,  -- JSON
      at_ms   INTEGER NOT NULL
    );
    CREATE INDEX audit_log_by_time ON audit_log (at_ms);

    CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log entries are append-only'); END;
    CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log entries are append-only'); END;

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

    CREATE TRIGGER audit_checkpoints_append_only_u BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
    CREATE TRIGGER audit_checkpoints_append_only_d BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;

    -- Present (one row) only inside the pruning transaction; see the pruning transaction.
    CREATE TABLE audit_pruning (flag INTEGER NOT NULL);

    DROP TRIGGER events_append_only_d;
    CREATE TRIGGER events_append_only_d BEFORE DELETE ON events WHEN NOT EXISTS (SELECT 1 FROM audit_pruning)
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

    DROP TRIGGER judgements_append_only_d;
    CREATE TRIGGER judgements_append_only_d BEFORE DELETE ON judgements WHEN NOT EXISTS (SELECT 1 FROM audit_pruning)
      BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;

    CREATE TRIGGER audit_chain_event AFTER INSERT ON events BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'event', x.ref, NEW.seq, NULL, NULL, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'event', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT CAST(NEW.seq AS TEXT) AS ref, ringside_digest('event', NEW.seq, NEW.id, NEW.type, NEW.site, NEW.occurred_at_ms, NEW.occurred_at, NEW.received_at_ms, NEW.outcome, NEW.rings, NEW.answer_seconds, NEW.greet_seconds, NEW.queue, NEW.agent, NEW.derived, NEW.content) AS digest) x;
      END;

    CREATE TRIGGER audit_chain_judgement AFTER INSERT ON judgements BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'judgement', x.ref, NEW.event_seq, NEW.standard_id, NULL, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'judgement', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT NEW.event_seq || '/' || NEW.standard_id AS ref, ringside_digest('judgement', NEW.event_seq, NEW.standard_id, NEW.standard_version, NEW.measure, NEW.value, NEW.threshold, NEW.met, NEW.counted, NEW.reason) AS digest) x;
      END;

    CREATE TRIGGER audit_chain_standard AFTER INSERT ON standards BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'standard', x.ref, NULL, NEW.id, NEW.version, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'standard', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT NEW.id || '@' || NEW.version AS ref, ringside_digest('standard', NEW.id, NEW.version, NEW.definition, NEW.created_at_ms, NEW.valid_from_ms, NEW.retired) AS digest) x;
      END;

    CREATE TRIGGER audit_chain_site AFTER INSERT ON site_history BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'site', x.ref, NULL, NULL, NEW.seq, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'site', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT CAST(NEW.seq AS TEXT) AS ref, ringside_digest('site', NEW.seq, NEW.site, NEW.change, NEW.definition, NEW.changed_at_ms) AS digest) x;
      END;

    CREATE TRIGGER audit_chain_correction AFTER INSERT ON audit_corrections BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'correction', x.ref, NEW.event_seq, NULL, NEW.seq, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'correction', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT CAST(NEW.seq AS TEXT) AS ref, ringside_digest('correction', NEW.seq, NEW.event_seq, NEW.action, NEW.changes, NEW.rejudged, NEW.reason, NEW.key_id, NEW.at_ms) AS digest) x;
      END;

    CREATE TRIGGER audit_chain_audit AFTER INSERT ON audit_log BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'audit', x.ref, NULL, NULL, NEW.seq, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'audit', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT CAST(NEW.seq AS TEXT) AS ref, ringside_digest('audit', NEW.seq, NEW.key_id, NEW.action, NEW.target, NEW.details, NEW.at_ms) AS digest) x;
      END;

    CREATE TRIGGER audit_chain_checkpoint AFTER INSERT ON audit_checkpoints BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'checkpoint', x.ref, NULL, NULL, NEW.seq, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'checkpoint', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT CAST(NEW.seq AS TEXT) AS ref, ringside_digest('checkpoint', NEW.seq, NEW.pruned_before_ms, NEW.last_event_seq, NEW.events, NEW.judgements, NEW.head_seq, NEW.head_hash, NEW.at_ms, NEW.hmac) AS digest) x;
      END;

    -- The corrected view of the judgements: voided events' judgements left out, amended ones re-judged.

    CREATE VIEW IF NOT EXISTS audit_effective_judgements AS
    SELECT j.event_seq AS event_seq, j.standard_id AS standard_id, j.standard_version AS standard_version, j.measure AS measure,
    CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".value') ELSE j.value END AS value,
    j.threshold AS threshold,
    CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".met'), j.met) ELSE j.met END AS met,
    CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".counted'), j.counted) ELSE j.counted END AS counted,
    CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".reason') ELSE j.reason END AS reason
    FROM judgements j
    LEFT JOIN audit_corrections lc ON lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = j.event_seq)
    WHERE lc.action IS NOT 'void';
  `,
  after: chainExistingRows,
  functions: [
    { name: 'ringside_digest', varargs: true, deterministic: true, fn: (kind: unknown, ...values: unknown[]) => digestOf(String(kind), values) },
    {
      name: 'ringside_link',
      deterministic: true,
      fn: (prev: unknown, kind: unknown, ref: unknown, digest: unknown) => linkHash(typeof prev === 'string' ? prev : GENESIS_HASH, String(kind), String(ref), String(digest)),
    },
  ],
};
