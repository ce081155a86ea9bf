// Running the frozen migrations (store/migrations/) on a SQLite file.
import type Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from '../migrations';
import { newerSchema } from '../schemaVersion';

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Registers the SQL functions the migrations' triggers call (frozen copies, each as its migration released it), so
 * a file at any past version can be written to and upgraded; triggers of later versions no longer call them.
 */
function registerMigrationFunctions(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  for (const f of migrations.flatMap((m) => m.functions ?? [])) {
    db.function(f.name, { deterministic: f.deterministic, varargs: f.varargs ?? false }, f.fn as (...args: unknown[]) => unknown);
  }
}

/** Applies every migration newer than the file's user_version; refuses a file from a newer Ringside. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new Error(newerSchema(current, latest));
  }
  registerMigrationFunctions(db, migrations);
  for (const m of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(m.sql);
      m.after?.(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
