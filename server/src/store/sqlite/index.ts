// The SQLite backend of the store port: the embedded database Ringside runs on by default.
import type { StoreBackend } from '../port';
import { backupDatabase, restoreDatabase } from './backup';
import { compactDatabase } from './compact';
import { existsSync } from 'node:fs';
import { databasePath } from './database';
import { isDamaged, openingError } from './storageErrors';
import { openReadOnly, SqliteStore } from './store';

export const sqliteBackend: StoreBackend = {
  exists: async (dataDir) => existsSync(databasePath(dataDir)),
  open: async (options) => {
    try {
      return SqliteStore.open(options);
    } catch (error) {
      throw openingError(error, options.dataDir); // a read-only or full data folder, said in words
    }
  },
  openReadOnly: async (dataDir, options) => {
    try {
      return openReadOnly(dataDir, options);
    } catch (error) {
      throw isDamaged(error) ? openingError(error, dataDir) : error;
    }
  },
  backup: (dataDir, toFile) => backupDatabase(dataDir, toFile),
  restore: async (fromFile, dataDir, options) => restoreDatabase(fromFile, dataDir, options),
  compact: async (dataDir) => compactDatabase(dataDir),
};

export { databasePath } from './database';
