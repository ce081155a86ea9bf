// Realistic protocol objects for the dashboard tests: the two default standards, judged calls and visits,
// per-minute series, snapshots and compliance updates shaped exactly as the server sends them.
import type {
  ComplianceFigure,
  ComplianceUpdate,
  DashboardMessage,
  JudgedEvent,
  SeriesPoint,
  Snapshot,
  Standard,
} from '../../server/src/protocol';

export const NOW = '2026-11-23T14:30:20.000Z';
export const TODAY_FROM = '2026-11-23T00:00:00.000Z';

export const CALL_STANDARD: Standard = {
  id: 'call-answer-2-rings',
  version: 1,
  name: 'Calls answered within 2 rings',
  eventType: 'call',
  measure: 'rings',
  operator: '<=',
  threshold: 2,
  target: 0.9,
  formula: 'F3',
};

export const VISIT_STANDARD: Standard = {
  id: 'visit-greet-30s',
  version: 1,
  name: 'Visitors greeted within 30 s',
  eventType: 'visit',
  measure: 'greetSeconds',
  operator: '<=',
  threshold: 30,
  target: 0.9,
  formula: 'F3',
};

export const STANDARDS = [CALL_STANDARD, VISIT_STANDARD];

let seq = 0;

export interface CallOptions {
  site?: string;
  rings?: number;
  answerSeconds?: number | null;
  outcome?: 'answered' | 'abandoned';
  agent?: string | null;
  occurredAt?: string;
  id?: string;
}

/** A call judged the way the server judges it: met when answered within 2 rings. */
export function judgedCall(options: CallOptions = {}): JudgedEvent {
  seq += 1;
  const outcome = options.outcome ?? 'answered';
  // Rings derived from seconds the way the server does it: US cadence, 6 s per ring.
  const rings = options.rings ?? (options.answerSeconds != null ? Math.floor(options.answerSeconds / 6) + 1 : 1);
  const met = outcome === 'answered' && rings <= CALL_STANDARD.threshold;
  return {
    event: {
      seq,
      id: options.id ?? `evt-${seq}`,
      type: 'call',
      site: options.site ?? 'Leeds',
      occurredAt: options.occurredAt ?? '2026-11-23T14:30:05.000Z',
      receivedAt: '2026-11-23T14:30:06.000Z',
      outcome,
      rings,
      answerSeconds: options.answerSeconds === undefined ? null : options.answerSeconds,
      greetSeconds: null,
      queue: 'sales',
      agent: options.agent === undefined ? 'Priya' : options.agent,
      derived: options.answerSeconds !== undefined && options.rings === undefined ? ['rings'] : [],
    },
    judgements: [
      {
        standardId: CALL_STANDARD.id,
        standardVersion: 1,
        measure: 'rings',
        value: rings,
        threshold: 2,
        met,
        reason: outcome === 'abandoned' ? 'abandoned' : null,
      },
    ],
  };
}

export interface VisitOptions {
  site?: string;
  greetSeconds?: number;
  outcome?: 'greeted' | 'left';
  agent?: string | null;
  occurredAt?: string;
  id?: string;
}

export function judgedVisit(options: VisitOptions = {}): JudgedEvent {
  seq += 1;
  const outcome = options.outcome ?? 'greeted';
  const greetSeconds = options.greetSeconds ?? 12;
  return {
    event: {
      seq,
      id: options.id ?? `evt-${seq}`,
      type: 'visit',
      site: options.site ?? 'Manchester',
      occurredAt: options.occurredAt ?? '2026-11-23T14:29:40.000Z',
      receivedAt: '2026-11-23T14:29:41.000Z',
      outcome,
      rings: null,
      answerSeconds: null,
      greetSeconds,
      queue: null,
      agent: options.agent === undefined ? 'Tom' : options.agent,
      derived: [],
    },
    judgements: [
      {
        standardId: VISIT_STANDARD.id,
        standardVersion: 1,
        measure: 'greetSeconds',
        value: greetSeconds,
        threshold: 30,
        met: outcome === 'greeted' && greetSeconds <= 30,
        reason: outcome === 'left' ? 'left' : null,
      },
    ],
  };
}

export function figure(standard: Standard, met: number, total: number): ComplianceFigure {
  return {
    standardId: standard.id,
    standardName: standard.name,
    target: standard.target,
    formula: standard.formula,
    total,
    met,
    missed: total - met,
    ratio: total === 0 ? null : met / total,
  };
}

/** ISO start of the minute `minutesAgo` before NOW. */
export function minuteStart(minutesAgo: number, now = NOW): string {
  const t = Math.floor(Date.parse(now) / 60_000) * 60_000 - minutesAgo * 60_000;
  return new Date(t).toISOString();
}

export function point(minutesAgo: number, met: number, total: number): SeriesPoint {
  return { start: minuteStart(minutesAgo), total, met, ratio: total === 0 ? null : met / total };
}

/** `count` minutes ending now, each with `total` events, mostly met. */
export function minuteSeries(count: number, total = 10): SeriesPoint[] {
  return Array.from({ length: count }, (_, i) => point(count - 1 - i, total - (i % 4 === 0 ? 2 : 0), total));
}

export interface SnapshotOptions {
  today?: ComplianceFigure[];
  series?: Record<string, SeriesPoint[]>;
  recent?: JudgedEvent[];
  serverTime?: string;
}

export function snapshot(options: SnapshotOptions = {}): Snapshot {
  const series = options.series ?? {};
  return {
    serverTime: options.serverTime ?? NOW,
    todayFrom: TODAY_FROM,
    standards: STANDARDS,
    today: options.today ?? [figure(CALL_STANDARD, 134, 144), figure(VISIT_STANDARD, 41, 48)],
    series: STANDARDS.map((s) => ({ standardId: s.id, bucket: 'minute' as const, points: series[s.id] ?? [] })),
    recent: options.recent ?? [],
  };
}

export function complianceUpdate(
  today: ComplianceFigure[],
  points: Array<{ standardId: string; point: SeriesPoint }>,
  serverTime = NOW,
): ComplianceUpdate {
  return { serverTime, today, points };
}

export const msg = {
  snapshot: (s: Snapshot): DashboardMessage => ({ type: 'snapshot', snapshot: s }),
  judged: (events: JudgedEvent[]): DashboardMessage => ({ type: 'judged', events }),
  compliance: (update: ComplianceUpdate): DashboardMessage => ({ type: 'compliance', update }),
  connection: (state: 'connecting' | 'connected' | 'disconnected', error?: string): DashboardMessage =>
    error === undefined
      ? { type: 'connection', state, serverUrl: 'http://127.0.0.1:4870' }
      : { type: 'connection', state, serverUrl: 'http://127.0.0.1:4870', error },
};
