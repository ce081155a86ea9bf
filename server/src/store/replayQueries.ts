// Catch-up after a disconnect (issue #5): judged events after a sequence number, alert records after an id.
// Both are monotonic (events.seq and alerts.id are AUTOINCREMENT keys), so "after N" loses and repeats nothing.
import type Database from 'better-sqlite3';
import type { Alert, JudgedEvent } from '../protocol';
import type { AlertStore } from './alertStore';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from './rows';

export interface ReplayQueries {
  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  judgedAfter(afterSeq: number, limit: number): JudgedEvent[];
  /** Alert records with id > afterId, oldest first, at most `limit`. */
  alertsAfter(afterId: number, limit: number): Alert[];
  /** The newest event seq (0 when there is none). */
  headSeq(): number;
  /** The newest alert record id (0 when there is none). */
  headAlertId(): number;
}

export function createReplayQueries(db: Database.Database, alerts: AlertStore): ReplayQueries {
  const after = db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  // One query for the judgements of a whole page (instead of one per event).
  const judgementsBetween = db.prepare<[number, number], JudgementRow>(
    'SELECT * FROM judgements WHERE event_seq >= ? AND event_seq <= ? ORDER BY event_seq, standard_id',
  );
  const head = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events');
  const alertIds = db.prepare<[number, number], { id: number }>('SELECT id FROM alerts WHERE id > ? ORDER BY id LIMIT ?');
  const alertHead = db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM alerts');
  return {
    judgedAfter(afterSeq, limit) {
      const rows = after.all(afterSeq, limit);
      if (rows.length === 0) return [];
      const bySeq = new Map<number, JudgementRow[]>();
      for (const j of judgementsBetween.all(rows[0]!.seq, rows[rows.length - 1]!.seq)) {
        const list = bySeq.get(j.event_seq) ?? [];
        list.push(j);
        bySeq.set(j.event_seq, list);
      }
      return rows.map((row) => ({ event: toStoredEvent(row), judgements: (bySeq.get(row.seq) ?? []).map(toJudgement) }));
    },
    alertsAfter: (afterId, limit) =>
      alertIds
        .all(afterId, limit)
        .map(({ id }) => alerts.get(id))
        .filter((alert): alert is Alert => alert !== undefined),
    headSeq: () => head.get()?.seq ?? 0,
    headAlertId: () => alertHead.get()?.id ?? 0,
  };
}
