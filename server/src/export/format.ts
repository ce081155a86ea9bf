// Streaming an export as CSV, NDJSON or JSON with its manifest (issue #6; exact layout: docs/audit.md
// "Export formats"). Rows come from a synchronous iterator (better-sqlite3 .iterate() on the export's own
// read connection); they are written in ~64 KB chunks, waiting for 'drain' whenever res.write() says the
// socket buffer is full, so memory stays constant whatever the row count and the first bytes go out at once.
import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';

export const FORMATS = ['csv', 'ndjson', 'json'] as const;
export type ExportFormat = (typeof FORMATS)[number];

export type ColumnType = 'text' | 'number' | 'integer' | 'boolean';
export interface Column {
  key: string;
  type: ColumnType;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** Text cells starting with one of these (or with an apostrophe) get a leading apostrophe in CSV. */
const RISKY_FIRST = new Set(['=', '+', '-', '@', '\t', '\r', "'"]);

/** Spreadsheet formula-injection guard for a CSV text cell (reversible: drop one leading apostrophe). */
export function neutralise(text: string): string {
  return text.length > 0 && RISKY_FIRST.has(text[0]!) ? `'${text}` : text;
}

export function csvCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '';
  if (type === 'number' || type === 'integer') return typeof value === 'number' ? String(value) : neutralise(String(value));
  if (type === 'boolean') return value ? 'true' : 'false';
  return neutralise(typeof value === 'string' ? value : JSON.stringify(value));
}

const CSV_OPTIONS = { record_delimiter: '\r\n', quoted_match: /^\s|\s$/ } as const;

/** RFC 4180 records (CRLF), via csv-stringify. */
export function csvRecords(records: string[][]): string {
  return records.length === 0 ? '' : stringify(records, CSV_OPTIONS);
}

export interface ExportBody<Row> {
  kind: string;
  columns: readonly Column[];
  /** Written first (CSV: first comment line; NDJSON: first line {"export": …}; JSON: "export" field). */
  header: Record<string, unknown>;
  rows: Iterable<Row>;
  toRecord(row: Row): Record<string, unknown>;
  /** After the rows: proof links (CSV "# link" lines, NDJSON {"link"} lines, JSON "links"). */
  links?: () => Iterable<Record<string, unknown>>;
  /** The trailing manifest, given the row count and data hash. */
  manifest(done: { rowCount: number; dataSha256: string }): Record<string, unknown>;
}

export class ClientGone extends Error {}

/** Writes with backpressure: resolves when the chunk is accepted or the buffer drained. */
export function writer(out: Writable): (chunk: string) => Promise<void> {
  return async (chunk) => {
    if (out.destroyed || (out as { writableEnded?: boolean }).writableEnded) throw new ClientGone('the client went away');
    if (out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
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
  };
}

const CHUNK = 64 * 1024;

export async function streamExport<Row>(out: Writable, format: ExportFormat, body: ExportBody<Row>): Promise<{ rowCount: number; dataSha256: string }> {
  const write = writer(out);
  const hash: Hash = createHash('sha256');
  let rowCount = 0;
  let buffer = '';
  let pending: string[][] = [];
  const flushCsv = () => {
    if (pending.length === 0) return;
    const text = csvRecords(pending);
    pending = [];
    hash.update(text, 'utf8');
    buffer += text;
  };
  const push = async (text: string, hashed: boolean) => {
    if (hashed) hash.update(text, 'utf8');
    buffer += text;
    if (buffer.length >= CHUNK) {
      const b = buffer;
      buffer = '';
      await write(b);
    }
  };
  const json = (v: unknown) => JSON.stringify(v);
  let dataSha256 = '';

  if (format === 'csv') {
    await write(`# ringside-export ${json(body.header)}\r\n` + csvRecords([body.columns.map((c) => c.key)]));
    for (const row of body.rows) {
      const r = body.toRecord(row);
      pending.push(body.columns.map((c) => csvCell(r[c.key], c.type)));
      rowCount += 1;
      if (pending.length >= 500) {
        flushCsv();
        if (buffer.length >= CHUNK) await push('', false);
      }
    }
    flushCsv();
    for (const link of body.links?.() ?? []) await push(`# link ${json(link)}\r\n`, false);
    dataSha256 = hash.digest('hex');
    await push(`# manifest ${json(body.manifest({ rowCount, dataSha256 }))}\r\n`, false);
  } else if (format === 'ndjson') {
    await write(json({ export: body.header }) + '\n');
    for (const row of body.rows) {
      await push(json(body.toRecord(row)) + '\n', true);
      rowCount += 1;
    }
    for (const link of body.links?.() ?? []) await push(json({ link }) + '\n', false);
    dataSha256 = hash.digest('hex');
    await push(json({ manifest: body.manifest({ rowCount, dataSha256 }) }) + '\n', false);
  } else {
    await write(`{"export":${json(body.header)},\n"rows":[`);
    for (const row of body.rows) {
      const line = json(body.toRecord(row));
      hash.update(line + '\n', 'utf8');
      await push((rowCount === 0 ? '\n' : ',\n') + line, false);
      rowCount += 1;
    }
    await push('\n],\n"links":[', false);
    let first = true;
    for (const link of body.links?.() ?? []) {
      await push((first ? '\n' : ',\n') + json(link), false);
      first = false;
    }
    dataSha256 = hash.digest('hex');
    await push(`${first ? '' : '\n'}],\n"manifest":${json(body.manifest({ rowCount, dataSha256 }))}}\n`, false);
    if (buffer.length > 0) {
      const b = buffer;
      buffer = '';
      await write(b);
    }
    return { rowCount, dataSha256 };
  }
  if (buffer.length > 0) await write(buffer);
  return { rowCount, dataSha256 };
}
