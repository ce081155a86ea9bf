// Migration 4: API keys, stored only as SHA-256 hashes of the secret.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0004: Migration = {
  version: 4,
  name: 'api keys',
  sql: `
    CREATE TABLE api_keys (
      id              TEXT PRIMARY KEY,            -- "k_" + 12 hex, shown in lists and used to revoke
      name            TEXT NOT NULL,
      scopes          TEXT NOT NULL,               -- JSON array of 'ingest' | 'read' | 'audit' | 'admin'
      hash            TEXT NOT NULL UNIQUE,        -- SHA-256 (hex) of the secret; the secret is never stored
      prefix          TEXT NOT NULL,               -- first 7 characters of the secret, to tell keys apart
      source          TEXT NOT NULL CHECK (source IN ('api', 'cli', 'auto')),
      created_at_ms   INTEGER NOT NULL,
      expires_at_ms   INTEGER,
      revoked_at_ms   INTEGER,
      last_used_at_ms INTEGER
    );
  `,
};
