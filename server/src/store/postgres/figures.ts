// The figures reads (../figuresReads.ts) on PostgreSQL: GROUP BY names computed columns by position, a grouped NULL
// has a type, booleans are cast to be summed, a rollup read orders its groups (PostgreSQL's grouping does not), and a
// double is summed exactly (in the order the rows arrive, its last digits would change from one read to the next).
import { figuresReadsOf } from '../figuresReads';
import type { FiguresReads } from '../port';
import type { Sql } from './db';

/**
 * A double-precision SUM adds in the order the rows arrive, which a synchronised or parallel scan changes from one
 * read to the next; numeric adds the values' decimal digits exactly and rounds once, which SQLite's compensated SUM
 * of the doubles also gives but for a sum halfway between two doubles. Through text, which writes a double's
 * shortest exact digits: a double cast to numeric directly keeps only 15 significant digits.
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
