// A frozen PostgreSQL migration: literal SQL, run once in its own transaction (see store/postgres/migrate.ts).
export interface PgMigration {
  /** 1, 2, 3, … without gaps: the schema's version after it ran. */
  version: number;
  name: string;
  sql: string;
}
