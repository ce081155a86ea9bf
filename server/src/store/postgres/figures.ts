// The figures reads (../figuresReads.ts) on PostgreSQL: GROUP BY names computed columns by position, a grouped NULL
// has a type, booleans are cast to be summed, and a rollup read orders its groups (PostgreSQL's grouping does not).
import { figuresReadsOf } from '../figuresReads';
import type { FiguresReads } from '../port';
import type { Sql } from './db';

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
  });
}
