// Streaming an export as CSV, NDJSON or JSON with its manifest (exact layout: docs/audit.md "Export formats").
// Rows come as they are read from the export's snapshot; they are written in batches of rows (~48 K characters),
// waiting for 'drain' whenever
// res.write() says the socket buffer is full, so memory stays constant whatever the row count and the first
// bytes go out at once; and giving the event loop a turn every 20 ms, so other requests are served meanwhile.
import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RowSequence } from '../../store/port';
import { commentJson, csvRecorder, csvRecords, jsonRecorder, ndjsonBatch, type Column } from './encoders';

export type { Column } from './encoders';

export type ExportFormat = 'csv' | 'ndjson' | 'json';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface ExportBody<Row> {
  kind: string;
  columns: readonly Column[];
  /** Written first (CSV: first comment line; NDJSON: first line {"export": …}; JSON: "export" field). */
  header: Record<string, unknown>;
  rows: AsyncIterable<Row> | Iterable<Row>;
  toRecord(row: Row): Record<string, unknown>;
  /**
   * Optional fast path: the row's values in column order, keys as in toRecord (same output, no object per
   * row). The array may be reused for the next row: each row is formatted before the next is asked for.
   */
  toValues?(row: Row): readonly unknown[];
  /** toValues gives only null, numbers, strings and booleans (nothing structured): NDJSON may then use ndjsonBatch. */
  scalarValues?: boolean;
  /**
   * After the rows, before the links: chained records the rows refer to, each `{[name]: value}` with name
   * `correction` or `standard` (CSV "# correction …" lines, NDJSON {"correction": …} lines, JSON "records").
   */
  records?: () => AsyncIterable<TrailerRecord> | Iterable<TrailerRecord>;
  /** After the rows: proof links (CSV "# link" lines, NDJSON {"link"} lines, JSON "links"). */
  links?: () => AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;
  /** The trailing manifest, given the row count and data hash. */
  manifest(done: { rowCount: number; dataSha256: string }): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** A chained record written after an export's rows (see ExportBody.records). */
export interface TrailerRecord {
  name: 'correction' | 'standard';
  value: Record<string, unknown>;
}

export class ClientGone extends Error {}

/**
 * Longest stretch an export keeps the event loop. A client on a fast link takes each write at once: the
 * socket then reports 'drain' in the same turn (process.nextTick), so without a pause a 1 M-row export held
 * the server's one thread for its whole 15–20 s, and ingest, live pushes and every other request waited.
 */
export const TURN_MS = 20;

/**
 * Called between an export's rows, periods or reads: gives the event loop a turn once the current one has lasted
 * TURN_MS (pending I/O, timers, other requests and ingest run meanwhile), and throws ClientGone once `signal` says the
 * client went away, so its work stops there. A store that reads synchronously (SQLite) never yields by itself.
 */
export function pacer(signal?: AbortSignal): () => Promise<void> {
  let turnStart = performance.now();
  return async () => {
    if (signal?.aborted) throw new ClientGone('the client went away');
    if (performance.now() - turnStart < TURN_MS) return;
    await nextTurn();
    turnStart = performance.now();
    if (signal?.aborted) throw new ClientGone('the client went away');
  };
}

/** Aborted when `out` closes before it finished (the client went away, or its socket failed). */
export function closedEarly(out: Writable): AbortSignal {
  const gone = new AbortController();
  if (out.destroyed) gone.abort();
  else out.once('close', () => out.writableFinished || gone.abort());
  return gone.signal;
}

/** Why a started export stopped, as its last line says (docs/audit.md "A failed export"). */
export interface ExportFailure {
  code: 'export-failed';
  /** What went wrong, in words a client may see (never an internal error's own text: the server log has it). */
  detail: string;
  /** The request's X-Request-Id, which the server's log line of the failure carries. */
  requestId: string;
}

/**
 * The line that ends an export which failed after its first bytes, in the format's own trailer syntax: CSV
 * `# error {…}`, NDJSON `{"error": {…}}`, JSON a line `"error": {…}` that leaves the document unparseable (no
 * closing brackets). The verifier refuses a file holding it, naming the detail. Every write ends on a line except
 * JSON rows (a row's "," comes with the next), hence JSON's leading line end.
 */
function failureLine(format: ExportFormat, failure: ExportFailure): string {
  const json = JSON.stringify(failure);
  if (format === 'csv') return `# error ${commentJson(failure)}\r\n`;
  if (format === 'ndjson') return `{"error":${json}}\n`;
  return `\n"error":${json}\n`;
}

/**
 * Ends an export that failed after it started, the one way for every kind: its failure line, then the connection
 * closed without ending the response (chunked encoding: no terminating chunk), so an HTTP client sees an incomplete
 * transfer (curl: exit 18, fetch: a rejected body) and a file saved anyway says why it stops. Never a manifest.
 */
export function abortExport(out: Writable, format: ExportFormat, failure: ExportFailure): void {
  if (out.destroyed) return;
  out.write(failureLine(format, failure), () => out.destroy());
}

/** Writes with backpressure: resolves when the chunk is accepted or the buffer drained. */
export function writer(out: Writable): (chunk: string) => Promise<void> {
  const pace = pacer();
  return async (chunk) => {
    if (out.destroyed || (out as { writableEnded?: boolean }).writableEnded) throw new ClientGone('the client went away');
    if (!out.write(chunk)) await drained(out);
    await pace();
  };
}

function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', gone);
      resolve();
    };
    const gone = () => {
      out.off('drain', done);
      reject(new ClientGone('the client went away'));
    };
    out.once('drain', done);
    out.once('close', gone);
  });
}

/**
 * Rows per write: one string per batch, hashed and written once (not one hash update per row). Batches stay
 * under ~48 K characters so the joined string stays below V8's large-object size (128 KB even for two-byte
 * text): large objects are only freed by full garbage collections.
 */
const BATCH_ROWS = 1000;
const BATCH_CHARS = 48 * 1024;

/**
 * `source` mapped by `f`, dropping the rows it maps to null. A plain async iterator rather than an async generator:
 * one awaited promise per row instead of a generator's queue, which an export of millions of rows notices. Iterable
 * as well when the source is (RowSequence): streamExport then takes the rows with no promise per row.
 */
export function mapRows<In, Out>(source: RowSequence<In>, f: (row: In) => Out | null): RowSequence<Out> {
  const mapped: RowSequence<Out> = {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<Out>> {
          for (;;) {
            const r = await it.next();
            if (r.done) return { done: true, value: undefined };
            const out = f(r.value);
            if (out !== null) return { done: false, value: out };
          }
        },
        return: async (): Promise<IteratorResult<Out>> => {
          await it.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
  const rows = source[Symbol.iterator];
  if (rows === undefined) return mapped;
  mapped[Symbol.iterator] = () => {
    const it = rows.call(source);
    return {
      next(): IteratorResult<Out> {
        for (;;) {
          const r = it.next();
          if (r.done) return { done: true, value: undefined };
          const out = f(r.value);
          if (out !== null) return { done: false, value: out };
        }
      },
      return(): IteratorResult<Out> {
        it.return?.();
        return { done: true, value: undefined };
      },
    };
  };
  return mapped;
}

/** Rows that can be taken synchronously (arrays, a RowSequence whose backend reads synchronously). */
function isIterable<Row>(rows: AsyncIterable<Row> | Iterable<Row> | Partial<Iterable<Row>>): rows is Iterable<Row> {
  return typeof (rows as Partial<Iterable<Row>>)[Symbol.iterator] === 'function';
}

/** Encodes a data row without its line end (CSV record or compact JSON), as the format wants. */
function rowEncoder<Row>(format: ExportFormat, body: ExportBody<Row>): (row: Row) => string {
  const { columns } = body;
  const values = body.toValues ? (row: Row) => body.toValues!(row) : (row: Row) => ((r) => columns.map((c) => r[c.key]))(body.toRecord(row));
  if (format === 'csv') {
    const record = csvRecorder(columns);
    return (row) => record(values(row));
  }
  // Bodies without toValues keep JSON.stringify of their record (their exact bytes, key order included).
  if (!body.toValues) return (row) => JSON.stringify(body.toRecord(row));
  const record = jsonRecorder(columns);
  return (row) => record(values(row));
}

/** A write's rows as encoded text, one row at a time: take() gives the lines (each without its line end). */
class LineBatch<Row> {
  lines: string[] = [];
  chars = 0;
  constructor(private readonly encode: (row: Row) => string) {}
  get rows(): number {
    return this.lines.length;
  }
  add(row: Row): void {
    const line = this.encode(row);
    this.lines.push(line);
    this.chars += line.length;
  }
  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    this.chars = 0;
    return lines;
  }
}

/** NDJSON rows of a scalar body a batch at a time (ndjsonBatch), else null. */
function scalarNdjson<Row>(format: ExportFormat, body: ExportBody<Row>): { add(row: Row): void; rows: number; chars: number; take(): string } | null {
  const batch = format === 'ndjson' && body.toValues && body.scalarValues ? ndjsonBatch(body.columns) : null;
  if (batch === null) return null;
  const values = body.toValues!.bind(body);
  return {
    add: (row) => batch.add(values(row)),
    get rows() {
      return batch.rows;
    },
    get chars() {
      return batch.chars;
    },
    take: () => batch.take(),
  };
}

export async function streamExport<Row>(out: Writable, format: ExportFormat, body: ExportBody<Row>): Promise<{ rowCount: number; dataSha256: string }> {
  const write = writer(out);
  const hash: Hash = createHash('sha256');
  const json = (v: unknown) => JSON.stringify(v);
  const batch = scalarNdjson(format, body) ?? new LineBatch(rowEncoder(format, body));
  // Hashed bytes: each row + its line end (CSV CRLF, else "\n"). Written: the same, except JSON's separators.
  const end = format === 'csv' ? '\r\n' : '\n';
  let rowCount = 0;
  const flush = async () => {
    const rows = batch.rows;
    if (rows === 0) return;
    const taken = batch.take();
    rowCount += rows;
    if (typeof taken === 'string') {
      hash.update(taken, 'utf8');
      await write(taken);
      return;
    }
    // Strings, not a Buffer: a socket write copies a string into memory it frees itself once sent, where a
    // Buffer per batch would wait for a garbage collection (tens of MB of RSS).
    taken.push(''); // so that join() ends the last row too, in one flat string
    const data = taken.join(end);
    taken.pop();
    hash.update(data, 'utf8');
    await write(format === 'json' ? (rowCount === rows ? '\n' : ',\n') + taken.join(',\n') : data);
  };

  if (format === 'csv') await write(`# ringside-export ${commentJson(body.header)}\r\n` + csvRecords([body.columns.map((c) => c.key)]));
  else if (format === 'ndjson') await write(json({ export: body.header }) + '\n');
  else await write(`{"export":${json(body.header)},\n"rows":[`);
  // The header goes out now (the response is corked until the next tick), before the first rows are looked for:
  // the client knows the export started even when finding the first row takes a while (a sort).
  await nextTurn();
  const rows = body.rows;
  if (isIterable(rows)) {
    for (const row of rows) {
      batch.add(row);
      if (batch.rows >= BATCH_ROWS || batch.chars >= BATCH_CHARS) await flush();
    }
  } else {
    for await (const row of rows) {
      batch.add(row);
      if (batch.rows >= BATCH_ROWS || batch.chars >= BATCH_CHARS) await flush();
    }
  }
  await flush();
  const dataSha256 = hash.digest('hex');
  await writeTrailer(write, format, body, () => body.manifest({ rowCount, dataSha256 }));
  return { rowCount, dataSha256 };
}

/** After the rows: the proof links and the manifest, small, buffered into ~64 KB writes. */
async function writeTrailer<Row>(write: (text: string) => Promise<void>, format: ExportFormat, body: ExportBody<Row>, manifest: () => unknown): Promise<void> {
  const json = (v: unknown) => JSON.stringify(v);
  // The manifest may wait for a trusted timestamp (services/timestamps.ts).
  const final = async () => (format === 'csv' ? commentJson : json)(await manifest());
  let buffer = '';
  const push = async (text: string) => {
    buffer += text;
    if (buffer.length >= 64 * 1024) {
      const b = buffer;
      buffer = '';
      await write(b);
    }
  };
  await writeRecords(push, format, body);
  if (format === 'csv') {
    for await (const link of body.links?.() ?? []) await push(`# link ${commentJson(link)}\r\n`);
    await push(`# manifest ${await final()}\r\n`);
  } else if (format === 'ndjson') {
    for await (const link of body.links?.() ?? []) await push(json({ link }) + '\n');
    await push(`{"manifest":${await final()}}\n`);
  } else {
    if (!body.records) await push('\n]');
    await push(',\n"links":[');
    let first = true;
    for await (const link of body.links?.() ?? []) {
      await push((first ? '\n' : ',\n') + json(link));
      first = false;
    }
    await push(`${first ? '' : '\n'}],\n"manifest":${await final()}}\n`);
  }
  if (buffer.length > 0) await write(buffer);
}

/**
 * The chained records after the rows (bodies that have them): CSV `# <name> {…}`, NDJSON `{"<name>": {…}}`, JSON
 * (this closes "rows") `"records":[{"<name>": {…}}, …]`.
 */
async function writeRecords<Row>(push: (text: string) => Promise<void>, format: ExportFormat, body: ExportBody<Row>): Promise<void> {
  if (!body.records) return;
  const json = (v: unknown) => JSON.stringify(v);
  if (format === 'json') await push('\n],\n"records":[');
  let first = true;
  for await (const r of body.records()) {
    if (format === 'csv') await push(`# ${r.name} ${commentJson(r.value)}\r\n`);
    else if (format === 'ndjson') await push(json({ [r.name]: r.value }) + '\n');
    else await push((first ? '\n' : ',\n') + json({ [r.name]: r.value }));
    first = false;
  }
  if (format === 'json') await push(first ? ']' : '\n]');
}
