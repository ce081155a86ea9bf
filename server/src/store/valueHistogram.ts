// Migration 6 (issue #7): per-value histograms of measured values, so the p90 companion (an exact nearest-rank
// percentile) no longer reads every judgement of a report's range. docs/engine.md "Value histograms".
import type { Migration } from './migrations';

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

function histTable(table: string): string {
  // Site first: a one-site report reads one contiguous key range; all-site reads go site by site (sites IN …).
  return `
    CREATE TABLE ${table} (
      site             TEXT NOT NULL,
      standard_id      TEXT NOT NULL,
      bucket_ms        INTEGER NOT NULL, -- UTC start of the bucket, epoch ms
      standard_version INTEGER NOT NULL,
      value            REAL NOT NULL,    -- the measured value (rings, seconds)
      n                INTEGER NOT NULL, -- judgements in the p90 population with this value
      met              INTEGER NOT NULL, -- of which met
      PRIMARY KEY (site, standard_id, bucket_ms, standard_version, value)
    ) WITHOUT ROWID;`;
}

/** Same population as the raw read: the trigger's WHEN skips unmeasured and outside-hours judgements early. */
function histTrigger(table: string, grainMs: number): string {
  return `
    CREATE TRIGGER ${table}_on_judgement AFTER INSERT ON judgements
    WHEN NEW.value IS NOT NULL AND NEW.reason IS NOT 'outside-hours' BEGIN
      INSERT INTO ${table} (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, NEW.standard_id, ${bucketOf('e.occurred_at_ms', grainMs)}, NEW.standard_version, NEW.value, 1, NEW.met
      FROM events e WHERE e.seq = NEW.event_seq AND e.outcome IN ('answered', 'greeted')
      ${UPSERT};
    END;`;
}

/**
 * The effective judgements of event `seq` before correction `before` (exclusive): its latest earlier correction's
 * re-judged set, or the original judgements. Columns: sid, ver, value, met, reason. (A void is final, so an
 * earlier correction is always an amendment.)
 */
function stateBefore(seq: string, before: string): string {
  return `
    SELECT j.standard_id AS sid, j.standard_version AS ver, j.value AS value, j.met AS met, j.reason AS reason
    FROM judgements j
    WHERE j.event_seq = ${seq} AND NOT EXISTS (SELECT 1 FROM audit_corrections c WHERE c.event_seq = ${seq} AND c.seq < ${before})
    UNION ALL
    ${rejudgedState(`(SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = ${seq} AND c.seq < ${before})`)}`;
}

const field = (f: string) => `json_extract(r.value, '$.${f}')`;

/** The judgements in force after correction `corrSeq` (none after a void: its re-judged set is empty). */
function rejudgedState(corrSeq: string): string {
  return `
    SELECT r.key AS sid, ${field('standardVersion')} AS ver, ${field('value')} AS value, ${field('met')} AS met, ${field('reason')} AS reason
    FROM audit_corrections pc, json_each(pc.rejudged) r
    WHERE pc.seq = ${corrSeq} AND pc.action = 'amend'`;
}

/** Adds (sign 1) or removes (sign -1) the contributions of a state (stateBefore/rejudgedState) of event `seq`. */
function applyState(table: string, grainMs: number, seq: string, state: string, sign: 1 | -1): string {
  return `
    INSERT INTO ${table} (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, s.sid, ${bucketOf('e.occurred_at_ms', grainMs)}, s.ver, s.value, ${sign}, ${sign} * s.met
    FROM (${state}) s, events e
    WHERE e.seq = ${seq} AND ${inPopulation('s.reason', 'e.outcome', 's.value')}
    ${UPSERT};`;
}

/**
 * Corrections (issue #6) reach the histograms as they reach the rollups: a compensating delta in the correction's
 * transaction, minus the event's previous effective contribution, plus the new one (an amendment). The rollups'
 * delta is written by audit/auditStore.ts in JavaScript; this trigger writes the histograms' in SQL, from the same
 * rows (the previous correction's `rejudged`, else the original judgements). The population is the one the raw
 * p90 read has always used (`audit_effective_judgements` ⋈ events): re-judged value and reason, the event's
 * recorded outcome; so a histogram and a raw read of the same range agree exactly.
 */
function correctionTrigger(table: string, grainMs: number): string {
  const bucket = `(SELECT ${bucketOf('occurred_at_ms', grainMs)} FROM events WHERE seq = NEW.event_seq)`;
  return `
    CREATE TRIGGER ${table}_on_correction AFTER INSERT ON audit_corrections BEGIN
      ${applyState(table, grainMs, 'NEW.event_seq', stateBefore('NEW.event_seq', 'NEW.seq'), -1)}
      ${applyState(table, grainMs, 'NEW.event_seq', rejudgedState('NEW.seq'), 1)}
      DELETE FROM ${table} WHERE site = (SELECT site FROM events WHERE seq = NEW.event_seq)
        AND standard_id IN (SELECT standard_id FROM judgements WHERE event_seq = NEW.event_seq)
        AND bucket_ms = ${bucket} AND n = 0;
    END;`;
}

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

export const HISTOGRAM_MIGRATION: Migration = {
  version: 6,
  name: 'value histograms for the p90 companion; covering site-first index on rollup_15m',
  sql: `
    ${VALUE_GRAINS.map((g) => histTable(g.table) + histTrigger(g.table, g.ms) + correctionTrigger(g.table, g.ms) + histRebuildSql(g.table, g.ms)).join('\n')}
    -- One site's rollup rows as a contiguous range instead of 1/20th of the standard's range. Covering: with the key
    -- alone each row costs a second lookup in the table, which made it no faster than filtering every site's rows
    -- (measured); the copy costs ~0.5 µs per judgement's rollup upsert.
    CREATE INDEX rollup_15m_by_site ON rollup_15m (site, standard_id, bucket_ms, standard_version,
      judged, counted, met, considered, abandoned, value_n, value_sum, wait_max);
  `,
};
