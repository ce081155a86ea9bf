// The PostgreSQL schema's history, numbered like SQLite's (store/migrations/) but its own list: the two engines
// started from different points (PostgreSQL's first migration is SQLite's schema after its tenth). Frozen as those are.
import { inSequence } from '../index';
import { PG_MIGRATION_0001 } from './0001_schema';
import { PG_MIGRATION_0002 } from './0002_milestones';
import { PG_MIGRATION_0003 } from './0003_case_breaches';
import { PG_MIGRATION_0004 } from './0004_events_of_any_type';
import { PG_MIGRATION_0005 } from './0005_key_sites';
import { PG_MIGRATION_0006 } from './0006_handle_seconds';
import { PG_MIGRATION_0007 } from './0007_rollup_site_covering';
import { PG_MIGRATION_0008 } from './0008_cases_by_event';
import { PG_MIGRATION_0009 } from './0009_chain_tags';
import { PG_MIGRATION_0010 } from './0010_signing_key';
import { PG_MIGRATION_0011 } from './0011_legacy_alert_deliveries';
import { PG_MIGRATION_0012 } from './0012_standard_withdrawals';
import { PG_MIGRATION_0013 } from './0013_rollup_hour';
import { PG_MIGRATION_0014 } from './0014_audit_secret';
import type { PgMigration } from './types';

export type { PgMigration } from './types';

export const PG_MIGRATIONS: readonly PgMigration[] = inSequence(
  [PG_MIGRATION_0001, PG_MIGRATION_0002, PG_MIGRATION_0003, PG_MIGRATION_0004, PG_MIGRATION_0005, PG_MIGRATION_0006, PG_MIGRATION_0007, PG_MIGRATION_0008, PG_MIGRATION_0009, PG_MIGRATION_0010, PG_MIGRATION_0011, PG_MIGRATION_0012, PG_MIGRATION_0013, PG_MIGRATION_0014],
);

export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)!.version;
