// Migration 14: a key's site list. A key limited to sites (a reception tablet's) may write events and milestones of
// those sites only; NULL keeps every key made before it able to write any site, as it could.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0014: Migration = {
  version: 14,
  name: 'key sites',
  sql: `
    ALTER TABLE api_keys ADD COLUMN sites TEXT;   -- JSON array of site ids the key may write; NULL: every site
  `,
};
