// PostgreSQL migration 8: chain links carry tags, as SQLite's migration 16 (store/migrations/0016_chain_tags.ts):
// the column, and the table of tags records. Frozen: a change to the schema is a new numbered file.
//
// Unlike SQLite's, this migration is plain SQL and does not commit the tags of the links written before it: their
// exports state that completeness is not proven for those links (docs/audit.md, "Completeness").
import type { PgMigration } from './types';

export const PG_MIGRATION_0008: PgMigration = {
  version: 8,
  name: 'chain link tags',
  sql: `
ALTER TABLE audit_chain ADD COLUMN tags TEXT COLLATE "C";
CREATE TABLE chain_tags (
  link_seq  BIGINT PRIMARY KEY,
  link_hash TEXT COLLATE "C" NOT NULL,
  tags      TEXT COLLATE "C" NOT NULL
);
CREATE TRIGGER chain_tags_append_only BEFORE UPDATE OR DELETE ON chain_tags FOR EACH ROW EXECUTE FUNCTION ringside_refuse();
`,
};
