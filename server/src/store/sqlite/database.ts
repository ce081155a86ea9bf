// Opening the SQLite file with the settings Ringside's guarantees depend on.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from './migrate';

export const DATABASE_FILE = 'ringside.db';

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export function openDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(databasePath(dataDir));
  try {
    // WAL: readers (dashboards, reports) never block the writer (ingest).
    db.pragma('journal_mode = WAL');
    // FULL, not WAL's usual NORMAL: with NORMAL a commit lives only in the OS cache until the next
    // checkpoint, so a power loss or OS crash can drop events we already answered 201 for. FULL fsyncs
    // the WAL on every commit: once acknowledged, an event survives a crash. Batches keep it cheap.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);

    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
