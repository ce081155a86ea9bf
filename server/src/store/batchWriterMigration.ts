// Migration 7 (issue #7): the batch writer appends the event and judgement links of the audit chain and the
// rollup rows itself (audit/chainAppender.ts, store/rollupWriter.ts), so those triggers step aside while it
// writes (ringside_batch_writer(), audit/records.ts). They stay for every other insert into events and
// judgements (SQL seeding, tools, any future code path): such rows are still chained and rolled up in their own
// transaction, and a connection without the chain functions still cannot insert them at all. Existing links and
// rollup rows are untouched and keep verifying. The value histogram triggers (migration 6) are not concerned.
import type { Migration } from './migrations';
import { guardedChainTriggerSql, KIND_BY_NAME } from '../audit/records';
import { ROLLUP_GRAINS, rollupTrigger } from './engineMigration';

const OUTSIDE_WRITER = 'NOT ringside_batch_writer()';

export const BATCH_WRITER_MIGRATION: Migration = {
  version: 7,
  name: 'event and judgement chain links and rollups written by the batch writer',
  sql: [
    ...(['event', 'judgement'] as const).map((kind) => `
      DROP TRIGGER audit_chain_${kind};
      ${guardedChainTriggerSql(KIND_BY_NAME.get(kind)!, OUTSIDE_WRITER)}`),
    ...ROLLUP_GRAINS.map((g) => `
      DROP TRIGGER ${g.table}_on_judgement;
      ${rollupTrigger(g.table, g.ms, OUTSIDE_WRITER)}`),
  ].join('\n'),
};
