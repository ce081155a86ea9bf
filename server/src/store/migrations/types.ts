// The shape of a frozen migration. Migrations speak to the database through this minimal interface, so they
// depend on nothing else of Ringside (not even the SQLite driver's types): released SQL never changes because
// runtime code changed.

/** What a migration's data step may do with the connection it runs on. */
export interface MigrationDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
}

/** An SQL function the migration's triggers call; registered on every connection that opens the file. */
interface SqlFunction {
  name: string;
  varargs?: boolean;
  deterministic: boolean;
  fn: (...args: never[]) => unknown;
}

export interface Migration {
  /** 1, 2, 3, … without gaps: PRAGMA user_version after it ran. */
  version: number;
  name: string;
  sql: string;
  /** Runs after `sql`, in the same transaction. */
  after?: (db: MigrationDatabase) => void;
  functions?: readonly SqlFunction[];
}
