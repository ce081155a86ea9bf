// SQL of the rollups and value histograms that runtime reads and rebuilds use (until the store writes them in
// JavaScript). The migrations hold their own frozen copies.

/** Rollup grains, each keyed by the UTC start of its bucket (docs/engine.md "Rollups"). */
export const ROLLUP_GRAINS = [
  { table: 'rollup_minute', ms: 60_000 },
  { table: 'rollup_15m', ms: 900_000 },
] as const;

const COLUMNS = 'bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max';

/**
 * Per-judgement contributions, as SQL over a judgement `j` and its event `e`. The trigger uses NEW for j;
 * the rebuild aggregates the same expressions, so both can only agree.
 */
export function contributionsSql(j: string, grainMs: number): string {
  const considered = `(${j}.reason IS NOT 'outside-hours')`;
  const success = `(${considered} AND e.outcome IN ('answered', 'greeted'))`;
  return `
    e.occurred_at_ms - (((e.occurred_at_ms % ${grainMs}) + ${grainMs}) % ${grainMs}) AS bucket_ms,
    ${j}.standard_id AS standard_id, ${j}.standard_version AS standard_version, e.site AS site,
    1 AS judged, ${j}.counted AS counted, ${j}.met AS met,
    CASE WHEN ${considered} THEN 1 ELSE 0 END AS considered,
    CASE WHEN ${considered} AND e.outcome IN ('abandoned', 'left') THEN 1 ELSE 0 END AS abandoned,
    CASE WHEN ${success} AND ${j}.value IS NOT NULL THEN 1 ELSE 0 END AS value_n,
    CASE WHEN ${success} AND ${j}.value IS NOT NULL THEN ${j}.value ELSE 0 END AS value_sum,
    CASE WHEN ${considered} THEN (CASE e.type WHEN 'call' THEN e.answer_seconds ELSE e.greet_seconds END) END AS wait_max`;
}

/**
 * Recomputes one rollup table from raw events and judgements (the source of truth). With `fromMs` (a multiple of
 * the grain: the retention cutoff), only the buckets from there on: before it, the raw events were pruned and the
 * rollup rows are all that is left.
 */
export function rebuildSql(table: string, grainMs: number, fromMs?: number): string {
  if (fromMs !== undefined && (!Number.isSafeInteger(fromMs) || fromMs % grainMs !== 0)) throw new Error(`a partial rebuild starts on the ${table} grid`);
  const keep = fromMs === undefined ? '' : ` WHERE bucket_ms >= ${fromMs}`;
  const only = fromMs === undefined ? '' : ` WHERE e.occurred_at_ms >= ${fromMs}`;
  return `
    DELETE FROM ${table}${keep};
    INSERT INTO ${table} (${COLUMNS})
    SELECT bucket_ms, standard_id, standard_version, site, SUM(judged), SUM(counted), SUM(met), SUM(considered),
           SUM(abandoned), SUM(value_n), SUM(value_sum), MAX(wait_max)
    FROM (SELECT ${contributionsSql('j', grainMs)} FROM judgements j JOIN events e ON e.seq = j.event_seq${only} ORDER BY j.event_seq)
    GROUP BY standard_id, bucket_ms, site, standard_version;`;
}

/**
 * Two grains: whole UTC days carry the bulk of a long range, quarter hours its partial days, and only the
 * two sub-quarter-hour edges of an off-grid range (a rolling window) are read from raw judgements.
 */
export const VALUE_GRAINS = [
  { table: 'value_hist_day', ms: 86_400_000 },
  { table: 'value_hist_15m', ms: 900_000 },
] as const;

export type ValueGrain = (typeof VALUE_GRAINS)[number];

const bucketOf = (ms: string, grainMs: number) => `${ms} - (((${ms} % ${grainMs}) + ${grainMs}) % ${grainMs})`;

/** A judgement is in the p90's population when considered, answered/greeted and measured (as `engine.values`). */
const inPopulation = (reason: string, outcome: string, value: string) =>
  `${reason} IS NOT 'outside-hours' AND ${outcome} IN ('answered', 'greeted') AND ${value} IS NOT NULL`;

const UPSERT = `ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met`;

const field = (f: string) => `json_extract(r.value, '$.${f}')`;

/**
 * Recomputes one histogram: the original judgements, then for each corrected event minus its original
 * contribution plus its final effective one (what replaying every correction's delta adds up to). With `fromMs`
 * (a multiple of the grain: the retention cutoff), only the buckets from there on, as rebuildSql.
 */
export function histRebuildSql(table: string, grainMs: number, fromMs?: number): string {
  if (fromMs !== undefined && (!Number.isSafeInteger(fromMs) || fromMs % grainMs !== 0)) throw new Error(`a partial rebuild starts on the ${table} grid`);
  const since = fromMs === undefined ? '' : `e.occurred_at_ms >= ${fromMs} AND `;
  const bucket = bucketOf('e.occurred_at_ms', grainMs);
  const insert = `INSERT INTO ${table} (site, standard_id, bucket_ms, standard_version, value, n, met)`;
  const original = (sign: 1 | -1, which: string) => `
    ${insert}
    SELECT e.site, j.standard_id, ${bucket}, j.standard_version, j.value, ${sign} * COUNT(*), ${sign} * SUM(j.met)
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE ${since}${which} ${inPopulation('j.reason', 'e.outcome', 'j.value')}
    GROUP BY 1, 2, 3, 4, 5`;
  return `
    DELETE FROM ${table}${fromMs === undefined ? '' : ` WHERE bucket_ms >= ${fromMs}`};
    ${original(1, '')};
    ${original(-1, 'j.event_seq IN (SELECT event_seq FROM audit_corrections) AND')}
    ${UPSERT};
    ${insert}
    SELECT e.site, r.key, ${bucket}, ${field('standardVersion')}, ${field('value')}, COUNT(*), SUM(${field('met')})
    FROM audit_corrections pc JOIN events e ON e.seq = pc.event_seq, json_each(pc.rejudged) r
    WHERE ${since}pc.action = 'amend' AND pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = pc.event_seq)
      AND ${inPopulation(field('reason'), 'e.outcome', field('value'))}
    GROUP BY 1, 2, 3, 4, 5
    ${UPSERT};
    DELETE FROM ${table} WHERE n = 0;`;
}

/**
 * The day histogram from UTC midnight `fromMs` on, summed from the quarter-hour one: after pruning, the day of
 * the cutoff is partly gone from the raw events, and the quarter hours before the cutoff are what is left of it.
 */
export function histDaysFromQuartersSql(fromMs: number): string {
  const [day, quarter] = VALUE_GRAINS;
  if (!Number.isSafeInteger(fromMs) || fromMs % day.ms !== 0) throw new Error('days are summed from a UTC midnight');
  return `
    DELETE FROM ${day.table} WHERE bucket_ms >= ${fromMs};
    INSERT INTO ${day.table} (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT site, standard_id, ${bucketOf('bucket_ms', day.ms)}, standard_version, value, SUM(n), SUM(met) FROM ${quarter.table}
    WHERE bucket_ms >= ${fromMs} GROUP BY 1, 2, 3, 4, 5;`;
}
