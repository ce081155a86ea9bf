// Migration 16: cases found by the finished event they became. The staffing read takes an event's handle time from
// the stop milestone of its case when the event itself has none (an Asterisk call's calltime arrives after its
// CONNECT closed the case: docs/integrations/asterisk.md), and reaches the case from the event through this index.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0016: Migration = {
  version: 16,
  name: 'cases by event',
  sql: `
    CREATE INDEX cases_by_event ON cases (event_seq) WHERE event_seq IS NOT NULL;
  `,
};
