// Read side: the counts reports and live updates are made of. Ranges are [fromMs, toMs) on occurred_at.
import type Database from 'better-sqlite3';
import type { JudgedEvent } from '../protocol';
import type { Counts } from '../domain/compliance';
import type { MinuteCounts } from '../domain/series';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from './rows';
import { ROLLUP_GRAINS as GRAINS } from '../domain/rollups';
import { ROLLUP_TABLE } from './sqlite/rollups';

const ROLLUP_GRAINS = GRAINS.map((g) => ({ table: ROLLUP_TABLE[g.name], ms: g.ms }));

export interface Range {
  fromMs: number;
  toMs: number;
  /** null = all sites. */
  site: string | null;
}

export interface ComplianceQueries {
  /** standardId → counts (Σcounted, Σmet) of judgements of events in the range. */
  countsByStandard(range: Range): Map<string, Counts>;
  /** Per standard, per minute with any events, oldest first. */
  minuteCounts(range: Range): Map<string, MinuteCounts[]>;
  recentJudged(limit: number): JudgedEvent[];
  countEvents(range: Range): number;
}

interface CountRow {
  standardId: string;
  total: number;
  met: number;
}

const RANGE = 'e.occurred_at_ms >= @fromMs AND e.occurred_at_ms < @toMs AND (@site IS NULL OR e.site = @site)';

export function createComplianceQueries(db: Database.Database): ComplianceQueries {
  const counts = db.prepare<[Range], CountRow>(`
    SELECT j.standard_id AS standardId, COALESCE(SUM(j.counted), 0) AS total, COALESCE(SUM(j.met), 0) AS met
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE ${RANGE} GROUP BY j.standard_id`);
  const minutes = db.prepare<[Range], CountRow & { minuteMs: number }>(`
    SELECT j.standard_id AS standardId, (e.occurred_at_ms / 60000) * 60000 AS minuteMs,
           COALESCE(SUM(j.counted), 0) AS total, COALESCE(SUM(j.met), 0) AS met
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE ${RANGE} GROUP BY j.standard_id, minuteMs ORDER BY minuteMs`);
  const recent = db.prepare<[number], EventRow>('SELECT * FROM events ORDER BY seq DESC LIMIT ?');
  const judgementsOf = db.prepare<[number], JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
  const eventCount = db.prepare<[Range], { n: number }>(`SELECT COUNT(*) AS n FROM events e WHERE ${RANGE}`);
  // Issue #7 (benchmarks): the live push asks for today's counts after every stored batch. Scanning today's raw
  // judgements made each POST cost O(events today); ranges aligned to a rollup grain read the rollups instead
  // (the same sums the engine's reports use, corrections included). `standard_id IN (…)` keeps it on the key.
  const rollupCounts = ROLLUP_GRAINS.map((g) => ({
    ms: g.ms,
    counts: db.prepare<[Range], CountRow>(`
      SELECT standard_id AS standardId, COALESCE(SUM(counted), 0) AS total, COALESCE(SUM(met), 0) AS met FROM ${g.table}
      WHERE standard_id IN (SELECT DISTINCT id FROM standards) AND bucket_ms >= @fromMs AND bucket_ms < @toMs AND (@site IS NULL OR site = @site)
      GROUP BY standard_id`),
    minutes: db.prepare<[Range], CountRow & { minuteMs: number }>(`
      SELECT standard_id AS standardId, bucket_ms AS minuteMs, COALESCE(SUM(counted), 0) AS total, COALESCE(SUM(met), 0) AS met FROM ${g.table}
      WHERE standard_id IN (SELECT DISTINCT id FROM standards) AND bucket_ms >= @fromMs AND bucket_ms < @toMs AND (@site IS NULL OR site = @site)
      GROUP BY standard_id, bucket_ms ORDER BY bucket_ms`),
  })).sort((a, b) => b.ms - a.ms);
  const aligned = (range: Range) => rollupCounts.find((g) => range.fromMs % g.ms === 0 && range.toMs % g.ms === 0);
  const minuteRollup = rollupCounts.find((g) => g.ms === 60_000)!;
  // Events are append-only and numbered, so a repeated count of the same range only needs the rows added since.
  const newEventCount = db.prepare<[Range & { afterSeq: number }], { n: number }>(
    // Unary + keeps the planner on the seq range (the few new rows), not on the time index (the whole day).
    'SELECT COUNT(*) AS n FROM events e WHERE e.seq > @afterSeq AND +e.occurred_at_ms >= @fromMs AND +e.occurred_at_ms < @toMs AND (@site IS NULL OR +e.site = @site)',
  );
  const maxSeq = db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM events');
  let lastCount: { key: string; n: number; afterSeq: number } | null = null;

  return {
    countsByStandard: (range) => new Map((aligned(range)?.counts ?? counts).all(range).map((r) => [r.standardId, { total: r.total, met: r.met }])),
    minuteCounts(range) {
      const byStandard = new Map<string, MinuteCounts[]>();
      const source = range.fromMs % 60_000 === 0 && range.toMs % 60_000 === 0 ? minuteRollup.minutes : minutes;
      for (const r of source.all(range)) {
        const list = byStandard.get(r.standardId) ?? [];
        list.push({ minuteMs: r.minuteMs, total: r.total, met: r.met });
        byStandard.set(r.standardId, list);
      }
      return byStandard;
    },
    recentJudged: (limit) =>
      recent.all(limit).map((row) => ({ event: toStoredEvent(row), judgements: judgementsOf.all(row.seq).map(toJudgement) })),
    countEvents(range) {
      const key = `${range.fromMs}/${range.toMs}/${range.site ?? ''}`;
      if (lastCount?.key !== key) {
        // One connection writes synchronously, so nothing can be stored between these two reads.
        lastCount = { key, afterSeq: maxSeq.get()?.m ?? 0, n: eventCount.get(range)?.n ?? 0 };
        return lastCount.n;
      }
      const added = newEventCount.get({ ...range, afterSeq: lastCount.afterSeq });
      lastCount.n += added?.n ?? 0;
      lastCount.afterSeq = Math.max(lastCount.afterSeq, maxSeq.get()?.m ?? 0);
      return lastCount.n;
    },
  };
}
