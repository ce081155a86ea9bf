// PostgreSQL migration 8: cases found by the finished event they became, as SQLite's migration 16 (the staffing
// read's handle time from a case's stop milestone: docs/integrations/asterisk.md).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0008: PgMigration = {
  version: 8,
  name: 'cases by event',
  sql: `
CREATE INDEX cases_by_event ON cases (event_seq) WHERE event_seq IS NOT NULL;
`,
};
