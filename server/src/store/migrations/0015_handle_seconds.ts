// Migration 15: how long serving an event took (talk time, time with a visitor), as posted; staffing forecasts read
// it. Chained only when given (domain/chain.ts, `optional`), so events stored before still verify.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0015: Migration = {
  version: 15,
  name: 'events handle seconds',
  sql: `
    ALTER TABLE events ADD COLUMN handle_seconds REAL;
  `,
};
