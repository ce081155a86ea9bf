// Row shapes as SQLite returns them, and their mapping to wire types.
import { canonicalJson } from '../../domain/canonical';
import type { DerivedField, Judgement, JudgementReason, StoredEvent } from '../../protocol';

export interface EventRow {
  seq: number;
  id: string;
  type: StoredEvent['type'];
  site: string;
  occurred_at_ms: number;
  occurred_at: string;
  received_at_ms: number;
  outcome: StoredEvent['outcome'];
  rings: number | null;
  answer_seconds: number | null;
  greet_seconds: number | null;
  queue: string | null;
  agent: string | null;
  derived: string;
  content: string;
  /** Canonical JSON of other types' measures; null for calls and visits. */
  measures: string | null;
}

export interface JudgementRow {
  event_seq: number;
  standard_id: string;
  standard_version: number;
  measure: string;
  value: number | null;
  threshold: number;
  met: 0 | 1;
  counted: 0 | 1;
  reason: JudgementReason | null;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    id: row.id,
    type: row.type,
    site: row.site,
    occurredAt: row.occurred_at,
    receivedAt: new Date(row.received_at_ms).toISOString(),
    outcome: row.outcome,
    rings: row.rings,
    answerSeconds: row.answer_seconds,
    greetSeconds: row.greet_seconds,
    queue: row.queue,
    agent: row.agent,
    derived: JSON.parse(row.derived) as DerivedField[],
    ...measuresOf(row.measures),
  };
}

export function toJudgement(row: JudgementRow): Judgement {
  return {
    standardId: row.standard_id,
    standardVersion: row.standard_version,
    measure: row.measure,
    value: row.value,
    threshold: row.threshold,
    met: row.met === 1,
    counted: row.counted === 1,
    reason: row.reason,
  };
}

/** The measures column of an event: canonical JSON of other types' measures, null for calls and visits (both backends). */
export const measuresText = (e: Pick<StoredEvent, 'measures'>): string | null => (e.measures === undefined ? null : canonicalJson(e.measures));

/** An event's measures as answered, from its column. */
export const measuresOf = (text: string | null): Pick<StoredEvent, 'measures'> => (text === null ? {} : { measures: JSON.parse(text) as Record<string, number | null> });
