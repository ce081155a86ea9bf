// Opening a Ringside file without migrating it (upgrade tests, inspection tools).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { databasePath } from './database';

export function openRawDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  return new Database(databasePath(dataDir));
}
