// The cell and record encoders of exports: CSV cells (with the spreadsheet formula guard), CSV and JSON records in
// column order, and NDJSON lines a batch of rows at a time. Exact layout: docs/audit.md "Export formats".
import { stringify, type Options } from 'csv-stringify/sync';
import { objectLiteralOf } from '../../domain/objectLiteral';

export type ColumnType = 'text' | 'number' | 'integer' | 'boolean';
export interface Column {
  key: string;
  type: ColumnType;
}


/** Text cells starting with one of these (or with an apostrophe) get a leading apostrophe in CSV. */
const RISKY_FIRST = new Set(['=', '+', '-', '@', '\t', '\r', "'"]);

/** Spreadsheet formula-injection guard for a CSV text cell (reversible: drop one leading apostrophe). */
export function neutralise(text: string): string {
  return text.length > 0 && RISKY_FIRST.has(text[0]!) ? `'${text}` : text;
}

const RISKY_AFTER_COMMA = /,"?[=+\-@]/;
/** Each JSON string with the comma before it, if there is one (scanned from the start, so every match opens a string). */
const JSON_STRING_AFTER = /(,?)("(?:[^"\\]|\\.)*")/g;
const RISKY_IN_STRING = /(,)([=+\-@])/g;
const RISKY_IN_LISTED_STRING = /(^"|,)([=+\-@])/g;
const jsonEscape = (_: string, before: string, c: string) => `${before}\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The JSON of a CSV `#` record (`# ringside-export`, `# manifest`, `# link` …): a spreadsheet opening the file splits
 * that line at its commas like any other, so a site `=2+3` listed second in `filters.sites` (`…,"=2+3",…`) or a
 * correction reason `typo,=HYPERLINK(…)` would start a cell, bare or quoted, and be evaluated as a formula. Such a
 * character, a first one the cell guard escapes that JSON writes as itself, is written as its JSON escape instead
 * (`\u003d`): where a string follows a comma, and after a comma inside a string. The value JSON.parse gives is
 * unchanged (so are the signature and the verifier's reading); a `-` after a comma outside strings is a negative
 * number, left as it is.
 */
export function commentJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!RISKY_AFTER_COMMA.test(text)) return text;
  return text.replace(JSON_STRING_AFTER, (_, comma: string, string: string) => comma + string.replace(comma === '' ? RISKY_IN_STRING : RISKY_IN_LISTED_STRING, jsonEscape));
}

export function csvCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '';
  if ((type === 'number' || type === 'integer') && typeof value === 'number') return String(value);
  if (type === 'boolean') return value ? 'true' : 'false';
  return neutralise(typeof value === 'string' ? value : JSON.stringify(value));
}

// Quoted besides what RFC 4180 demands: white space at either end; any CR or LF, which most readers (Python's
// csv, spreadsheets, the offline script) end a record at when unquoted, even with CRLF records; and "#", so a
// reader that treats "#" outside quotes as a comment (pandas' comment='#' also cuts a line at one) keeps the cell.
const CSV_OPTIONS: Options = { record_delimiter: '\r\n', quoted_match: [/^\s|\s$/, /[\r\n#]/] };

/** RFC 4180 records (CRLF), via csv-stringify (the header row; csvRecorder below is the per-row path). */
export function csvRecords(records: string[][]): string {
  return records.length === 0 ? '' : stringify(records, CSV_OPTIONS);
}

// What csv-stringify quotes with CSV_OPTIONS: a delimiter or quote, the record delimiter (CRLF), and what
// quoted_match adds: white space at either end, CR, LF or "#".
const NEEDS_QUOTES = /[",\r\n#]|^\s|\s$/;

/** One cell exactly as csv-stringify writes it with CSV_OPTIONS (test/unit/exportFormat.test.ts pins this). */
export function csvQuote(cell: string): string {
  if (!NEEDS_QUOTES.test(cell)) return cell;
  return `"${cell.includes('"') ? cell.replaceAll('"', '""') : cell}"`;
}

/**
 * String(v), without V8's number-to-string cache: String() keeps every result in that heap-wide cache until a
 * colliding number replaces it, so an export's unique numbers (seqs, timestamps, link seqs) outlived two
 * scavenges, were promoted and piled up in the old space (~65 bytes per row, most of the export's RSS growth
 * with the reader's page cache). toFixed(0) gives the same digits for safe integers and caches nothing.
 */
export function numberText(v: number): string {
  return Number.isSafeInteger(v) ? v.toFixed(0) : String(v);
}

// Row encoders fill one reused array of pieces and join it: Array.prototype.join builds one flat string,
// where `line += piece` would build a rope of ~70 nodes per row to be flattened (and collected) later.

/**
 * Text that csvCell or csvQuote would change: a first character neutralise() guards (RISKY_FIRST) or white space,
 * anything NEEDS_QUOTES finds. Most cells have none: one test instead of a Set lookup and a test (~5 % of a record).
 */
const CHANGED_IN_CSV = /^[=+\-@\t\r'\s]|[",\r\n#]|\s$/;

/**
 * One data record without its CRLF: csvCell + csvQuote per cell. Written directly instead of one csv-stringify
 * call per record (~15 % of a CSV export); numbers never need quotes.
 */
export function csvRecorder(columns: readonly Column[]): (values: readonly unknown[]) => string {
  const cells = new Array<string>(columns.length).fill('');
  const types = columns.map((c) => c.type);
  return (values) => {
    for (let i = 0; i < types.length; i += 1) {
      const v = values[i];
      const type = types[i]!;
      if (typeof v === 'number' && (type === 'number' || type === 'integer')) cells[i] = numberText(v);
      else if (typeof v === 'string' && type === 'text' && !CHANGED_IN_CSV.test(v)) cells[i] = v;
      else cells[i] = v === null || v === undefined ? '' : csvQuote(csvCell(v, type));
    }
    return cells.join(',');
  };
}

/**
 * JSON.stringify({[columns[i].key]: values[i], …}), pinned by the golden test and test/unit/exportFormat.test.ts.
 * The object is built by a function generated once per column list (an object literal with the keys in column
 * order: every row gets the same hidden class), and one native JSON.stringify call writes the whole row: about a
 * third less CPU per row than one JSON.stringify call per value joined in JavaScript, and numbers are written without
 * V8's number-to-string cache (see numberText). Keys an object literal would not keep in place (array indices, which
 * objects list first; __proto__, which sets the prototype; a repeated key) take the piecewise path below.
 */
export function jsonRecorder(columns: readonly Column[]): (values: readonly unknown[]) => string {
  const record = objectLiteral(columns);
  if (record === null) return piecewiseJson(columns);
  return (values) => JSON.stringify(record(values));
}

/** The generated object literal of jsonRecorder; null for keys it would not keep in place (the piecewise path). */
function objectLiteral(columns: readonly Column[]): ((values: readonly unknown[]) => object) | null {
  return objectLiteralOf(columns.map((c) => c.key), (i) => `v[${i}]`);
}

/** Rows gathered for one write: each is taken in as it comes (its array may be reused after), the text at the end. */
export interface RowBatch {
  add(values: readonly unknown[]): void;
  /** Rows since the last take(). */
  readonly rows: number;
  /** Characters of those rows' text (an estimate where the text is only made by take()). */
  readonly chars: number;
  /** The rows' text, each row followed by "\n", and a new batch begins. */
  take(): string;
}

/**
 * NDJSON rows of scalar values (null, numbers, strings, booleans) a batch at a time, byte for byte what jsonRecorder
 * writes row by row: the rows' objects (jsonRecorder's literal) go into one native JSON.stringify call per batch, the
 * array's brackets are dropped and the comma before each row becomes a line end. One call per batch instead of one
 * per row is about a sixth less CPU per events row.
 * Where rows meet, the text is `},{` and the row's first key with its quotes and colon (`},{"event_seq":`). Anywhere
 * else that cannot occur: with no object among the values a structural `{` opens a row, and a quote right after a
 * `{` inside a string would have to be the string's closing quote, followed by `,`, `}` or `:`, never by the key's
 * first character (keys starting with one of these take the row-by-row path) or, for an empty key, by a quote.
 * A row without its first key (undefined there) does not start with it: then the count of boundaries differs and
 * that batch is written row by row. null where that path is taken for every row.
 */
export function ndjsonBatch(columns: readonly Column[]): RowBatch | null {
  const record = columns.length === 0 ? null : objectLiteral(columns);
  const first = columns.length === 0 ? '' : JSON.stringify(columns[0]!.key);
  if (record === null || /^",|^"}|^":/.test(first)) return null;
  const boundary = `},{${first}:`;
  const lineEnd = `}\n{${first}:`;
  let objects: object[] = [];
  // Characters per row of the batches so far (the text is only known once stringified): what decides when a batch
  // is large enough before it is made.
  let perRow = 1024;
  return {
    add(values) {
      objects.push(record(values));
    },
    get rows() {
      return objects.length;
    },
    get chars() {
      return objects.length * perRow;
    },
    take() {
      const batch = objects;
      objects = [];
      if (batch.length === 0) return '';
      const text = JSON.stringify(batch);
      let boundaries = 0;
      for (let i = text.indexOf(boundary); i !== -1; i = text.indexOf(boundary, i + boundary.length)) boundaries += 1;
      perRow = Math.max(1, Math.ceil(text.length / batch.length));
      if (boundaries !== batch.length - 1) return batch.map((o) => JSON.stringify(o) + '\n').join('');
      return text.slice(1, -1).replaceAll(boundary, lineEnd) + '\n';
    },
  };
}

/** JSON.stringify of the row object written piece by piece: any key (undefined values leave theirs out). */
function piecewiseJson(columns: readonly Column[]): (values: readonly unknown[]) => string {
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.key)}:`);
  const parts = new Array<string>(2 * keys.length + 1).fill('');
  parts[parts.length - 1] = '}';
  return (values) => {
    let omitted = false;
    for (let i = 0; i < keys.length; i += 1) {
      const v = values[i];
      let text: string | undefined;
      if (v === null) text = 'null';
      else if (typeof v === 'number') text = Number.isFinite(v) ? numberText(v) : 'null';
      else text = JSON.stringify(v); // strings; undefined (and functions) give undefined: the key is left out
      parts[2 * i] = text === undefined ? '' : keys[i]!;
      parts[2 * i + 1] = text ?? '';
      if (text === undefined) omitted = true;
    }
    return omitted ? withOmissions(parts) : parts.join('');
  };
}

/** Rare: a key left out, so the first key present must open the object (JSON.stringify drops undefined). */
function withOmissions(parts: string[]): string {
  const body = parts.slice(0, -1).join('');
  return body === '' ? '{}' : `{${body.slice(1)}}`;
}
