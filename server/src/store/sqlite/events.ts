// Events as read back: the newest ones, those after a seq (catch-up after a disconnect), counts of a range, one by
// its id, an event with its corrections (to plan another), and both from one read of the event (GET /events/:id).
// events.seq is an AUTOINCREMENT key: "after N" loses and repeats nothing.
import type { JudgedEvent } from '../../protocol';
import type { EventsReads } from '../port';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from './rows';
import type { Statements } from './database';
import { CORRECTIONS_OF_EVENT, subjectOf, type CorrectionRow } from './corrections';
import { storableText } from './text';

const RANGE = 'e.occurred_at_ms >= @fromMs AND e.occurred_at_ms < @toMs AND (@site IS NULL OR e.site = @site)';

export function eventsReads(s: Statements): EventsReads {
  const judgementRows = (seq: number) => s.get('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id').all(seq) as JudgementRow[];
  const judged = (row: EventRow): JudgedEvent => ({ event: toStoredEvent(row), judgements: judgementRows(row.seq).map(toJudgement) });
  const eventRow = (eventId: string) => s.get('SELECT * FROM events WHERE id = ?').get(storableText(eventId)) as EventRow | undefined;
  const subject = (e: EventRow, judgements: JudgementRow[]) => subjectOf(e, judgements, s.get(CORRECTIONS_OF_EVENT).all(e.seq) as CorrectionRow[]);
  const maxSeq = () => (s.get('SELECT MAX(seq) AS m FROM events').get() as { m: number | null }).m ?? 0;
  // The live push counts today's events after every stored batch: events are append-only and numbered, so a repeated
  // count of the same range only adds the rows stored since. Both reads run in one turn of the event loop, on one
  // connection: nothing can commit between them.
  let lastCount: { key: string; n: number; afterSeq: number } | null = null;

  return {
    recent: async (limit) => (s.get('SELECT * FROM events ORDER BY seq DESC LIMIT ?').all(limit) as EventRow[]).map(judged),
    async after(afterSeq, limit) {
      const rows = s.get('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as EventRow[];
      if (rows.length === 0) return [];
      // One query for the judgements of the whole page (not one per event).
      const bySeq = new Map<number, JudgementRow[]>();
      for (const j of s.get('SELECT * FROM judgements WHERE event_seq >= ? AND event_seq <= ? ORDER BY event_seq, standard_id').all(rows[0]!.seq, rows.at(-1)!.seq) as JudgementRow[]) {
        const list = bySeq.get(j.event_seq) ?? [];
        list.push(j);
        bySeq.set(j.event_seq, list);
      }
      return rows.map((row) => ({ event: toStoredEvent(row), judgements: (bySeq.get(row.seq) ?? []).map(toJudgement) }));
    },
    headSeq: async () => maxSeq(),
    async count(range) {
      const key = `${range.fromMs}/${range.toMs}/${range.site ?? ''}`;
      if (lastCount?.key !== key) {
        lastCount = { key, afterSeq: maxSeq(), n: (s.get(`SELECT COUNT(*) AS n FROM events e WHERE ${RANGE}`).get(range) as { n: number }).n };
        return lastCount.n;
      }
      // Unary + keeps the planner on the seq range (the few new rows), not on the time index (the whole day).
      const added = s.get('SELECT COUNT(*) AS n FROM events e WHERE e.seq > @afterSeq AND +e.occurred_at_ms >= @fromMs AND +e.occurred_at_ms < @toMs AND (@site IS NULL OR +e.site = @site)').get({ ...range, afterSeq: lastCount.afterSeq }) as { n: number };
      lastCount.n += added.n;
      lastCount.afterSeq = Math.max(lastCount.afterSeq, maxSeq());
      return lastCount.n;
    },
    async byId(eventId) {
      const row = eventRow(eventId);
      return row ? judged(row) : undefined;
    },
    async correctionSubject(eventId) {
      const e = eventRow(eventId);
      return e ? subject(e, judgementRows(e.seq)) : undefined;
    },
    async readBack(eventId) {
      const e = eventRow(eventId);
      if (!e) return undefined;
      const judgements = judgementRows(e.seq);
      return { stored: { event: toStoredEvent(e), judgements: judgements.map(toJudgement) }, subject: subject(e, judgements) };
    },
  };
}
