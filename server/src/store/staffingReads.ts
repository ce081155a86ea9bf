// The staffing forecast's read, once for both backends (each runs it through its FiguresDialect): a site's
// judgements by one standard, in their effective state and without voided ones, grouped by UTC quarter hour, agent
// and what the compliance arithmetic looks at (domain/rollups.ts), with the handling times of their events.
// An event's handling time is its own, else the one its case's stop of the same name carries: a stop that arrived
// after a posted event had closed the case (an Asterisk call's end, docs/integrations/asterisk.md).
import { waitOf } from '../domain/rollups';
import type { StaffingGroup, StaffingQuery } from './records';

/** The part of a backend's FiguresDialect (figuresReads.ts) this read uses. */
interface StaffingDialect {
  tuples<T extends unknown[]>(sql: string, args: readonly unknown[]): T[] | Promise<T[]>;
  groupKey(alias: string, position: number): string;
  readonly isNot: string;
  readonly rawStandard: string;
  readonly sumReal: (expr: string) => string;
}

const QUARTER_MS = 900_000;

type StaffingTuple = [number, string | null, string, string, string | null, number, number, number, number, number | null, number | null, number | null, number, number | null];

const groupOf = (r: StaffingTuple): StaffingGroup => ({
  t: r[0],
  agent: r[1],
  type: r[2],
  outcome: r[3],
  reason: r[4],
  n: r[5],
  met: r[6],
  counted: r[7],
  measured: r[8],
  valueSum: r[9] ?? 0,
  waitMax: waitOf({ type: r[2], answerSeconds: r[10], greetSeconds: r[11] }),
  handled: r[12],
  handleSum: r[13] ?? 0,
});

export async function staffingGroups(d: StaffingDialect, q: StaffingQuery): Promise<StaffingGroup[]> {
  if (q.fromMs >= q.toMs) return [];
  // The quarter's start: occurred_at_ms is never negative (events are from 1970 on), so % floors.
  const sql = `SELECT j.occurred_at_ms - (j.occurred_at_ms % ${QUARTER_MS}) AS t, j.agent AS served_by, j.type, j.outcome, j.reason,
      COUNT(*), SUM(j.met), SUM(j.counted), COUNT(j.value), ${d.sumReal('j.value')}, MAX(j.answer_seconds), MAX(j.greet_seconds),
      COUNT(COALESCE(e.handle_seconds, m.handle_seconds)), ${d.sumReal('COALESCE(e.handle_seconds, m.handle_seconds)')}
    FROM effective_judgements j JOIN events e ON e.seq = j.event_seq
      LEFT JOIN cases c ON e.handle_seconds IS NULL AND c.event_seq = e.seq
      LEFT JOIN milestones m ON m.type = c.type AND m.site = c.site AND m.case_id = c.case_id AND m.milestone = e.outcome
    WHERE ${d.rawStandard} = ? AND j.site = ? AND j.occurred_at_ms >= ? AND j.occurred_at_ms < ? AND j.correction ${d.isNot} 'void'
    GROUP BY ${d.groupKey('t', 1)}, ${d.groupKey('served_by', 2)}, j.type, j.outcome, j.reason`;
  return (await d.tuples<StaffingTuple>(sql, [q.standardId, q.site, q.fromMs, q.toMs])).map(groupOf);
}
