// Rows inserted several per INSERT statement, for rows whose keys are known before they are inserted (chain links
// carry their own seq). For a small row (a chain link: ten columns, its seq the table's rowid) one statement binding
// 50 rows costs ~2 µs less per row than a statement per row (fewer calls into SQLite, no result object per row);
// beyond ~50 rows a longer statement gains nothing. Larger rows gain little: an event row (17 columns, three
// indexes) costs the same either way, so events and judgements are still inserted one statement each.
import type Database from 'better-sqlite3';

export const ROWS_PER_INSERT = 50;

export class ManyRows {
  /** Rows waiting to be inserted, `columns` values each, in column order: callers push onto it. */
  values: unknown[] = [];
  private readonly statements = new Map<number, Database.Statement>();

  /** `into`: the table and its columns, as in `INSERT INTO t (a, b)`. */
  constructor(
    private readonly db: Database.Database,
    private readonly into: string,
    private readonly columns: number,
  ) {}

  get rows(): number {
    return this.values.length / this.columns;
  }

  /** Inserts the waiting rows, in order (a statement per ROWS_PER_INSERT rows, prepared once per row count). */
  insert(): void {
    const rows = this.rows;
    const values = this.values;
    this.values = [];
    for (let at = 0; at < rows; at += ROWS_PER_INSERT) {
      const n = Math.min(ROWS_PER_INSERT, rows - at);
      this.statement(n).run(n === rows ? values : values.slice(at * this.columns, (at + n) * this.columns));
    }
  }

  /** Forgets the waiting rows (their write failed). */
  clear(): void {
    this.values = [];
  }

  private statement(n: number): Database.Statement {
    let statement = this.statements.get(n);
    if (!statement) {
      const row = `(${new Array<string>(this.columns).fill('?').join(', ')})`;
      statement = this.db.prepare(`${this.into} VALUES ${new Array<string>(n).fill(row).join(', ')}`);
      this.statements.set(n, statement);
    }
    return statement;
  }
}
