// The store: one SQLite file under the data directory, opened once per server.
import type Database from 'better-sqlite3';
import type { Standard } from '../protocol';
import { createKeyStore, type KeyStore } from '../auth/keys';
import { createComplianceQueries, type ComplianceQueries } from './complianceQueries';
import { openDatabase } from './sqlite/database';
import { createAlertStore, type AlertStore } from './alertStore';
import { createBatchWriter, type BatchWriter } from './sqlite/batchWriter';
import { createReplayQueries, type ReplayQueries } from './replayQueries';
import { createDistributionQueries, type DistributionQueries } from './distributionQueries';
import { createSiteStore, type SiteStore } from './siteStore';
import { createStandardStore, type StandardStore } from './standardStore';
import { createEngineQueries, type EngineQueries } from './rollupQueries';
import { serverTimeZone } from '../domain/zonedTime';
import { createAuditStore, type AuditStore } from '../audit/auditStore';
import { databasePath } from './sqlite/database';

export interface Store {
  writeBatch: BatchWriter;
  /** Runs `fn` in one transaction; writeBatch calls inside it become savepoints (issue #7: group commit). */
  transaction<T>(fn: () => T): T;
  standards: StandardStore;
  sites: SiteStore;
  queries: ComplianceQueries;
  /** Rollups and raw aggregates for compliance figures; rebuildRollups() (issue #3, engine). */
  engine: EngineQueries;
  /** API keys (issue #4). */
  keys: KeyStore;
  /** Alert history, acknowledgements, webhook outbox, windowed counts (issue #3, alerts). */
  alerts: AlertStore;
  /** Catch-up after a disconnect: events after a seq, alerts after an id (issue #5). */
  replay: ReplayQueries;
  /** Wait-time histograms for the dashboard's distribution chart (issue #5). */
  distribution: DistributionQueries;
  /** Audit log, corrections, chain head, read-only export connections (issue #6). */
  audit: AuditStore;
  close(): void;
}

export interface StoreOptions {
  dataDir: string;
  defaultStandards: readonly Standard[];
  now?: () => number;
  /** RINGSIDE_API_KEY: accepted as an admin key, never stored. */
  envApiKey?: string;
  /** Zone of sites created on first sight (default: the server's). */
  timeZone?: string;
}

export function openStore(options: StoreOptions): Store {
  const db: Database.Database = openDatabase(options.dataDir);
  const now = options.now ?? Date.now;
  const keys = createKeyStore(db, now, options.envApiKey);
  const alerts = createAlertStore(db);
  return {
    writeBatch: createBatchWriter(db),
    transaction: (fn) => db.transaction(fn)(),
    standards: createStandardStore(db, options.defaultStandards, now),
    sites: createSiteStore(db, { timeZone: options.timeZone ?? serverTimeZone(), now }),
    engine: createEngineQueries(db),
    queries: createComplianceQueries(db),
    keys,
    alerts,
    replay: createReplayQueries(db, alerts),
    distribution: createDistributionQueries(db),
    audit: createAuditStore(db, databasePath(options.dataDir), options.dataDir, now),
    close: () => {
      keys.flush();
      db.close();
    },
  };
}
