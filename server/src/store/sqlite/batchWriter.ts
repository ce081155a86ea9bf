// Writing a batch of judged events: all-or-nothing, idempotent per id.
//
// Per new event the writer does only what the data needs (ingest throughput): the event and judgement INSERTs,
// their two chain links (chain.ts, head carried through the batch), their rollup and histogram contributions
// collected per row and written once per batch (rollups.ts), the site upsert once per site and batch, and the
// answer built from the values it inserted instead of reading the rows back. An id is looked up only when its
// INSERT hits the unique index (a retry or a reused id), and for the first event of each site in a batch, whose
// upsert must not run for a duplicate.
import type Database from 'better-sqlite3';
import type { Judgement, StoredEvent } from '../../protocol';
import { countedFlag } from '../../protocol/pure/counted';
import { batchIdConflict, eventIdConflict } from '../../domain/contentConflicts';
import { DomainError } from '../../domain/errors';
import type { NewEvent, WriteOutcome } from '../port';
import { chainWriter } from './chain';
import { RollupWriter, type RollupPlace } from './rollups';
import { recordSiteChange } from './siteHistory';
import { storableText } from './text';
import { measuresOf, measuresText, toJudgement, toStoredEvent, type EventRow, type JudgementRow } from './rows';


/** The judgements row as inserted, in the chain record's field order. */
type JudgementValues = readonly [
  eventSeq: number, standardId: string, standardVersion: number, measure: string, value: number | null, threshold: number, met: 0 | 1, counted: 0 | 1, reason: string | null,
];

/** A site seen for the first time (or whose configuration was deleted) gets the defaults: (name, zone, ring cycle, at). */
export const ENSURE_SITE = `INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES (?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone, ring_cycle_seconds = excluded.ring_cycle_seconds,
    display_name = NULL, hours = NULL, holidays = '[]', auto_created = 1, retired = 0 WHERE sites.retired = 1`;

/** Writes `batch`; its chain links are dated `atMs` (the write's clock, as every other record's). */
export type BatchWriter = (batch: readonly NewEvent[], atMs: number) => WriteOutcome[];

export function createBatchWriter(db: Database.Database): BatchWriter {
  const writer = new EventsWriter(db);
  // One transaction per batch (a savepoint inside store.transaction()): if any event fails (conflict,
  // constraint), nothing of the batch is kept, its chain links and rollup rows included.
  const transaction = db.transaction((batch: readonly NewEvent[], atMs: number) => writer.writeAll(batch, atMs));
  return (batch, atMs) => {
    try {
      return transaction(batch, atMs);
    } catch (error) {
      writer.chain.forget(); // its links were rolled back with it
      throw error;
    }
  };
}

class EventsWriter {
  private readonly byId: Database.Statement<[string], EventRow>;
  private readonly judgementsOf: Database.Statement<[number], JudgementRow>;
  private readonly ensureSite: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly insertJudgement: Database.Statement;
  readonly chain: ReturnType<typeof chainWriter>;
  private readonly rollups: RollupWriter;
  private atMs = 0;
  /** The first seq this batch inserted: rows from it on are this batch's own, and go if it is refused. */
  private firstNewSeq = Infinity;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
    this.judgementsOf = db.prepare<[number], JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
    this.ensureSite = db.prepare(ENSURE_SITE);
    this.insertEvent = db.prepare(`
      INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds,
                          greet_seconds, queue, agent, derived, content, measures, handle_seconds)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertJudgement = db.prepare(`
      INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.chain = chainWriter(db);
    this.rollups = new RollupWriter(db);
  }

  writeAll(batch: readonly NewEvent[], atMs: number): WriteOutcome[] {
    this.rollups.discard(); // whatever a failed batch left
    this.atMs = atMs;
    this.firstNewSeq = Infinity;
    const ensured = new Set<string>();
    const outcomes = batch.map(storable).map((item, index) => {
      if (ensured.has(item.event.site)) return this.insertOrFind(batch, index, item);
      // First event of this site in the batch: a duplicate must not (re)create its site.
      const row = this.byId.get(item.event.id);
      if (row) return this.existing(batch, index, row);
      ensured.add(item.event.site);
      const d = item.siteDefaults;
      // A site created or revived: its configuration goes into the site history.
      if (this.ensureSite.run(item.event.site, d.timeZone, d.ringCycleSeconds, item.receivedAtMs).changes > 0) recordSiteChange(this.db, item.event.site, 'auto-created', item.receivedAtMs);
      return this.insert(item);
    });
    this.rollups.flush();
    return outcomes;
  }

  /** Inserts, looking the id up only when the unique index refuses it. */
  private insertOrFind(batch: readonly NewEvent[], index: number, item: NewEvent): WriteOutcome {
    try {
      return this.insert(item);
    } catch (error) {
      const row = isIdTaken(error) ? this.byId.get(item.event.id) : undefined;
      if (!row) throw error;
      return this.existing(batch, index, row);
    }
  }

  /** The stored original of an id already taken: an idempotent retry, or a conflict that aborts the batch. */
  private existing(batch: readonly NewEvent[], index: number, row: EventRow): WriteOutcome {
    const item = batch[index]!;
    if (row.content !== item.content) {
      // Where the id was used first: an event stored earlier (its seq), or an earlier item of the same batch (its
      // index), which has no seq to name: the refused batch is rolled back and its seqs reused.
      if (row.seq < this.firstNewSeq) throw eventIdConflict(item.event.id, row, item.content, index);
      const message = batchIdConflict(item.event.id, batch.findIndex((other) => other.event.id === item.event.id), index, row.content, item.content);
      throw new DomainError('conflict', 'id', message, index);
    }
    return { judged: { event: toStoredEvent(row), judgements: this.judgementsOf.all(row.seq).map(toJudgement) }, duplicate: true };
  }

  private insert(item: NewEvent): WriteOutcome {
    const e = item.event;
    const derived = JSON.stringify(e.derived);
    const row = [e.id, e.type, e.site, item.occurredAtMs, e.occurredAt, item.receivedAtMs, e.outcome, e.rings, e.answerSeconds, e.greetSeconds, e.queue, e.agent, derived, item.content, measuresText(e), e.handleSeconds] as const;
    const seq = Number(this.insertEvent.run(...row).lastInsertRowid);
    if (this.firstNewSeq === Infinity) this.firstNewSeq = seq;
    this.chain.append('event', [seq, ...row], this.atMs);
    const judgements = item.judgements.map((j) => this.storeJudgement(seq, j, item));
    // What a read would answer: SQLite keeps these values as bound (numbers stay numbers, text stays text).
    const event: StoredEvent = {
      seq, id: e.id, type: e.type, site: e.site, occurredAt: e.occurredAt, receivedAt: new Date(item.receivedAtMs).toISOString(),
      outcome: e.outcome, rings: e.rings, answerSeconds: e.answerSeconds, greetSeconds: e.greetSeconds, queue: e.queue, agent: e.agent, handleSeconds: e.handleSeconds,
      derived: JSON.parse(derived) as StoredEvent['derived'], ...measuresOf(row[14]),
    };
    return { judged: { event, judgements: judgements.sort((a, b) => (a.standardId < b.standardId ? -1 : a.standardId > b.standardId ? 1 : 0)) }, duplicate: false };
  }

  private storeJudgement(seq: number, j: Judgement, item: NewEvent): Judgement {
    const values: JudgementValues = [seq, j.standardId, j.standardVersion, j.measure, j.value ?? null, j.threshold, j.met ? 1 : 0, countedFlag(j), j.reason ?? null];
    this.insertJudgement.run(...values);
    this.chain.append('judgement', values, this.atMs, { site: item.event.site, occurredAtMs: item.occurredAtMs });
    const stored = toJudgement({ event_seq: seq, standard_id: values[1], standard_version: values[2], measure: j.measure, value: values[4], threshold: values[5], met: values[6], counted: values[7], reason: j.reason ?? null });
    const e = item.event;
    const place: RollupPlace = { site: e.site, occurredAtMs: item.occurredAtMs, standardId: values[1], standardVersion: values[2] };
    this.rollups.add(place, { type: e.type, outcome: e.outcome, answerSeconds: e.answerSeconds, greetSeconds: e.greetSeconds, value: values[4], met: values[6], counted: values[7], reason: values[8] });
    return stored;
  }
}

const TEXT_FIELDS = ['id', 'type', 'site', 'occurredAt', 'outcome', 'queue', 'agent'] as const;

/**
 * The event with text SQLite stores as given (store/text.ts): what is bound, hashed into the chain and answered
 * is then the same text. The same object in the usual case, where every field is well-formed already.
 */
export function storable(item: NewEvent): NewEvent {
  const e = item.event;
  if (item.content.isWellFormed() && TEXT_FIELDS.every((f) => e[f] === null || e[f].isWellFormed())) return item;
  const event = { ...e };
  for (const f of TEXT_FIELDS) (event as Record<string, unknown>)[f] = storableText(e[f]);
  return { ...item, event, content: storableText(item.content) };
}

/** The events.id unique index refused an INSERT (SQLite aborted that statement only, with no seq used up). */
function isIdTaken(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /\bevents\.id\b/.test(String((error as Error).message));
}
