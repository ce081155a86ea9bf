// The figures reads (../figuresReads.ts) on PostgreSQL: GROUP BY names computed columns by position, a grouped NULL
// has a type, booleans are cast to be summed, a rollup read orders its groups (PostgreSQL's grouping does not), and a
// double is summed the same whatever order the rows arrive in (else its last digits change from one read to the next).
import { figuresReadsOf } from '../figuresReads';
import type { FiguresReads } from '../port';
import type { Sql } from './db';

/**
 * A double-precision SUM adds in the order the rows arrive, which a synchronised or parallel scan changes from one
 * read to the next; numeric adds exactly and rounds once, whatever the order. Through text, which writes a double's
 * shortest digits that read back as it (a double cast to numeric directly keeps only 15 significant digits). Those
 * digits are not the double's exact value, so a sum of several rows can differ from SQLite's (the exact sum of the
 * doubles, rounded once) in its last digit: 1.1 + 2.2 is 3.3 here and 3.3000000000000003 there, and an average read
 * over several rollup cells may differ between the backends by as much. Counts, rates, bands and the p90 do not.
 * Summing each double's exact value (from its bits) took 6.5 times as long over half a million rows.
 */
export const sumReal = (expr: string): string => `SUM((${expr})::text::numeric)::float8`;

export function figuresReads(s: Sql): FiguresReads {
  return figuresReadsOf({
    tuples: (sql, args) => s.tuples(sql, args),
    rows: (sql, args) => s.rows(sql, args),
    groupKey: (_alias, position) => String(position),
    nullText: 'NULL::text',
    countIf: (condition) => `SUM((${condition})::int)`,
    isNot: 'IS DISTINCT FROM',
    rawStandard: 'j.standard_id',
    oneSiteEquals: false,
    orderGroups: true,
    sumReal,
  });
}
