// The schema's history: every migration Ringside ever released, in order. Each runs once, in its own transaction,
// and bumps PRAGMA user_version, so a file always says which schema it has. Released migrations are frozen
// (literal SQL, no imports from runtime code): a change to the schema is a new file here, never an edit.
import { MIGRATION_0001 } from './0001_core';
import { MIGRATION_0002 } from './0002_engine';
import { MIGRATION_0003 } from './0003_alerts';
import { MIGRATION_0004 } from './0004_api_keys';
import { MIGRATION_0005 } from './0005_audit';
import { MIGRATION_0006 } from './0006_value_histograms';
import { MIGRATION_0007 } from './0007_batch_writer';
import { MIGRATION_0008 } from './0008_pruned_corrections';
import { MIGRATION_0009 } from './0009_store_writes';
import { MIGRATION_0010 } from './0010_incidents';
import { MIGRATION_0011 } from './0011_milestones';
import { MIGRATION_0012 } from './0012_case_breaches';
import { MIGRATION_0013 } from './0013_events_of_any_type';
import { MIGRATION_0014 } from './0014_key_sites';
import { MIGRATION_0015 } from './0015_handle_seconds';
import { MIGRATION_0016 } from './0016_cases_by_event';
import { MIGRATION_0017 } from './0017_chain_tags';
import { MIGRATION_0018 } from './0018_signing_key';
import { MIGRATION_0019 } from './0019_standard_withdrawals';
import { MIGRATION_0020 } from './0020_site_history_by_site';
import { MIGRATION_0021 } from './0021_rollup_hour';
import { MIGRATION_0022 } from './0022_audit_secret';
import type { Migration } from './types';

export type { Migration } from './types';

/** The list as given, after checking it numbers 1, 2, 3, … with no gap and no duplicate. */
export function inSequence(list: readonly Migration[]): readonly Migration[] {
  list.forEach((m, i) => {
    if (m.version === i + 1) return;
    const duplicate = list.findIndex((other) => other.version === m.version) < i;
    throw new Error(duplicate ? `migration version ${m.version} is listed twice` : `migration ${i + 1} is missing (found version ${m.version} at position ${i + 1})`);
  });
  return list;
}

export const MIGRATIONS: readonly Migration[] = inSequence([
  MIGRATION_0001,
  MIGRATION_0002,
  MIGRATION_0003,
  MIGRATION_0004,
  MIGRATION_0005,
  MIGRATION_0006,
  MIGRATION_0007,
  MIGRATION_0008,
  MIGRATION_0009,
  MIGRATION_0010,
  MIGRATION_0011,
  MIGRATION_0012,
  MIGRATION_0013,
  MIGRATION_0014,
  MIGRATION_0015,
  MIGRATION_0016,
  MIGRATION_0017,
  MIGRATION_0018,
  MIGRATION_0019,
  MIGRATION_0020,
  MIGRATION_0021,
  MIGRATION_0022,
]);

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;
