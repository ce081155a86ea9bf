// The event export exactly as it was before exports streamed from prepared row readers (a five-way join per
// row, a csv-stringify call per record): the reference the golden test compares the current implementation with, byte for byte.
// Frozen on purpose: do not "fix" or speed up this file, it pins the output format (a deliberate change of the format,
// such as the measures and handle_seconds columns added at the end, is made here too).
import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { GENESIS_HASH } from '../../../server/src/domain/chain';
import { csvRecords } from '../../../server/src/services/exports/encoders'; // csv-stringify itself (a server dependency)
import { filtersOf, type ExportQuery } from '../../../server/src/services/exports/query';
import type { openDatabase } from '../../../server/src/store/sqlite/database';

/** The server's better-sqlite3 handle type (better-sqlite3 itself lives in server/node_modules). */
type Reader = ReturnType<typeof openDatabase>;

/** What the legacy export read from: a connection in a read transaction. */
export interface ExportContext {
  reader: Reader;
  serverVersion: string;
  nowMs: number;
  format: string;
}

export type ExportFormat = 'csv' | 'ndjson' | 'json';

interface VersionInfo {
  id: string;
  version: number;
  name: string;
  formula: string;
  target: number;
  validFromMs: number | null;
  definition: Record<string, unknown>;
}

function standardVersions(reader: Reader): VersionInfo[] {
  return (reader.prepare('SELECT id, version, definition, valid_from_ms FROM standards ORDER BY id, version').all() as Array<{ id: string; version: number; definition: string; valid_from_ms: number | null }>).map((r) => {
    const d = JSON.parse(r.definition) as Record<string, unknown>;
    return { id: r.id, version: r.version, name: String(d.name ?? r.id), formula: String(d.formula ?? 'F3'), target: Number(d.target ?? 0), validFromMs: r.valid_from_ms, definition: d };
  });
}

function head(reader: Reader): { seq: number; hash: string } {
  return (reader.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
}

function baseHeader(kind: string, q: ExportQuery, ctx: ExportContext, chainHead: { seq: number; hash: string }) {
  return {
    kind,
    format: ctx.format,
    generatedAt: new Date(ctx.nowMs).toISOString(),
    serverVersion: `ringside/${ctx.serverVersion}`,
    filters: filtersOf('events', q),
    timeZone: q.timeZone,
    chainHead,
  };
}

const EVENT_COLUMNS: readonly Column[] = [
  { key: 'event_seq', type: 'integer' },
  { key: 'event_id', type: 'text' },
  { key: 'type', type: 'text' },
  { key: 'site', type: 'text' },
  { key: 'occurred_at', type: 'text' },
  { key: 'occurred_at_ms', type: 'integer' },
  { key: 'received_at_ms', type: 'integer' },
  { key: 'outcome', type: 'text' },
  { key: 'rings', type: 'integer' },
  { key: 'answer_seconds', type: 'number' },
  { key: 'greet_seconds', type: 'number' },
  { key: 'queue', type: 'text' },
  { key: 'agent', type: 'text' },
  { key: 'derived', type: 'text' },
  { key: 'content', type: 'text' },
  { key: 'standard_id', type: 'text' },
  { key: 'standard_version', type: 'integer' },
  { key: 'formula', type: 'text' },
  { key: 'measure', type: 'text' },
  { key: 'measure_source', type: 'text' },
  { key: 'value', type: 'number' },
  { key: 'threshold', type: 'number' },
  { key: 'met', type: 'integer' },
  { key: 'counted', type: 'integer' },
  { key: 'reason', type: 'text' },
  { key: 'result', type: 'text' },
  { key: 'correction', type: 'text' },
  { key: 'correction_seq', type: 'integer' },
  { key: 'corrected_met', type: 'integer' },
  { key: 'corrected_counted', type: 'integer' },
  { key: 'event_link_seq', type: 'integer' },
  { key: 'event_link_prev', type: 'text' },
  { key: 'event_link_hash', type: 'text' },
  { key: 'judgement_link_seq', type: 'integer' },
  { key: 'judgement_link_prev', type: 'text' },
  { key: 'judgement_link_hash', type: 'text' },
  // The changes to the format since: events of other types than calls and visits carry their measures, last; then
  // how long serving took.
  { key: 'measures', type: 'text' },
  { key: 'handle_seconds', type: 'number' },
  // Then the latest correction's record, its author's name and its link.
  { key: 'correction_changes', type: 'text' },
  { key: 'correction_rejudged', type: 'text' },
  { key: 'correction_reason', type: 'text' },
  { key: 'correction_key_id', type: 'text' },
  { key: 'correction_key_name', type: 'text' },
  { key: 'correction_at_ms', type: 'integer' },
  { key: 'correction_link_seq', type: 'integer' },
  { key: 'correction_link_prev', type: 'text' },
  { key: 'correction_link_hash', type: 'text' },
];

const siteFilter = (q: ExportQuery, alias: string) => (q.sites.length ? `AND ${alias}.site IN (${q.sites.map(() => '?').join(', ')})` : '');

function resultOf(met: number | null, counted: number | null, voided: boolean): string | null {
  if (voided) return 'voided';
  if (counted === null) return null;
  return counted === 0 ? 'not-counted' : met === 1 ? 'met' : 'missed';
}

export function legacyEventsExport(q: ExportQuery, ctx: ExportContext): ExportBody<Record<string, any>> {
  const r = ctx.reader;
  const chainHead = head(r);
  const versions = new Map(standardVersions(r).map((v) => [`${v.id}@${v.version}`, v]));
  const standardJoin = q.standards.length ? `AND j.standard_id IN (${q.standards.map(() => '?').join(', ')})` : '';
  const sql = `
    SELECT e.*, j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason,
           lc.seq AS corr_seq, lc.action AS corr_action, lc.rejudged AS corr_rejudged, lc.changes AS corr_changes, lc.reason AS corr_reason,
           lc.key_id AS corr_key_id, lc.at_ms AS corr_at_ms, cc.seq AS cc_seq, cc.hash AS cc_hash, pc.hash AS cc_prev, k.name AS corr_key_name,
           ce.seq AS ce_seq, ce.hash AS ce_hash, pe.hash AS ce_prev, cj.seq AS cj_seq, cj.hash AS cj_hash, pj.hash AS cj_prev
    FROM events e
    ${q.standards.length ? 'JOIN' : 'LEFT JOIN'} judgements j ON j.event_seq = e.seq ${standardJoin}
    LEFT JOIN audit_corrections lc ON lc.seq = (SELECT MAX(seq) FROM audit_corrections WHERE event_seq = e.seq)
    LEFT JOIN audit_chain cc ON cc.kind = 'correction' AND cc.key_int = lc.seq
    LEFT JOIN audit_chain pc ON pc.seq = cc.seq - 1
    LEFT JOIN api_keys k ON k.id = lc.key_id
    LEFT JOIN audit_chain ce ON ce.event_seq = e.seq AND ce.kind = 'event'
    LEFT JOIN audit_chain pe ON pe.seq = ce.seq - 1
    LEFT JOIN audit_chain cj ON cj.event_seq = e.seq AND cj.kind = 'judgement' AND cj.key_text = j.standard_id
    LEFT JOIN audit_chain pj ON pj.seq = cj.seq - 1
    WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${siteFilter(q, 'e')}
    ORDER BY e.seq, j.standard_id`;
  const args = [...q.standards, q.fromMs, q.toMs, ...q.sites];
  const involved = new Set<string>();
  // Chain links carried by the rows: one bit per link up to the head (constant-size for the export).
  const carried = new Uint8Array((chainHead.seq >> 3) + 1);
  const mark = (seq: number | null) => {
    if (seq !== null && seq <= chainHead.seq) carried[seq >> 3]! |= 1 << (seq & 7);
  };
  const isCarried = (seq: number) => (carried[seq >> 3]! & (1 << (seq & 7))) !== 0;
  let firstLink = Infinity;
  const outcomeSet = new Set(q.outcomes);
  const corrected = new Set<number>();

  function* rows(): Generator<Record<string, any>> {
    for (const row of r.prepare(sql).iterate(...args) as Iterable<Record<string, any>>) {
      const voided = row.corr_action === 'void';
      let correctedMet: number | null = row.met;
      let correctedCounted: number | null = row.counted;
      if (row.corr_action === 'void') {
        correctedMet = row.standard_id === null ? null : 0;
        correctedCounted = row.standard_id === null ? null : 0;
      } else if (row.corr_action === 'amend' && row.standard_id !== null) {
        const j = (JSON.parse(row.corr_rejudged) as Record<string, { met: number; counted: number }>)[row.standard_id];
        correctedMet = j?.met ?? row.met;
        correctedCounted = j?.counted ?? row.counted;
      }
      const result = resultOf(correctedMet, correctedCounted, voided);
      if (outcomeSet.size > 0 && !outcomeSet.has(row.outcome) && !(result !== null && outcomeSet.has(result))) continue;
      if (row.standard_id !== null) involved.add(`${row.standard_id}@${row.standard_version}`);
      if (row.corr_seq !== null) corrected.add(row.seq);
      mark(row.ce_seq);
      mark(row.cj_seq);
      if (row.ce_seq !== null) firstLink = Math.min(firstLink, row.ce_seq);
      if (row.cj_seq !== null) firstLink = Math.min(firstLink, row.cj_seq);
      row.__result = result;
      row.__correctedMet = correctedMet;
      row.__correctedCounted = correctedCounted;
      yield row;
    }
  }

  return {
    kind: 'events',
    columns: EVENT_COLUMNS,
    header: baseHeader('events', q, ctx, chainHead),
    rows: rows(),
    toRecord(row) {
      const derived = JSON.parse(row.derived) as string[];
      const v = row.standard_id === null ? undefined : versions.get(`${row.standard_id}@${row.standard_version}`);
      return {
        event_seq: row.seq,
        event_id: row.id,
        type: row.type,
        site: row.site,
        occurred_at: row.occurred_at,
        occurred_at_ms: row.occurred_at_ms,
        received_at_ms: row.received_at_ms,
        outcome: row.outcome,
        rings: row.rings,
        answer_seconds: row.answer_seconds,
        greet_seconds: row.greet_seconds,
        queue: row.queue,
        agent: row.agent,
        derived: row.derived,
        content: row.content,
        standard_id: row.standard_id,
        standard_version: row.standard_version,
        formula: v?.formula ?? null,
        measure: row.measure,
        measure_source: row.measure === null ? null : derived.includes(row.measure) ? 'derived' : 'measured',
        value: row.value,
        threshold: row.threshold,
        met: row.met,
        counted: row.counted,
        reason: row.reason,
        result: row.__result,
        correction: row.corr_action,
        correction_seq: row.corr_seq,
        corrected_met: row.__correctedMet,
        corrected_counted: row.__correctedCounted,
        event_link_seq: row.ce_seq,
        event_link_prev: row.ce_seq === null ? null : (row.ce_prev ?? GENESIS_HASH),
        event_link_hash: row.ce_hash,
        judgement_link_seq: row.cj_seq,
        judgement_link_prev: row.cj_seq === null ? null : (row.cj_prev ?? GENESIS_HASH),
        judgement_link_hash: row.cj_hash,
        measures: row.measures,
        handle_seconds: row.handle_seconds,
        correction_changes: row.corr_changes,
        correction_rejudged: row.corr_rejudged,
        correction_reason: row.corr_reason,
        correction_key_id: row.corr_key_id,
        correction_key_name: row.corr_key_id === null ? null : keyNameOf(row.corr_key_id, row.corr_key_name),
        correction_at_ms: row.corr_at_ms,
        correction_link_seq: row.cc_seq,
        correction_link_prev: row.cc_seq === null ? null : (row.cc_prev ?? GENESIS_HASH),
        correction_link_hash: row.cc_hash,
      };
    },
    records: () => chainedRecords(r, [...new Set([...involved].map((v) => v.slice(0, v.lastIndexOf('@'))))], [...corrected]),
    links: q.proof === 'none'
      ? undefined
      : function* () {
          if (firstLink === Infinity) return;
          const stmt = r.prepare('SELECT seq, kind, ref, digest, hash FROM audit_chain WHERE seq > ? AND seq <= ? ORDER BY seq');
          for (const l of stmt.iterate(firstLink, chainHead.seq) as Iterable<{ seq: number; kind: string; ref: string; digest: string; hash: string }>) {
            if (!isCarried(l.seq)) yield l;
          }
        },
    manifest: ({ rowCount, dataSha256 }) => ({
      ...baseHeader('events', q, ctx, chainHead),
      rowCount,
      dataSha256,
      dataHashCovers: hashDefinition(ctx.format),
      standardVersions: [...involved].sort(),
      proof: q.proof === 'none' || firstLink === Infinity ? null : { fromLinkSeq: firstLink, toLinkSeq: chainHead.seq },
    }),
  };
}

/** Every version of the standards, then every correction of the events, in chain order, with their links. */
function* chainedRecords(r: Reader, standards: string[], events: number[]): Generator<{ name: string; value: Record<string, unknown> }> {
  const linked = (rows: Array<Record<string, any>>, record: (x: Record<string, any>) => Record<string, unknown>, extra: (x: Record<string, any>) => Record<string, unknown> = () => ({})) =>
    rows.map((x) => ({ record: record(x), link: { seq: x.l_seq as number, prev: (x.l_prev as string | null) ?? GENESIS_HASH, hash: x.l_hash as string }, ...extra(x) }));
  const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const standardRows = r.prepare(`SELECT s.*, c.seq AS l_seq, c.hash AS l_hash, p.hash AS l_prev FROM standards s JOIN audit_chain c ON c.kind = 'standard' AND c.key_text = s.id AND c.key_int = s.version
    LEFT JOIN audit_chain p ON p.seq = c.seq - 1 WHERE s.id IN (${list(standards.length)}) ORDER BY c.seq`).all(...standards) as Array<Record<string, any>>;
  for (const value of linked(standardRows, (x) => ({ id: x.id, version: x.version, definition: x.definition, createdAtMs: x.created_at_ms, validFromMs: x.valid_from_ms, retired: x.retired }))) yield { name: 'standard', value };
  const correctionRows = r.prepare(`SELECT a.*, c.seq AS l_seq, c.hash AS l_hash, p.hash AS l_prev, k.name AS key_name FROM audit_corrections a JOIN audit_chain c ON c.kind = 'correction' AND c.key_int = a.seq
    LEFT JOIN audit_chain p ON p.seq = c.seq - 1 LEFT JOIN api_keys k ON k.id = a.key_id WHERE a.event_seq IN (${list(events.length)}) ORDER BY c.seq`).all(...events) as Array<Record<string, any>>;
  const correction = (x: Record<string, any>) => ({ seq: x.seq, eventSeq: x.event_seq, action: x.action, changes: x.changes, rejudged: x.rejudged, reason: x.reason, keyId: x.key_id, atMs: x.at_ms });
  for (const value of linked(correctionRows, correction, (x) => ({ keyName: keyNameOf(x.key_id, x.key_name) }))) yield { name: 'correction', value };
}

/** A deliberate change made here too: the environment key is named by its variable, as every export names it. */
const keyNameOf = (keyId: string, stored: string | null): string | null => (keyId === 'env' ? 'RINGSIDE_API_KEY' : (stored ?? null));

function hashDefinition(format: string): string {
  if (format === 'csv') return 'SHA-256 of the data records exactly as written (UTF-8, each ending in CRLF); the header row and # lines excluded';
  return 'SHA-256 of each data row as compact JSON (UTF-8) followed by "\\n", concatenated in file order';
}

type ColumnType = 'text' | 'number' | 'integer' | 'boolean';
interface Column {
  key: string;
  type: ColumnType;
}


/** Text cells starting with one of these (or with an apostrophe) get a leading apostrophe in CSV. */
const RISKY_FIRST = new Set(['=', '+', '-', '@', '\t', '\r', "'"]);

/** Spreadsheet formula-injection guard for a CSV text cell (reversible: drop one leading apostrophe). */
function neutralise(text: string): string {
  return text.length > 0 && RISKY_FIRST.has(text[0]!) ? `'${text}` : text;
}

function csvCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '';
  if (type === 'number' || type === 'integer') return typeof value === 'number' ? String(value) : neutralise(String(value));
  if (type === 'boolean') return value ? 'true' : 'false';
  return neutralise(typeof value === 'string' ? value : JSON.stringify(value));
}

interface ExportBody<Row> {
  kind: string;
  columns: readonly Column[];
  /** Written first (CSV: first comment line; NDJSON: first line {"export": …}; JSON: "export" field). */
  header: Record<string, unknown>;
  rows: Iterable<Row>;
  toRecord(row: Row): Record<string, unknown>;
  /** After the rows: the chained records ("# standard", "# correction" lines; JSON "records"). */
  records?: () => Iterable<{ name: string; value: Record<string, unknown> }>;
  /** After the rows: proof links (CSV "# link" lines, NDJSON {"link"} lines, JSON "links"). */
  links?: () => Iterable<Record<string, unknown>>;
  /** The trailing manifest, given the row count and data hash. */
  manifest(done: { rowCount: number; dataSha256: string }): Record<string, unknown>;
}

class ClientGone extends Error {}

/** Writes with backpressure: resolves when the chunk is accepted or the buffer drained. */
function writer(out: Writable): (chunk: string) => Promise<void> {
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

export async function legacyStreamExport<Row>(out: Writable, format: ExportFormat, body: ExportBody<Row>): Promise<{ rowCount: number; dataSha256: string }> {
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
    for (const rec of body.records?.() ?? []) await push(`# ${rec.name} ${json(rec.value)}\r\n`, false);
    for (const link of body.links?.() ?? []) await push(`# link ${json(link)}\r\n`, false);
    dataSha256 = hash.digest('hex');
    await push(`# manifest ${json(body.manifest({ rowCount, dataSha256 }))}\r\n`, false);
  } else if (format === 'ndjson') {
    await write(json({ export: body.header }) + '\n');
    for (const row of body.rows) {
      await push(json(body.toRecord(row)) + '\n', true);
      rowCount += 1;
    }
    for (const rec of body.records?.() ?? []) await push(json({ [rec.name]: rec.value }) + '\n', false);
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
    await push('\n],\n"records":[', false);
    let firstRecord = true;
    for (const rec of body.records?.() ?? []) {
      await push((firstRecord ? '\n' : ',\n') + json({ [rec.name]: rec.value }), false);
      firstRecord = false;
    }
    await push(firstRecord ? '],\n"links":[' : '\n],\n"links":[', false);
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
