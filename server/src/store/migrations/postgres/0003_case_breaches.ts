// PostgreSQL migration 3: claims of open-clock breaches, as SQLite's migration 12 (store/migrations/0012_case_breaches.ts):
// the node whose claim is stored first pushes a breach and records its miss; the others find it claimed.
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0003: PgMigration = {
  version: 3,
  name: 'case breach claims',
  sql: `
CREATE TABLE case_breaches (
  type        TEXT COLLATE "C" NOT NULL,
  site        TEXT COLLATE "C" NOT NULL,
  case_id     TEXT COLLATE "C" NOT NULL,
  standard_id TEXT COLLATE "C" NOT NULL,
  deadline_ms BIGINT NOT NULL,
  at_ms       BIGINT NOT NULL,
  PRIMARY KEY (type, site, case_id, standard_id),
  FOREIGN KEY (type, site, case_id) REFERENCES cases (type, site, case_id)
);
`,
};
