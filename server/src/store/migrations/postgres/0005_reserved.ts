// PostgreSQL migration 5 stands in for a migration developed alongside this branch's 8; it changes nothing. When
// they meet, that migration takes this number and this file goes.
import type { PgMigration } from './types';

export const PG_MIGRATION_0005: PgMigration = {
  version: 5,
  name: 'reserved',
  sql: `SELECT 1;`,
};
