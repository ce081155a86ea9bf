// PostgreSQL migration 9: chain links carry tags, as SQLite's migration 17 (store/migrations/0017_chain_tags.ts): the
// column, the table of tags records, and the tags records of the links written before, chained in one pass in
// PL/pgSQL (PostgreSQL's sha256; to_json writes a string's JSON as JavaScript's JSON.stringify does: the same
// escapes, lower-case \u00xx), so the records, digests and link hashes are the ones the SQLite migration and
// domain/chain.ts give (test/integration/store/pgMigration8.test.ts checks them by verifying the chain).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0009: PgMigration = {
  version: 9,
  name: 'chain link tags',
  sql: `
ALTER TABLE audit_chain ADD COLUMN tags TEXT COLLATE "C";
CREATE TABLE chain_tags (
  link_seq  BIGINT PRIMARY KEY,
  link_hash TEXT COLLATE "C" NOT NULL,
  tags      TEXT COLLATE "C" NOT NULL
);
CREATE TRIGGER chain_tags_append_only BEFORE UPDATE OR DELETE ON chain_tags FOR EACH ROW EXECUTE FUNCTION ringside_refuse();

DO $migration$
DECLARE
  head_seq  BIGINT;
  prev_hash TEXT;
  at_now    BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
  r         RECORD;
  t         TEXT;
  d         TEXT;
BEGIN
  SELECT seq, hash INTO head_seq, prev_hash FROM audit_chain ORDER BY seq DESC LIMIT 1;
  IF head_seq IS NULL THEN RETURN; END IF;
  FOR r IN
    SELECT c.seq, c.hash, c.kind, coalesce(e.site, m.site) AS site, e.type, coalesce(e.occurred_at_ms, m.at_ms) AS time,
           k.action, k.event_seq
      FROM audit_chain c
      LEFT JOIN events e ON c.kind IN ('event', 'judgement') AND e.seq = c.event_seq
      LEFT JOIN audit_corrections k ON c.kind = 'correction' AND k.seq = c.key_int
      LEFT JOIN milestones m ON c.kind = 'milestone' AND m.seq = c.key_int
     WHERE c.seq <= head_seq AND c.kind IN ('event', 'judgement', 'correction', 'milestone')
     ORDER BY c.seq
  LOOP
    -- A link whose record was pruned gets no tags record.
    CONTINUE WHEN (r.kind = 'correction' AND r.action IS NULL) OR (r.kind <> 'correction' AND r.site IS NULL);
    t := CASE r.kind
      WHEN 'event' THEN '{"occurredAtMs":' || r.time || ',"site":' || to_json(r.site)::text || ',"type":' || to_json(r.type)::text || '}'
      WHEN 'judgement' THEN '{"occurredAtMs":' || r.time || ',"site":' || to_json(r.site)::text || '}'
      WHEN 'correction' THEN '{"action":' || to_json(r.action)::text || ',"eventSeq":' || r.event_seq || '}'
      ELSE '{"atMs":' || r.time || ',"site":' || to_json(r.site)::text || '}'
    END;
    INSERT INTO chain_tags (link_seq, link_hash, tags) VALUES (r.seq, r.hash, t);
    d := encode(sha256(convert_to('{"linkHash":' || to_json(r.hash)::text || ',"linkSeq":' || r.seq || ',"tags":' || to_json(t)::text || '}', 'UTF8')), 'hex');
    head_seq := head_seq + 1;
    prev_hash := encode(sha256(convert_to(prev_hash || '{"digest":"' || d || '","kind":"tags","ref":"' || r.seq || '","tags":' || t || '}', 'UTF8')), 'hex');
    INSERT INTO audit_chain (seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms, tags)
      VALUES (head_seq, 'tags', r.seq::text, NULL, NULL, r.seq, d, prev_hash, at_now, t);
  END LOOP;
END
$migration$;
`,
};
