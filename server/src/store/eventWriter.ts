// Writing a batch of judged events: all-or-nothing, idempotent per id.
import type Database from 'better-sqlite3';
import type { JudgedEvent, Judgement, StoredEvent } from '../protocol';
import { IdConflictError } from './errors';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from './rows';

/** An event ready to store: validated, completed and judged, not yet numbered. */
export interface NewEvent {
  event: Omit<StoredEvent, 'seq' | 'receivedAt'>;
  occurredAtMs: number;
  receivedAtMs: number;
  /** Canonical JSON of what was posted; equal content ⇔ an idempotent retry. */
  content: string;
  judgements: Judgement[];
  /** Used to create a site on first sight (PRODUCT.md). */
  siteDefaults: { timeZone: string; ringCycleSeconds: number };
}

export interface WriteOutcome {
  judged: JudgedEvent;
  duplicate: boolean;
}

export type BatchWriter = (batch: readonly NewEvent[]) => WriteOutcome[];

export function createBatchWriter(db: Database.Database): BatchWriter {
  const byId = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
  const judgementsOf = db.prepare<[number], JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
  const ensureSite = db.prepare(
    // A site seen for the first time (or whose configuration was deleted) gets the defaults (issue #3).
    `INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES (@name, @timeZone, @ringCycleSeconds, @now)
     ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone, ring_cycle_seconds = excluded.ring_cycle_seconds,
       display_name = NULL, hours = NULL, holidays = '[]', auto_created = 1, retired = 0 WHERE sites.retired = 1`,
  );
  const insertEvent = db.prepare(`
    INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds,
                        greet_seconds, queue, agent, derived, content)
    VALUES (@id, @type, @site, @occurredAtMs, @occurredAt, @receivedAtMs, @outcome, @rings, @answerSeconds,
            @greetSeconds, @queue, @agent, @derived, @content)`);
  const insertJudgement = db.prepare(`
    INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason)
    VALUES (@seq, @standardId, @standardVersion, @measure, @value, @threshold, @met, @counted, @reason)`);
  const load = (row: EventRow): JudgedEvent => ({ event: toStoredEvent(row), judgements: judgementsOf.all(row.seq).map(toJudgement) });

  function writeOne(item: NewEvent, index: number): WriteOutcome {
    const existing = byId.get(item.event.id);
    if (existing) {
      if (existing.content !== item.content) throw new IdConflictError(index, item.event.id, existing.seq);
      return { judged: load(existing), duplicate: true };
    }
    ensureSite.run({ name: item.event.site, ...item.siteDefaults, now: item.receivedAtMs });
    const e = item.event;
    const { lastInsertRowid } = insertEvent.run({
      ...e,
      occurredAtMs: item.occurredAtMs,
      receivedAtMs: item.receivedAtMs,
      derived: JSON.stringify(e.derived),
      content: item.content,
    });
    const seq = Number(lastInsertRowid);
    for (const j of item.judgements) insertJudgement.run({ seq, ...j, met: j.met ? 1 : 0, counted: j.counted === false ? 0 : 1 });
    return { judged: load(byId.get(e.id)!), duplicate: false };
  }

  // One transaction per batch: if any event fails (conflict, constraint), nothing of the batch is kept.
  const writeAll = db.transaction((batch: readonly NewEvent[]) => batch.map(writeOne));
  return (batch) => writeAll(batch);
}
