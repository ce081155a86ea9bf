// Corrections as stored: the correction row (chained) and the compensating deltas of the rollups and value
// histograms (the event's previous effective part taken back, the new one added), in one transaction. What a
// correction changes is decided in domain/corrections.ts.
import { canonicalJson } from '../../domain/canonical';
import { asEffective, factsOf, statesOf, type CorrectionSubject, type EffectiveJudgement, type EventState, type StoredCorrection } from '../../domain/corrections';
import type { DerivedField } from '../../protocol';
import type { CorrectionRecord } from '../port';
import { chainWriter } from './chain';
import type { Statements } from './database';
import { RollupWriter } from './rollups';
import { storableText } from './text';
import { toJudgement, type EventRow, type JudgementRow } from './rows';

/** A stored correction as subjectOf reads it (both backends). */
export type CorrectionRow = { action: 'void' | 'amend'; changes: string; rejudged: string };
/** The corrections of one event (`event_seq = ?`), oldest first. */
export const CORRECTIONS_OF_EVENT = 'SELECT action, changes, rejudged FROM audit_corrections WHERE event_seq = ? ORDER BY seq';

export function parseCorrection(c: CorrectionRow): StoredCorrection {
  return { action: c.action, changes: JSON.parse(c.changes) as StoredCorrection['changes'], rejudged: JSON.parse(c.rejudged) as Record<string, EffectiveJudgement> };
}

/** The event of row `e` with its recorded state (from its judgement rows) and its corrections (CORRECTIONS_OF_EVENT). */
export function subjectOf(e: EventRow, judgements: readonly JudgementRow[], corrections: readonly CorrectionRow[]): CorrectionSubject {
  const recorded = recordedState(e, judgements);
  return { event: { seq: e.seq, id: e.id, type: e.type, site: e.site, queue: e.queue, occurredAtMs: e.occurred_at_ms, fields: recorded.fields }, recorded, corrections: corrections.map(parseCorrection) };
}

interface RecordedRow {
  /** An Outcome, or an outcome of a registered event type. */
  outcome: string;
  rings: number | null;
  answer_seconds: number | null;
  greet_seconds: number | null;
  derived: string;
}

export function recordedState(e: RecordedRow, judgements: readonly JudgementRow[]): EventState {
  return {
    voided: false,
    fields: { outcome: e.outcome, rings: e.rings, answerSeconds: e.answer_seconds, greetSeconds: e.greet_seconds, derived: JSON.parse(e.derived) as DerivedField[] },
    judgements: Object.fromEntries(judgements.map((j) => [j.standard_id, asEffective(toJudgement(j))])),
  };
}

/** Stores a correction of `subject` leaving `after`: the row, its link, the rollups' and histograms' deltas. */
export function writeCorrection(s: Statements, subject: CorrectionSubject, record: CorrectionRecord, after: EventState): number {
  const row = s
    .raw('INSERT INTO audit_corrections (event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *')
    .get(record.eventSeq, record.action, canonicalJson(record.changes), canonicalJson(record.rejudged), storableText(record.reason), storableText(record.keyId), record.atMs) as unknown[];
  chainWriter(s.db).append('correction', row, record.atMs);
  const before = statesOf(subject.recorded, subject.corrections).at(-1)!;
  const e = subject.event;
  const rollups = new RollupWriter(s.db);
  for (const j of factsOf(e.type, before)) rollups.add({ site: e.site, occurredAtMs: e.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion }, j.facts, -1);
  for (const j of factsOf(e.type, after)) rollups.add({ site: e.site, occurredAtMs: e.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion }, j.facts, 1);
  rollups.flush();
  return row[0] as number;
}
