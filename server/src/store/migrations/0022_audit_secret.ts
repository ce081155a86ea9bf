// Migration 22: the fingerprint of the store's audit.secret (one row: the secret of the first node that started or
// pruned on it), so that a node whose <data>/audit.secret is another one (not copied, so it made its own) is refused
// before it signs a retention checkpoint no other node's secret verifies. The secret stays in the data directory.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0022: Migration = {
  version: 22,
  name: 'audit secret fingerprint',
  sql: `
    CREATE TABLE audit_secret (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      fingerprint TEXT NOT NULL,
      recorded_at_ms INTEGER NOT NULL
    );
  `,
};
