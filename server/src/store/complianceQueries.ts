// Read side: the counts reports and live updates are made of. Ranges are [fromMs, toMs) on occurred_at.
import type Database from 'better-sqlite3';
import type { JudgedEvent } from '../protocol';
import type { Counts } from '../domain/compliance';
import type { MinuteCounts } from '../domain/series';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from './rows';

export interface Range {
  fromMs: number;
  toMs: number;
  /** null = all sites. */
  site: string | null;
}

export interface ComplianceQueries {
  /** standardId → counts of judgements of events in the range. */
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
    SELECT j.standard_id AS standardId, COUNT(*) AS total, COALESCE(SUM(j.met), 0) AS met
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE ${RANGE} GROUP BY j.standard_id`);
  const minutes = db.prepare<[Range], CountRow & { minuteMs: number }>(`
    SELECT j.standard_id AS standardId, (e.occurred_at_ms / 60000) * 60000 AS minuteMs,
           COUNT(*) AS total, COALESCE(SUM(j.met), 0) AS met
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE ${RANGE} GROUP BY j.standard_id, minuteMs ORDER BY minuteMs`);
  const recent = db.prepare<[number], EventRow>('SELECT * FROM events ORDER BY seq DESC LIMIT ?');
  const judgementsOf = db.prepare<[number], JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id');
  const eventCount = db.prepare<[Range], { n: number }>(`SELECT COUNT(*) AS n FROM events e WHERE ${RANGE}`);

  return {
    countsByStandard: (range) => new Map(counts.all(range).map((r) => [r.standardId, { total: r.total, met: r.met }])),
    minuteCounts(range) {
      const byStandard = new Map<string, MinuteCounts[]>();
      for (const r of minutes.all(range)) {
        const list = byStandard.get(r.standardId) ?? [];
        list.push({ minuteMs: r.minuteMs, total: r.total, met: r.met });
        byStandard.set(r.standardId, list);
      }
      return byStandard;
    },
    recentJudged: (limit) =>
      recent.all(limit).map((row) => ({ event: toStoredEvent(row), judgements: judgementsOf.all(row.seq).map(toJudgement) })),
    countEvents: (range) => eventCount.get(range)?.n ?? 0,
  };
}
