// The rows of an event export (issue #6's layout, issue #7's speed). The export used to evaluate a five-way
// join per row: four audit_chain lookups (event link, its predecessor, judgement link, its predecessor) and a
// correlated "latest correction" subquery, which was a third of the export's time. Instead three cursors
// ordered by event seq are merged in JavaScript, each read once in index order:
//   - events ⋈ judgements (ORDER BY e.seq, j.standard_id, as before);
//   - audit_chain by event_seq (index audit_chain_by_event), whose links for the current event are picked up
//     as the rows pass; a link's predecessor hash (seq - 1) almost always was read just before, so it comes
//     from a small cache keyed by seq, else from one primary-key lookup;
//   - audit_corrections by (event_seq, seq): the last one per event is the one in force.
// A cursor that falls far behind (a site filter skipping most events) seeks forward instead of reading the
// skipped links. All statements run on the export's read connection, inside its one read transaction.
import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../domain/chain';

type Raw = unknown[];

/** Positions of the columns read by EVENTS_SELECT (and of the first 15 output columns, which are the same). */
const STANDARD_ID = 15;
const STANDARD_VERSION = 16;
const MEASURE = 17;
const MET = 20;
const COUNTED = 21;
export const EVENTS_SELECT = `SELECT e.seq, e.id, e.type, e.site, e.occurred_at, e.occurred_at_ms, e.received_at_ms, e.outcome,
  e.rings, e.answer_seconds, e.greet_seconds, e.queue, e.agent, e.derived, e.content,
  j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason`;

/** Skipping more than this many event seqs: seek instead of reading through. */
const SEEK_GAP = 64;

/** A statement's rows ordered by an event seq column, consumed in step with ascending event seqs. */
class SeqCursor {
  private it: IterableIterator<Raw> | null = null;
  private ahead: Raw | null = null;
  constructor(
    private readonly stmt: Database.Statement,
    private readonly seqAt: number,
  ) {}

  /** Passes every row for `seq` to `each` (and rows read past on the way to `skipped`). */
  take(seq: number, each: (row: Raw) => void, skipped?: (row: Raw) => void): void {
    if (this.it === null || (this.ahead !== null && (this.ahead[this.seqAt] as number) < seq - SEEK_GAP)) this.seek(seq);
    while (this.ahead !== null && (this.ahead[this.seqAt] as number) < seq) {
      skipped?.(this.ahead);
      this.next();
    }
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
    this.it = this.stmt.iterate(seq) as IterableIterator<Raw>;
    this.next();
  }

  private next(): void {
    const r = this.it!.next();
    this.ahead = r.done ? null : r.value;
  }
}

const CACHE = 1024; // power of two: slot = seq & (CACHE - 1)

/** The event's own link and its judgement links, with predecessor hashes, from the chain cursor. */
class ChainLinks {
  eventSeq: number | null = null;
  eventPrev: string | null = null;
  eventHash: string | null = null;
  private readonly judgementKeys: string[] = [];
  private readonly judgementSeqs: number[] = [];
  private readonly judgementHashes: string[] = [];
  private count = 0;
  // Recently read links by seq (direct-mapped), for the predecessor hashes.
  private readonly cacheSeq = new Float64Array(CACHE).fill(-1);
  private readonly cacheHash: string[] = new Array<string>(CACHE);
  private readonly cursor: SeqCursor;
  private readonly hashAt: Database.Statement;

  constructor(reader: Database.Database) {
    // Every kind with an event_seq passes (corrections too), so predecessors are usually in the cache.
    const stmt = reader.prepare('SELECT event_seq, seq, kind, key_text, hash FROM audit_chain WHERE event_seq >= ? ORDER BY event_seq, seq').raw(true);
    this.cursor = new SeqCursor(stmt, 0);
    this.hashAt = reader.prepare('SELECT hash FROM audit_chain WHERE seq = ?').pluck(true);
  }

  /** Loads the links of event `seq`. */
  load(seq: number): void {
    this.eventSeq = this.eventPrev = this.eventHash = null;
    this.count = 0;
    this.cursor.take(seq, this.pick, this.remember);
  }

  /** The judgement link for `standardId` of the loaded event: index into seqOf/hashOf/prevOf, or -1. */
  judgement(standardId: unknown): number {
    for (let i = 0; i < this.count; i += 1) if (this.judgementKeys[i] === standardId) return i;
    return -1;
  }
  seqOf(i: number): number {
    return this.judgementSeqs[i]!;
  }
  hashOf(i: number): string {
    return this.judgementHashes[i]!;
  }
  prevOf(i: number): string {
    return this.prev(this.judgementSeqs[i]!);
  }

  close(): void {
    this.cursor.close();
  }

  private readonly remember = (row: Raw): void => {
    const seq = row[1] as number;
    this.cacheSeq[seq & (CACHE - 1)] = seq;
    this.cacheHash[seq & (CACHE - 1)] = row[4] as string;
  };

  private readonly pick = (row: Raw): void => {
    this.remember(row);
    const kind = row[2];
    if (kind === 'event') {
      this.eventSeq = row[1] as number;
      this.eventHash = row[4] as string;
      this.eventPrev = this.prev(this.eventSeq);
    } else if (kind === 'judgement') {
      this.judgementKeys[this.count] = row[3] as string;
      this.judgementSeqs[this.count] = row[1] as number;
      this.judgementHashes[this.count] = row[4] as string;
      this.count += 1;
    }
  };

  /** Hash of link seq - 1 (the genesis hash before the first link). */
  private prev(seq: number): string {
    const slot = (seq - 1) & (CACHE - 1);
    if (this.cacheSeq[slot] === seq - 1) return this.cacheHash[slot]!;
    return (this.hashAt.get(seq - 1) as string | undefined) ?? GENESIS_HASH;
  }
}

/** The correction in force for each event (the latest), from a cursor over audit_corrections. */
class Corrections {
  seq: number | null = null;
  action: string | null = null;
  rejudged: string | null = null;
  private readonly cursor: SeqCursor;
  constructor(reader: Database.Database) {
    const stmt = reader.prepare('SELECT event_seq, seq, action, rejudged FROM audit_corrections WHERE event_seq >= ? ORDER BY event_seq, seq').raw(true);
    this.cursor = new SeqCursor(stmt, 0);
  }
  load(eventSeq: number): void {
    this.seq = this.action = this.rejudged = null;
    this.cursor.take(eventSeq, this.pick);
  }
  close(): void {
    this.cursor.close();
  }
  private readonly pick = (row: Raw): void => {
    this.seq = row[1] as number;
    this.action = row[2] as string;
    this.rejudged = row[3] as string;
  };
}

export interface EventRowOptions {
  reader: Database.Database;
  sql: string;
  args: unknown[];
  outcomes: ReadonlySet<string>;
  formulaOf(standardId: string, version: number): string | null;
  /** Called for each row kept (after the outcome filter), with its standard and its two link seqs. */
  kept(standardId: string | null, version: number | null, eventLinkSeq: number | null, judgementLinkSeq: number | null): void;
}

export const EVENT_ROW_WIDTH = 36;

/**
 * The export's rows as arrays in EVENT_COLUMNS order. One array is reused for every row: the streamer
 * formats each row before asking for the next, and this saves a 36-key object per row.
 */
export function* eventRows(o: EventRowOptions): Generator<unknown[]> {
  const links = new ChainLinks(o.reader);
  const corrections = new Corrections(o.reader);
  const derivedCache = new Map<string, unknown>();
  const out: unknown[] = new Array<unknown>(EVENT_ROW_WIDTH).fill(null);
  let loaded = -1;
  try {
    for (const row of o.reader.prepare(o.sql).raw(true).iterate(...o.args) as Iterable<Raw>) {
      const seq = row[0] as number;
      if (seq !== loaded) {
        links.load(seq);
        corrections.load(seq);
        loaded = seq;
      }
      const standardId = row[STANDARD_ID] as string | null;
      const voided = corrections.action === 'void';
      let correctedMet = row[MET] as number | null;
      let correctedCounted = row[COUNTED] as number | null;
      if (voided) {
        correctedMet = correctedCounted = standardId === null ? null : 0;
      } else if (corrections.action === 'amend' && standardId !== null) {
        const j = (JSON.parse(corrections.rejudged!) as Record<string, { met: number; counted: number }>)[standardId];
        correctedMet = j?.met ?? correctedMet;
        correctedCounted = j?.counted ?? correctedCounted;
      }
      const result = resultOf(correctedMet, correctedCounted, voided);
      if (o.outcomes.size > 0 && !o.outcomes.has(row[7] as string) && !(result !== null && o.outcomes.has(result))) continue;
      const j = standardId === null ? -1 : links.judgement(standardId);
      o.kept(standardId, row[STANDARD_VERSION] as number | null, links.eventSeq, j < 0 ? null : links.seqOf(j));
      for (let i = 0; i < 15; i += 1) out[i] = row[i];
      out[15] = standardId;
      out[16] = row[STANDARD_VERSION];
      out[17] = standardId === null ? null : o.formulaOf(standardId, row[STANDARD_VERSION] as number);
      const measure = row[MEASURE];
      const derived = parsedDerived(derivedCache, row[13] as string);
      out[18] = measure;
      out[19] = measure === null ? null : (derived as unknown[]).includes(measure) ? 'derived' : 'measured';
      out[20] = row[18];
      out[21] = row[19];
      out[22] = row[MET];
      out[23] = row[COUNTED];
      out[24] = row[22];
      out[25] = result;
      out[26] = corrections.action;
      out[27] = corrections.seq;
      out[28] = correctedMet;
      out[29] = correctedCounted;
      out[30] = links.eventSeq;
      out[31] = links.eventPrev;
      out[32] = links.eventHash;
      out[33] = j < 0 ? null : links.seqOf(j);
      out[34] = j < 0 ? null : links.prevOf(j);
      out[35] = j < 0 ? null : links.hashOf(j);
      yield out;
    }
  } finally {
    links.close();
    corrections.close();
  }
}

/** `derived` is one of a handful of JSON arrays ('[]', '["rings"]', …): parse each distinct text once. */
function parsedDerived(cache: Map<string, unknown>, text: string): unknown {
  let v = cache.get(text);
  if (v === undefined) {
    v = JSON.parse(text) as unknown;
    if (cache.size >= 1000) cache.clear();
    cache.set(text, v);
  }
  return v;
}

export function resultOf(met: number | null, counted: number | null, voided: boolean): string | null {
  if (voided) return 'voided';
  if (counted === null) return null;
  return counted === 0 ? 'not-counted' : met === 1 ? 'met' : 'missed';
}
