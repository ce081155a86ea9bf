// PostgreSQL migration 4 stands in for the events migration developed alongside this one (as SQLite's 13); it
// changes nothing. When both meet, that migration takes this number and this file goes.
import type { PgMigration } from './types';

export const PG_MIGRATION_0004: PgMigration = {
  version: 4,
  name: 'reserved',
  sql: `SELECT 1;`,
};
