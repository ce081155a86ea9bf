// Rows into a table by `COPY … FROM STDIN` (text format), on any client, the write connection's pipeline included.
// A batch's events, judgements and chain links are rows known to be new (seqs taken and ids looked up under the
// write lock): COPY inserts them for a fraction of the database's CPU of `INSERT … SELECT FROM unnest(…)` (no plan,
// no arrays to take apart; rows inserted several at a time) and of the node's (the text is the rows as they are,
// with no array quoting). Foreign keys, checks and indexes hold for COPY as for INSERT.
//
// pg has no COPY API, and its pipeline mode writes each statement as soon as it is given. The protocol lets a
// client send the data straight behind the COPY statement instead of waiting for the server's CopyInResponse: the
// server reads it in order, and if the statement fails before or during the copy, it answers the error and drops
// the CopyData and CopyDone that follow ("any subsequent CopyData, CopyDone, or CopyFail messages issued by the
// frontend will simply be dropped", Frontend/Backend Protocol, COPY Operations). So the statement, its data and
// its end go out together, in one place in the connection's order, and what is sent behind them runs after them.
import pg from 'pg';

/** The part of pg's connection that sends the copy's messages (pg's own Connection; not in its type declarations). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  stream: { cork?: () => void; uncork?: () => void };
}

/** `COPY … FROM STDIN` with all its data given up front, as a pg submittable: the client answers it as any query. */
class CopyIn extends pg.Query {
  constructor(
    text: string,
    private readonly data: Buffer,
    callback: (error: Error | undefined, result: pg.QueryResult) => void,
  ) {
    super({ text }, callback);
    // pg declares submit as a property: assigned here, it replaces the simple query's for this one.
    this.submit = (connection) => {
      const c = connection as unknown as CopyConnection;
      c.stream.cork?.();
      try {
        c.query(text);
        if (this.data.length > 0) c.sendCopyFromChunk(this.data);
        c.endCopyFrom();
      } finally {
        c.stream.uncork?.();
      }
    };
  }

  /** The data is on its way already (submit): nothing to answer the server's CopyInResponse with. */
  handleCopyInResponse(): void {}
}

/** Runs `COPY table (columns) FROM STDIN` with these rows (each `width` values, in column order); the rows copied. */
export function copyRows(db: pg.ClientBase, table: string, columnList: string, rows: readonly (readonly unknown[])[], width: number): Promise<number> {
  return copyText(db, table, columnList, copyData(rows, width));
}

/** Runs `COPY table (columns) FROM STDIN` with `data`, rows already in COPY's text format (copyLine's); the rows copied. */
export function copyText(db: pg.ClientBase, table: string, columnList: string, data: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    void db.query(new CopyIn(`COPY ${table} (${columnList}) FROM STDIN`, data, (error, result) => (error ? reject(error) : resolve(result.rowCount ?? 0))));
  });
}

/**
 * Rows in COPY's text format, as UTF-8. Each row's text is written into the buffer as it is made: one string of a
 * whole batch (a rope of ~50,000 pieces) would be flattened and then encoded in one go, which cost three times as
 * much CPU as this for a batch's events and links.
 */
function copyData(rows: readonly (readonly unknown[])[], width: number): Buffer {
  let data = Buffer.allocUnsafe(Math.max(1 << 12, rows.length * width * 16)); // grown when a row would not fit
  let at = 0;
  for (const row of rows) {
    const line = copyLine(row, width);
    const most = at + line.length * 3; // UTF-8 takes at most 3 bytes for each UTF-16 code unit
    if (most > data.length) {
      const larger = Buffer.allocUnsafe(Math.max(data.length * 2, most));
      data.copy(larger, 0, 0, at);
      data = larger;
    }
    at += data.write(line, at);
  }
  return data.subarray(0, at);
}

/** One row (its first `width` values) in COPY's text format: fields split by tabs, the row ended by a newline. */
export function copyLine(row: readonly unknown[], width: number): string {
  let line = '';
  for (let c = 0; c < width; c += 1) {
    if (c > 0) line += '\t';
    line += copyField(row[c]);
  }
  return `${line}\n`;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One value as a field of COPY's text format: null and undefined as `\N`; a string as it is, with the backslash
 * and the characters that end a field or a row escaped (so a string `\N` stays a string, and `\.` is no end mark);
 * a number as JavaScript writes it (the shortest text that reads back as the same double; NaN and ±Infinity as
 * PostgreSQL spells them).
 */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPED[c]!) : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new TypeError(`no COPY text for a ${typeof value}`);
}
