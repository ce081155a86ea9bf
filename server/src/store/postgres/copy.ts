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
// The data goes out in chunks as its rows are written (copyRows): PostgreSQL inserts the first rows while the node
// writes the text of the others, instead of waiting for the whole batch's text before its first row.
import pg from 'pg';

/** The part of pg's connection that sends the copy's messages (pg's own Connection; not in its type declarations). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/** Writes a copy's data, handing each chunk to `send` as it is made (`send` copies it: a chunk's buffer may be reused). */
type CopyWriter = (send: (chunk: Buffer) => void) => void;

/** `COPY … FROM STDIN` with all its data given up front, as a pg submittable: the client answers it as any query. */
class CopyIn extends pg.Query {
  /** What went wrong writing the data (then the copy was failed): the error to answer instead of the server's. */
  private failure: Error | undefined = undefined;

  constructor(text: string, write: CopyWriter, callback: (error: Error | undefined, result: pg.QueryResult) => void) {
    super({ text }, (error, result) => callback(this.failure ?? error, result));
    // pg declares submit as a property: assigned here, it replaces the simple query's for this one. pg submits
    // synchronously, so nothing else of this connection's can be sent between the statement and its CopyDone.
    this.submit = (connection) => {
      const c = connection as unknown as CopyConnection;
      c.query(text);
      try {
        write((chunk) => c.sendCopyFromChunk(chunk));
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        c.sendCopyFail(this.failure.message); // the server fails the statement, and drops what it copied
        return;
      }
      c.endCopyFrom();
    };
  }

  /** The data is on its way already (submit): nothing to answer the server's CopyInResponse with. */
  handleCopyInResponse(): void {}
}

/** Runs `COPY table (columns) FROM STDIN` with these rows (each `width` values, in column order); the rows copied. */
export function copyRows(db: pg.ClientBase, table: string, columnList: string, rows: readonly (readonly unknown[])[], width: number): Promise<number> {
  return copyIn(db, table, columnList, (send) => copyChunks(rows, width, send));
}

/** Runs `COPY table (columns) FROM STDIN` with `data`, rows already in COPY's text format (copyLine's); the rows copied. */
export function copyText(db: pg.ClientBase, table: string, columnList: string, data: Buffer): Promise<number> {
  return copyIn(db, table, columnList, (send) => {
    if (data.length > 0) send(data);
  });
}

function copyIn(db: pg.ClientBase, table: string, columnList: string, write: CopyWriter): Promise<number> {
  return new Promise((resolve, reject) => {
    void db.query(new CopyIn(`COPY ${table} (${columnList}) FROM STDIN`, write, (error, result) => (error ? reject(error) : resolve(result.rowCount ?? 0))));
  });
}

/** How much of a copy's text is sent at a time (the last chunk may be shorter, a chunk of one long row longer). */
const CHUNK_BYTES = 1 << 16;

/**
 * Rows in COPY's text format, as UTF-8, in chunks of about CHUNK_BYTES: each row's text is written into the chunk
 * as it is made (one string of a whole batch, a rope of ~50,000 pieces, would be flattened and then encoded in one
 * go, which cost three times as much CPU), and each chunk is sent when the next row would not fit.
 */
function copyChunks(rows: readonly (readonly unknown[])[], width: number, send: (chunk: Buffer) => void): void {
  let data = Buffer.allocUnsafe(CHUNK_BYTES);
  let at = 0;
  for (const row of rows) {
    const line = copyLine(row, width);
    const most = line.length * 3; // UTF-8 takes at most 3 bytes for each UTF-16 code unit
    if (at + most > data.length) {
      if (at > 0) send(data.subarray(0, at));
      at = 0;
      if (most > data.length) data = Buffer.allocUnsafe(most);
    }
    at += data.write(line, at);
  }
  if (at > 0) send(data.subarray(0, at));
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
