// The store: one SQLite file under the data directory, opened once per server.
import type Database from 'better-sqlite3';
import type { Standard } from '../protocol';
import { createComplianceQueries, type ComplianceQueries } from './complianceQueries';
import { openDatabase } from './database';
import { createBatchWriter, type BatchWriter } from './eventWriter';
import { createSiteStore, type SiteStore } from './siteStore';
import { createStandardStore, type StandardStore } from './standardStore';

export interface Store {
  writeBatch: BatchWriter;
  standards: StandardStore;
  sites: SiteStore;
  queries: ComplianceQueries;
  close(): void;
}

export interface StoreOptions {
  dataDir: string;
  defaultStandards: readonly Standard[];
  now?: () => number;
}

export function openStore(options: StoreOptions): Store {
  const db: Database.Database = openDatabase(options.dataDir);
  const now = options.now ?? Date.now;
  return {
    writeBatch: createBatchWriter(db),
    standards: createStandardStore(db, options.defaultStandards, now),
    sites: createSiteStore(db),
    queries: createComplianceQueries(db),
    close: () => db.close(),
  };
}
