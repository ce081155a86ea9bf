// Migration 18: the export signing key recorded for the store (one row: the public key of the first node that started
// on it), so that a node starting with another key (its <data>/audit-signing.json not copied) is noticed. The
// private key stays in the data directory, never in the store.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0018: Migration = {
  version: 18,
  name: 'signing key',
  sql: `
    CREATE TABLE signing_key (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      key_id TEXT NOT NULL,
      public_key TEXT NOT NULL,
      instance_id TEXT NOT NULL,
      recorded_at_ms INTEGER NOT NULL
    );
  `,
};
