// Corrections as stored: the correction row (chained) and the compensating deltas of the rollups and value
// histograms (the event's previous effective part taken back, the new one added), in one transaction. What a
// correction changes is decided in domain/corrections.ts.
import type Database from 'better-sqlite3';
import { canonicalJson } from '../../domain/canonical';
import { asEffective, factsOf, statesOf, type CorrectableEvent, type EffectiveJudgement, type EventState, type StoredCorrection } from '../../domain/corrections';
import type { DerivedField, Outcome } from '../../protocol';
import { chainWriter } from './chain';
import { RollupWriter } from './rollups';
import { storableText } from '../text';
import { toJudgement, type JudgementRow } from '../rows';

export interface CorrectionRecord {
  eventSeq: number;
  action: 'void' | 'amend';
  changes: Record<string, unknown>;
  rejudged: Record<string, EffectiveJudgement>;
  reason: string;
  keyId: string;
  atMs: number;
}

/** An event with its recorded state and its corrections so far, as correction planning reads them. */
export interface CorrectionSubject {
  event: CorrectableEvent & { occurredAtMs: number };
  recorded: EventState;
  corrections: StoredCorrection[];
}

interface EventRow {
  seq: number;
  id: string;
  type: 'call' | 'visit';
  site: string;
  occurred_at_ms: number;
  outcome: Outcome;
  rings: number | null;
  answer_seconds: number | null;
  greet_seconds: number | null;
  queue: string | null;
  derived: string;
}

export function parseCorrection(c: { action: 'void' | 'amend'; changes: string; rejudged: string }): StoredCorrection {
  return { action: c.action, changes: JSON.parse(c.changes) as StoredCorrection['changes'], rejudged: JSON.parse(c.rejudged) as Record<string, EffectiveJudgement> };
}

export function recordedState(e: EventRow, judgements: readonly JudgementRow[]): EventState {
  return {
    voided: false,
    fields: { outcome: e.outcome, rings: e.rings, answerSeconds: e.answer_seconds, greetSeconds: e.greet_seconds, derived: JSON.parse(e.derived) as DerivedField[] },
    judgements: Object.fromEntries(judgements.map((j) => [j.standard_id, asEffective(toJudgement(j))])),
  };
}

export class CorrectionStore {
  private readonly byId;
  private readonly judgementsOf;
  private readonly correctionsOf;
  private readonly insert;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
    this.judgementsOf = db.prepare<[number], JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
    this.correctionsOf = db.prepare<[number], { action: 'void' | 'amend'; changes: string; rejudged: string }>('SELECT action, changes, rejudged FROM audit_corrections WHERE event_seq = ? ORDER BY seq');
    this.insert = db.prepare('INSERT INTO audit_corrections (event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *').raw(true);
  }

  subject(eventId: string): CorrectionSubject | undefined {
    const e = this.byId.get(storableText(eventId));
    if (!e) return undefined;
    const recorded = recordedState(e, this.judgementsOf.all(e.seq));
    const event = { seq: e.seq, id: e.id, type: e.type, site: e.site, queue: e.queue, occurredAtMs: e.occurred_at_ms, fields: recorded.fields };
    return { event, recorded, corrections: this.correctionsOf.all(e.seq).map(parseCorrection) };
  }

  /** Stores a correction of `subject` leaving `after`: the row, its link, the rollups' and histograms' deltas. */
  append(subject: CorrectionSubject, record: CorrectionRecord, after: EventState): number {
    const row = this.insert.get(record.eventSeq, record.action, canonicalJson(record.changes), canonicalJson(record.rejudged), storableText(record.reason), storableText(record.keyId), record.atMs) as unknown[];
    chainWriter(this.db).append('correction', row, record.atMs);
    const before = statesOf(subject.recorded, subject.corrections).at(-1)!;
    const e = subject.event;
    const rollups = new RollupWriter(this.db);
    for (const j of factsOf(e.type, before)) rollups.add({ site: e.site, occurredAtMs: e.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion }, j.facts, -1);
    for (const j of factsOf(e.type, after)) rollups.add({ site: e.site, occurredAtMs: e.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion }, j.facts, 1);
    rollups.flush();
    return row[0] as number;
  }
}
