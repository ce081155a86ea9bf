// Migration 12: claims of open-clock breaches. When several nodes share one store (PostgreSQL), each may watch the
// same open case; the breach of a standard's clock on a case is pushed (and its miss recorded) by the one node whose
// claim is stored first. Not chained: a claim says who announced the breach, not what was measured (the miss is a
// chained case judgement). Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0012: Migration = {
  version: 12,
  name: 'case breach claims',
  sql: `
    CREATE TABLE case_breaches (
      type        TEXT NOT NULL,
      site        TEXT NOT NULL,
      case_id     TEXT NOT NULL,
      standard_id TEXT NOT NULL,
      deadline_ms INTEGER NOT NULL,
      at_ms       INTEGER NOT NULL,   -- when it was claimed
      PRIMARY KEY (type, site, case_id, standard_id),
      FOREIGN KEY (type, site, case_id) REFERENCES cases (type, site, case_id)
    );
  `,
};
