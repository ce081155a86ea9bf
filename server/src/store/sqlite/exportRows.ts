// The rows of an event export: events ⋈ judgements with each event's chain links (and their predecessors' hashes)
// and latest correction merged in, read on the snapshot's connection inside its one read transaction.
//   - One statement steps once per row: events ⋈ judgements with the event's link and the judgement's link joined
//     through audit_chain_by_event (two index lookups inside SQLite, cheaper than stepping a separate chain cursor
//     from JavaScript, ~1 µs per step). A link's predecessor hash (seq - 1) was nearly always read just before
//     (the previous row's links), so it comes from a small cache keyed by seq, else from one primary-key lookup.
//   - When the range's events lie densely in seq order (the usual case: events arrive about in time order), the
//     events are read by seq (the table's own order) with the time and site as filters, instead of through the time
//     index and a temporary B-tree sorting every row of the range by seq before the first one comes out.
//   - audit_corrections by (event_seq, seq), merged in step: the last one per event is the one in force. A cursor
//     that falls far behind (a filter skipping most events) seeks forward instead of reading the skipped rows.
import type Database from 'better-sqlite3';
import { CHAIN_KIND, GENESIS_HASH, recordOf } from '../../domain/chain';
import { EVENT_ROW, EVENT_ROW_WIDTH, type ChainedRecord, type EventExportRow, type ExportFilter, type MilestoneExportRow } from '../port';
import { CHAIN_SQL, CHAIN_TABLES } from './chain';

type Raw = unknown[];

/** Skipping more than this many event seqs: seek instead of reading through. */
const SEEK_GAP = 64;

/** A statement's rows ordered by an event seq column, consumed in step with ascending event seqs. */
class SeqCursor {
  private it: IterableIterator<Raw> | null = null;
  private ahead: Raw | null = null;
  constructor(
    private readonly open: (seq: number) => IterableIterator<Raw>,
    private readonly seqAt: number,
  ) {}

  /** Passes every row for `seq` to `each` (skipping rows of earlier seqs). */
  take(seq: number, each: (row: Raw) => void): void {
    if (this.it === null || (this.ahead !== null && (this.ahead[this.seqAt] as number) < seq - SEEK_GAP)) this.seek(seq);
    while (this.ahead !== null && (this.ahead[this.seqAt] as number) < seq) this.next();
    while (this.ahead !== null && this.ahead[this.seqAt] === seq) {
      each(this.ahead);
      this.next();
    }
  }

  close(): void {
    this.it?.return?.();
    this.it = null;
  }

  private seek(seq: number): void {
    this.close();
    this.it = this.open(seq);
    this.next();
  }

  private next(): void {
    const r = this.it!.next();
    this.ahead = r.done ? null : r.value;
  }
}

const CACHE = 1024; // power of two: slot = seq & (CACHE - 1)

/** Hashes of recently read links by seq (direct-mapped), for their successors' predecessor hashes. */
class PrevHashes {
  private readonly cacheSeq = new Float64Array(CACHE).fill(-1);
  private readonly cacheHash: string[] = new Array<string>(CACHE);
  private readonly hashAt: Database.Statement;
  constructor(reader: Database.Database) {
    this.hashAt = reader.prepare(CHAIN_SQL.hashAt).pluck(true);
  }
  remember(seq: unknown, hash: unknown): void {
    if (seq === null) return;
    this.cacheSeq[(seq as number) & (CACHE - 1)] = seq as number;
    this.cacheHash[(seq as number) & (CACHE - 1)] = hash as string;
  }
  /** Hash of link seq - 1 (the genesis hash before the first link); null for no link. */
  before(seq: unknown): string | null {
    if (seq === null) return null;
    const p = (seq as number) - 1;
    const slot = p & (CACHE - 1);
    if (this.cacheSeq[slot] === p) return this.cacheHash[slot]!;
    return (this.hashAt.get(p) as string | undefined) ?? GENESIS_HASH;
  }
}

/** The correction in force for each event (the latest), from a cursor over audit_corrections: its whole record. */
class Corrections {
  /** seq, action, changes, rejudged, reason, key_id, at_ms of the latest correction; null when there is none. */
  latest: Raw | null = null;
  private readonly cursor: SeqCursor;
  constructor(reader: Database.Database, maxLinkSeq: number | null) {
    const stmt = reader.prepare(`SELECT event_seq, seq, action, changes, rejudged, reason, key_id, at_ms FROM audit_corrections c WHERE event_seq >= ? AND ${CORRECTION_AS_OF} ORDER BY event_seq, seq`).raw(true);
    this.cursor = new SeqCursor((seq) => stmt.iterate(seq, maxLinkSeq, maxLinkSeq) as IterableIterator<Raw>, 0);
  }
  load(eventSeq: number): void {
    this.latest = null;
    this.cursor.take(eventSeq, this.pick);
  }
  close(): void {
    this.cursor.close();
  }
  private readonly pick = (row: Raw): void => {
    this.latest = row;
  };
}

/** The latest correction's columns of an event export row (EVENT_ROW): its record, and its link looked up by seq. */
function putCorrection(out: unknown[], c: Raw | null, linkOf: Database.Statement, prev: PrevHashes): void {
  out[EVENT_ROW.correctionSeq] = c?.[1] ?? null;
  out[EVENT_ROW.correctionAction] = c?.[2] ?? null;
  out[EVENT_ROW.correctionChanges] = c?.[3] ?? null;
  out[EVENT_ROW.correctionRejudged] = c?.[4] ?? null;
  out[EVENT_ROW.correctionReason] = c?.[5] ?? null;
  out[EVENT_ROW.correctionKeyId] = c?.[6] ?? null;
  out[EVENT_ROW.correctionAtMs] = c?.[7] ?? null;
  // Corrections are rare: one indexed lookup (audit_chain_by_key) per corrected event costs nothing measurable.
  const link = c === null ? undefined : (linkOf.get(c[1]) as [number, string] | undefined);
  out[EVENT_ROW.correctionLinkSeq] = link?.[0] ?? null;
  out[EVENT_ROW.correctionLinkPrev] = link === undefined ? null : prev.before(link[0]);
  out[EVENT_ROW.correctionLinkHash] = link?.[1] ?? null;
}

/**
 * The columns of an export row read from events ⋈ judgements (EVENT_ROW positions 0–22), then the measures and
 * handle_seconds, then the event's link (seq, hash) and the judgement's link (seq, hash): positions in LINKS_AT.
 */
const EVENTS_SELECT = `SELECT e.seq, e.id, e.type, e.site, e.occurred_at, e.occurred_at_ms, e.received_at_ms, e.outcome,
  e.rings, e.answer_seconds, e.greet_seconds, e.queue, e.agent, e.derived, e.content,
  j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason, e.measures, e.handle_seconds`;
const LINK_COLUMNS = ', ce.seq, ce.hash, cj.seq, cj.hash';
const LINKS_AT = EVENT_ROW.reason + 3;

const LINK_JOINS = `LEFT JOIN audit_chain ce ON ce.event_seq = e.seq AND ce.kind = 'event'
  LEFT JOIN audit_chain cj ON cj.event_seq = e.seq AND cj.kind = 'judgement' AND cj.key_text = j.standard_id`;

const list = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/** Read by seq when the seq span of the range's events is at most this many times their number. */
const DENSE = 4;

/**
 * The statement and its parameters: by seq through the events table when the range's events are dense in seq
 * order (no sort: rows come out in the order wanted), else through the time (or site and time) index and a sort.
 * The `+` keeps SQLite from choosing an index for those terms (judgements_by_standard would read the standard's
 * whole history). The export benchmark steps this same statement alone, as the floor of an export's reading.
 */
export function eventRowsQuery(reader: Database.Database, f: ExportFilter, { links = true }: { links?: boolean } = {}): { sql: string; params: unknown[] } {
  const siteIn = f.sites.length ? `e.site IN (${list(f.sites)})` : '';
  const sites = siteIn && `AND +${siteIn}`;
  const standardJoin = f.standards.length ? `AND +j.standard_id IN (${list(f.standards)})` : '';
  // Without `links` (the export benchmark only: what reading each row's two links costs), the same rows without them.
  const select = links ? EVENTS_SELECT + LINK_COLUMNS : EVENTS_SELECT;
  const from = `FROM events e ${f.standards.length ? 'JOIN' : 'LEFT JOIN'} judgements j ON j.event_seq = e.seq ${standardJoin} ${links ? LINK_JOINS : ''}`;
  const span = reader
    .prepare(`SELECT MIN(e.seq), MAX(e.seq), COUNT(*) FROM events e WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${siteIn && `AND ${siteIn}`}`)
    .raw(true)
    .get(f.fromMs, f.toMs, ...f.sites) as [number | null, number | null, number];
  const [lo, hi, n] = span;
  if (lo !== null && hi !== null && hi - lo + 1 <= DENSE * n) {
    const sql = `${select} ${from} WHERE e.seq >= ? AND e.seq <= ? AND +e.occurred_at_ms >= ? AND +e.occurred_at_ms < ? ${sites} ORDER BY e.seq, j.standard_id`;
    return { sql, params: [...f.standards, lo, hi, f.fromMs, f.toMs, ...f.sites] };
  }
  // Here the site index may serve (events_by_site_time): a few sites' events of a range, then sorted.
  const sql = `${select} ${from} WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${siteIn && `AND ${siteIn}`} ORDER BY e.seq, j.standard_id`;
  return { sql, params: [...f.standards, f.fromMs, f.toMs, ...f.sites] };
}

/**
 * The rows of events that occurred in the filter's range (at its sites; with a judgement by one of its standards
 * when it names standards), in seq then standard order, in the EVENT_ROW layout. One array is reused for every row:
 * the consumer reads each row before asking for the next, which saves an object per row. Links are one per event
 * and per judgement by construction; should a second one exist, the row is not repeated (the first one read counts).
 */
export function* eventRows(reader: Database.Database, f: ExportFilter): Generator<EventExportRow> {
  const { sql, params } = eventRowsQuery(reader, f);
  const prev = new PrevHashes(reader);
  const corrections = new Corrections(reader, f.maxLinkSeq ?? null);
  const correctionLink = reader.prepare("SELECT seq, hash FROM audit_chain WHERE key_int = ? AND kind = 'correction'").raw(true);
  const out: unknown[] = new Array<unknown>(EVENT_ROW_WIDTH).fill(null);
  let loaded = -1;
  let lastStandard: unknown = undefined;
  try {
    for (const row of reader.prepare(sql).raw(true).iterate(...params) as Iterable<Raw>) {
      const seq = row[0] as number;
      if (seq !== loaded) {
        corrections.load(seq);
        loaded = seq;
      } else if (row[EVENT_ROW.standardId] === lastStandard) continue;
      lastStandard = row[EVENT_ROW.standardId];
      for (let i = 0; i <= EVENT_ROW.reason; i += 1) out[i] = row[i];
      out[EVENT_ROW.measures] = row[EVENT_ROW.reason + 1];
      out[EVENT_ROW.handleSeconds] = row[EVENT_ROW.reason + 2];
      putCorrection(out, corrections.latest, correctionLink, prev);
      const eventLink = row[LINKS_AT];
      const judgementLink = row[LINKS_AT + 2];
      out[EVENT_ROW.eventLinkSeq] = eventLink;
      out[EVENT_ROW.eventLinkPrev] = prev.before(eventLink);
      out[EVENT_ROW.eventLinkHash] = row[LINKS_AT + 1];
      // Remembered before the judgement's predecessor is asked for: it is usually the event's own link.
      prev.remember(eventLink, row[LINKS_AT + 1]);
      out[EVENT_ROW.judgementLinkSeq] = judgementLink;
      out[EVENT_ROW.judgementLinkPrev] = prev.before(judgementLink);
      out[EVENT_ROW.judgementLinkHash] = row[LINKS_AT + 3];
      prev.remember(judgementLink, row[LINKS_AT + 3]);
      yield out;
    }
  } finally {
    corrections.close();
  }
}

/**
 * The milestones of a milestone export (both backends): `at` in [from, to) at the filter's sites, with the chain
 * link of each and its predecessor's hash. Parameters: from, to, the sites, the highest link seq to include.
 */
export const milestoneExportSql = (sites: number) => `SELECT m.seq, m.id, m.type, m.site, m.case_id, m.milestone, m.at_ms, m.at,
    m.received_at_ms, m.agent, m.queue, m.handle_seconds, m.content, c.seq, c.hash, p.hash
  FROM milestones m LEFT JOIN audit_chain c ON c.kind = 'milestone' AND c.key_int = m.seq LEFT JOIN audit_chain p ON p.seq = c.seq - 1
  WHERE m.at_ms >= ? AND m.at_ms < ? ${sites > 0 ? `AND m.site IN (${Array.from({ length: sites }, () => '?').join(', ')})` : ''}
    AND (c.seq IS NULL OR c.seq <= ?) ORDER BY m.seq`;

export function toMilestoneExportRow(r: readonly unknown[]): MilestoneExportRow {
  const [seq, id, type, site, caseId, milestone, atMs, at, receivedAtMs, agent, queue, handleSeconds, content, linkSeq, hash, prev] = r as [
    number, string, string, string, string, string, number, string, number, string | null, string | null, number | null, string, number | null, string | null, string | null,
  ];
  const link = linkSeq === null ? null : { seq: Number(linkSeq), hash: hash!, prev: prev ?? GENESIS_HASH };
  return { seq: Number(seq), id, type, site, caseId, milestone, atMs: Number(atMs), at, receivedAtMs: Number(receivedAtMs), agent, queue, handleSeconds, content, link };
}

export function* milestoneRows(reader: Database.Database, f: ExportFilter, maxLinkSeq: number): Generator<MilestoneExportRow> {
  for (const r of reader.prepare(milestoneExportSql(f.sites.length)).raw(true).iterate(f.fromMs, f.toMs, ...f.sites, maxLinkSeq) as Iterable<unknown[]>) yield toMilestoneExportRow(r);
}

/**
 * Restatements (both backends): events of [from, to) at the sites whose link is in (after, to], and corrections of
 * such events chained there. Parameters: from, to, the sites, after, to (link seqs).
 */
export const restatedSql = (kind: 'event' | 'correction', sites: number) => {
  const join = kind === 'event' ? "audit_chain l ON l.event_seq = e.seq AND l.kind = 'event'" : "audit_corrections c ON c.event_seq = e.seq JOIN audit_chain l ON l.kind = 'correction' AND l.key_int = c.seq";
  return `SELECT COUNT(*) FROM events e JOIN ${join}
  WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${sites > 0 ? `AND e.site IN (${Array.from({ length: sites }, () => '?').join(', ')})` : ''} AND l.seq > ? AND l.seq <= ?`;
};

/** Chain reads of a past head (both backends): one link; the refs of a kind between two links. */
export const LINK_SQL = {
  link: 'SELECT seq, hash, at_ms FROM audit_chain WHERE seq = ?',
  refsBetween: 'SELECT ref FROM audit_chain WHERE kind = ? AND seq > ? AND seq <= ? ORDER BY seq',
} as const;

/** A correction in force as of link `maxLinkSeq`: chained up to it (null: every correction). */
export const CORRECTION_AS_OF = `(CAST(? AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM audit_chain l WHERE l.kind = 'correction' AND l.key_int = c.seq AND l.seq <= ?))`;

/**
 * Chained records with their links, for the records an export carries beside its rows (both backends). The IN list
 * is `count` placeholders; the record's columns come in the kind's key order (CHAIN_TABLES), then link seq, hash
 * and the predecessor's hash.
 */
function chainedRecordsSql(kind: 'correction' | 'standard', count: number): string {
  const t = CHAIN_TABLES[kind];
  const on = kind === 'correction' ? "c.kind = 'correction' AND c.key_int = t.seq" : "c.kind = 'standard' AND c.key_text = t.id AND c.key_int = t.version";
  return `SELECT ${t.columns.map((col) => `t.${col}`).join(', ')}, c.seq, c.hash, p.hash FROM ${t.table} t JOIN audit_chain c ON ${on}
    LEFT JOIN audit_chain p ON p.seq = c.seq - 1 WHERE t.${kind === 'correction' ? 'event_seq' : 'id'} IN (${Array.from({ length: count }, () => '?').join(', ')}) ORDER BY c.seq`;
}

/** A row of chainedRecordsSql as a record (domain/chain.ts recordOf) and its link. */
function toChainedRecord(kind: 'correction' | 'standard', r: readonly unknown[]): ChainedRecord {
  const width = CHAIN_TABLES[kind].columns.length;
  const [seq, hash, prev] = r.slice(width) as [number, string, string | null];
  return { record: recordOf(CHAIN_KIND[kind], r.slice(0, width)), link: { seq: Number(seq), prev: prev ?? GENESIS_HASH, hash } };
}

/** Keys per query: well under SQLite's and PostgreSQL's limits on parameters. */
const RECORDS_PER_QUERY = 500;

/** The records of `keys` read by `read` (one query per RECORDS_PER_QUERY keys), in chain order. */
export async function chainedRecords(kind: 'correction' | 'standard', keys: readonly unknown[], read: (sql: string, params: readonly unknown[]) => Promise<unknown[][]>): Promise<ChainedRecord[]> {
  const out: ChainedRecord[] = [];
  for (let i = 0; i < keys.length; i += RECORDS_PER_QUERY) {
    const part = keys.slice(i, i + RECORDS_PER_QUERY);
    for (const r of await read(chainedRecordsSql(kind, part.length), part)) out.push(toChainedRecord(kind, r));
  }
  return out.sort((a, b) => a.link.seq - b.link.seq);
}
