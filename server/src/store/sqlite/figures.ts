// The figures reads (../figuresReads.ts) on SQLite. Rows as arrays come from raw statements (better-sqlite3's own
// row objects cost ~30 % of a one-site month's rollup read); one site is filtered with `= ?`; a rollup read relies
// on its grouping's order (the groups come out in key order).
//
// Raw reads and the corrections read filter standards with a unary plus (`+j.standard_id IN …`): without it SQLite drives the read from the
// standard's index (every judgement of the standard, ever) instead of the events' time or site+time index, which
// made a 15-minute edge of an all-site rolling window cost as much as the whole history.
import { figuresReadsOf } from '../figuresReads';
import type { FiguresReads } from '../port';
import type { Statements } from './database';

/** SQLite's SUM of doubles is compensated (Kahan–Babuška–Neumaier): the same, in effect, in any order. */
export const sumReal = (expr: string): string => `SUM(${expr})`;

export function figuresReads(s: Statements): FiguresReads {
  return figuresReadsOf({
    tuples: <T extends unknown[]>(sql: string, args: readonly unknown[]) => s.raw(sql).all(...args) as T[],
    rows: <T>(sql: string, args: readonly unknown[]) => s.get(sql).all(...args) as T[],
    groupKey: (alias) => alias,
    nullText: 'NULL',
    countIf: (condition) => `SUM(${condition})`,
    isNot: 'IS NOT',
    rawStandard: '+j.standard_id',
    oneSiteEquals: true,
    orderGroups: false,
    sumReal,
  });
}
