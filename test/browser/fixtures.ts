// Realistic protocol objects for the dashboard tests: the two default standards, judged calls and visits,
// per-minute series, snapshots and compliance updates shaped exactly as the server sends them.
import type {
  ComplianceFigure,
  ComplianceUpdate,
  DashboardMessage,
  JudgedEvent,
  SeriesPoint,
  Snapshot,
  StaffingForecast,
  StaffingHour,
  Standard,
} from '../../server/src/protocol';

export const NOW = '2026-11-23T14:30:20.000Z';
const TODAY_FROM = '2026-11-23T00:00:00.000Z';

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
      handleSeconds: null,
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
      handleSeconds: null,
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
  openIncidents?: Incident[];
  /** Open cases; absent = a server without open clocks. */
  openClocks?: OpenClock[];
  standards?: Standard[];
  /** Configured sites' display names; absent = an older server that sends none. */
  sites?: Array<{ id: string; name: string }>;
}

export function snapshot(options: SnapshotOptions = {}): Snapshot {
  const series = options.series ?? {};
  const standards = options.standards ?? STANDARDS;
  return {
    serverTime: options.serverTime ?? NOW,
    todayFrom: TODAY_FROM,
    standards,
    ...(options.openClocks ? { openClocks: options.openClocks } : {}),
    ...(options.sites ? { sites: options.sites } : {}),
    today: options.today ?? [figure(CALL_STANDARD, 134, 144), figure(VISIT_STANDARD, 41, 48)],
    openIncidents: options.openIncidents ?? [],
    series: standards.map((s) => ({ standardId: s.id, bucket: 'minute' as const, points: series[s.id] ?? [] })),
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

// ---- historical queries, alerts, a fake transport ----
import type { ComplianceReport, DashboardAskOptions, Incident, IncidentChangeKind, IncidentUpdate, DashboardRequest, DashboardRequestKind, DashboardResponseBodies, DistributionReport, GroupFigure, StandardDistribution } from '../../server/src/protocol';
import type { Transport } from '../../webview/src/transport/transport';

export function group(key: string | null, numerator: number, denominator: number): GroupFigure {
  return {
    key,
    numerator,
    denominator,
    ratio: denominator === 0 ? null : numerator / denominator,
    companions: { measure: 'rings', considered: denominator, abandoned: 0, abandonRate: 0, average: null, p90: null, longestWaitSeconds: null },
  };
}

/** `count` hourly points ending at NOW's hour, `total` events each, a dip every 24 h. */
export function hourSeries(count: number, total = 20, now = NOW): SeriesPoint[] {
  const end = Math.floor(Date.parse(now) / 3_600_000) * 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const start = end - (count - 1 - i) * 3_600_000;
    const met = i % 24 === 5 ? Math.round(total * 0.4) : total - (i % 3);
    return { start: new Date(start).toISOString(), end: new Date(start + 3_600_000).toISOString(), total, met, ratio: met / total };
  });
}

export interface ReportOptions {
  figures?: Array<[Standard, number, number]>;
  series?: Record<string, SeriesPoint[]>;
  groups?: Record<string, GroupFigure[]>;
  groupBy?: 'site' | 'agent' | null;
  from?: string;
  to?: string;
  site?: string | null;
  bucket?: 'minute' | 'hour' | 'day' | null;
}

export function complianceReport(options: ReportOptions = {}): ComplianceReport {
  const figures = options.figures ?? [
    [CALL_STANDARD, 80, 100],
    [VISIT_STANDARD, 45, 50],
  ];
  return {
    from: options.from ?? TODAY_FROM,
    to: options.to ?? '2026-11-24T00:00:00.000Z',
    site: options.site ?? null,
    bucket: options.bucket === undefined ? 'hour' : options.bucket,
    groupBy: options.groupBy ?? null,
    standards: figures.map(([standard, met, total]) => ({
      ...figure(standard, met, total),
      numerator: met,
      denominator: total,
      ...(options.series?.[standard.id] ? { series: options.series[standard.id] } : {}),
      ...(options.groups?.[standard.id] ? { groups: options.groups[standard.id] } : {}),
    })),
  };
}

export function callDistribution(counts: [number, number, number, number, number] = [60, 25, 8, 4, 3]): StandardDistribution {
  const labels = ['Ring 1', 'Ring 2', 'Ring 3', '4+ rings', 'Abandoned'];
  const keys = ['ring-1', 'ring-2', 'ring-3', 'ring-4+', 'abandoned'];
  return {
    standardId: CALL_STANDARD.id,
    standardName: CALL_STANDARD.name,
    eventType: 'call',
    measure: 'rings',
    unit: 'rings',
    operator: '<=',
    threshold: 2,
    thresholdAfterBin: 2,
    bins: counts.map((count, i) => ({
      key: keys[i]!,
      label: labels[i]!,
      kind: i === 4 ? 'abandoned' : 'wait',
      from: i === 0 ? null : i === 4 ? null : i,
      to: i < 3 ? i + 1 : null,
      count,
      met: i < 2 ? count : 0,
    })),
    total: counts.reduce((a, b) => a + b, 0),
  };
}

function visitDistribution(counts: [number, number, number, number, number, number] = [20, 12, 6, 5, 2, 1]): StandardDistribution {
  const labels = ['0–10 s', '10–20 s', '20–30 s', '30–60 s', '60 s+', 'Left'];
  const edges = [0, 10, 20, 30, 60];
  return {
    standardId: VISIT_STANDARD.id,
    standardName: VISIT_STANDARD.name,
    eventType: 'visit',
    measure: 'greetSeconds',
    unit: 'seconds',
    operator: '<=',
    threshold: 30,
    thresholdAfterBin: 3,
    bins: counts.map((count, i) => ({
      key: i === 5 ? 'left' : `s-${i}`,
      label: labels[i]!,
      kind: i === 5 ? 'abandoned' : 'wait',
      from: i === 5 ? null : edges[i]!,
      to: i < 4 ? edges[i + 1]! : null,
      count,
      met: i < 3 ? count : 0,
    })),
    total: counts.reduce((a, b) => a + b, 0),
  };
}

export function distributionReport(standards: StandardDistribution[] = [callDistribution(), visitDistribution()]): DistributionReport {
  return { from: TODAY_FROM, to: NOW, site: null, standards };
}

let incidentSeq = 100;
let changeSeq = 1000;
/** An open incident as the server sends it (red at Harbour, calls, unless told otherwise). */
export function incident(fields: Partial<Incident> = {}): Incident {
  incidentSeq += 1;
  changeSeq += 1;
  const severity = fields.severity ?? 'red';
  const siteName = fields.siteName ?? 'Harbour';
  return {
    id: incidentSeq,
    standardId: CALL_STANDARD.id,
    standardVersion: 1,
    site: siteName.toLowerCase(),
    siteName,
    standardLabel: 'Calls ≤ 2 rings',
    target: 0.9,
    state: 'open',
    severity,
    peakSeverity: severity,
    openedAt: NOW,
    changedAt: NOW,
    recoveredAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgedSeverity: null,
    summary: `${siteName} calls: 84.1 % answered within 2 rings in the last hour — target 90 %`,
    detail: {
      band: { window: { name: '1h', durationMs: 3_600_000, counted: 239, met: 201, compliance: 201 / 239 }, amberBelow: 0.9, redBelow: 0.85, severity },
      burnRates: [],
      burnSeverity: null,
      lines: ['Band over 1h: 84.1 % (201 of 239 met); amber below 90 %, red below 85 % → red', 'Error budget (10 %) burning 1.6× over 1h and 1.6× over 5m; red above 14.4× in both → clear'],
    },
    lastChangeSeq: changeSeq,
    ...fields,
  };
}

/** The `incident` message of a change: the incident after it (its lastChangeSeq moved on). */
export function incidentChange(next: Incident, kind: IncidentChangeKind = 'opened'): { type: 'incident'; update: IncidentUpdate } {
  changeSeq += 1;
  const after = { ...next, lastChangeSeq: changeSeq };
  return { type: 'incident', update: { change: { seq: changeSeq, incidentId: next.id, kind, at: NOW, severity: next.severity, previousSeverity: null, summary: next.summary, detail: next.detail, by: null }, incident: after } };
}

/**
 * A transport as the tests need it: messages are dispatched by the test, queries answered by `answer`
 * (a value, a rejection, or a promise the test resolves later), every request recorded.
 */
export function fakeTransport(answer: (request: DashboardRequest) => unknown, saved: unknown = null) {
  const requests: DashboardRequest[] = [];
  /** Whether each request (same index) was asked as a periodic refresh. */
  const periodic: boolean[] = [];
  const summaries: unknown[] = [];
  let store = saved;
  const transport: Transport = {
    start: () => () => {},
    reportRendered: (summary) => summaries.push(summary),
    request: async <K extends DashboardRequestKind>(request: DashboardRequest<K>, options?: DashboardAskOptions) => {
      requests.push(request);
      periodic.push(options?.periodic === true);
      // A fake server: the test decides what it answers, including the wrong thing.
      return (await answer(request)) as DashboardResponseBodies[K];
    },
    loadSelection: () => store,
    saveSelection: (selection) => {
      store = selection;
    },
  };
  return { transport, requests, periodic, summaries, saved: () => store };
}

/** Answers the dashboard's three queries with the given report, groups and distribution. */
export function answering(parts: { report?: ComplianceReport; groups?: ComplianceReport; agents?: ComplianceReport; distribution?: DistributionReport }) {
  return (request: DashboardRequest): unknown => {
    if (request.kind === 'distribution') return parts.distribution ?? distributionReport();
    if (request.kind === 'compliance' && request.params.groupBy === 'agent') return parts.agents ?? complianceReport({ groupBy: 'agent', bucket: null });
    if (request.kind === 'compliance' && request.params.groupBy) return parts.groups ?? complianceReport({ groupBy: 'site', bucket: null });
    if (request.kind === 'compliance') return parts.report ?? complianceReport();
    if (request.kind === 'staffing-forecast') return staffingForecast({ date: request.params.date === 'tomorrow' ? '2026-11-24' : '2026-11-23', future: request.params.date === 'tomorrow' });
    throw new Error(`unexpected request ${JSON.stringify(request)}`);
  };
}

/**
 * Runs every promise callback already queued: the fake transport's answers and everything they set off (the report
 * first, then the questions after it), which are all promise callbacks, so they have run once one task has passed.
 * The task is a MessageChannel message, not a timer: no time passes (fake timers stay where the test put them), and
 * an answer the test has not given yet stays pending.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

// ---- open clocks ----
import type { ClockBreach, ClocksUpdate, ClockStanding, OpenClock } from '../../server/src/protocol';
import type { Ticker } from '../../webview/src/ticker';
import { standardShortLabel } from '../../server/src/protocol/pure';

export const COMPLAINT_STANDARD: Standard = {
  id: 'complaint-ack-4bh',
  version: 1,
  name: 'Complaints acknowledged within 4 business hours',
  eventType: 'complaint',
  measure: 'acknowledgeSeconds',
  operator: '<=',
  threshold: 14_400,
  target: 0.95,
  formula: 'F3',
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An open case as the server lists it: started `startedAgo` seconds before `now`, judged by `standardId` with a
 * wall-clock limit of `limitSeconds` (at risk from 80 % of it), its state as of `now`.
 */
export function openClock(fields: { type?: string; site?: string; caseId?: string; startedAgo?: number; standardId?: string; limitSeconds?: number; now?: string } = {}): OpenClock {
  const now = Date.parse(fields.now ?? NOW);
  const started = now - (fields.startedAgo ?? 10) * 1000;
  const limit = fields.limitSeconds ?? 12;
  const deadline = started + limit * 1000;
  const atRisk = started + limit * 800;
  const state: ClockStanding['state'] = now > deadline ? 'breached' : now >= atRisk ? 'at-risk' : 'running';
  return {
    type: fields.type ?? 'call',
    site: fields.site ?? 'Harbour',
    caseId: fields.caseId ?? `case-${(seq += 1)}`,
    startedAt: iso(started),
    elapsedSeconds: (now - started) / 1000,
    standards: [{ ...timedBy(fields.standardId ?? CALL_STANDARD.id), deadline: iso(deadline), atRiskAt: iso(atRisk), state }],
  };
}

export function clocksUpdate(fields: Partial<ClocksUpdate> = {}): { type: 'clocks'; update: ClocksUpdate } {
  return { type: 'clocks', update: { serverTime: fields.serverTime ?? NOW, changed: fields.changed ?? [], closed: fields.closed ?? [], breaches: fields.breaches ?? [] } };
}

export function breachOf(clock: OpenClock, standardIndex = 0): ClockBreach {
  const standing = clock.standards[standardIndex]!;
  return { type: clock.type, site: clock.site, caseId: clock.caseId, standardId: standing.standardId, standardVersion: standing.standardVersion, standardLabel: standing.standardLabel, deadline: standing.deadline! };
}

/** A standing's standard as the server names it: the version that times the case, and its short label. */
function timedBy(standardId: string): Pick<ClockStanding, 'standardId' | 'standardVersion' | 'standardLabel'> {
  const standard = [...STANDARDS, COMPLAINT_STANDARD].find((s) => s.id === standardId);
  return { standardId, standardVersion: standard?.version ?? 1, standardLabel: standard ? standardShortLabel(standard) : standardId };
}

/** A ticker the test moves: `advance(ms)` moves time and runs every tick that fell due, in order. */
export function manualTicker(startMs = Date.parse(NOW)) {
  let now = startMs;
  const timers = new Set<{ ms: number; next: number; fn: () => void }>();
  const ticker: Ticker = {
    now: () => now,
    every(ms, fn) {
      const timer = { ms, next: now + ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      now = due.next;
      due.next += due.ms;
      due.fn();
    }
    now = end;
  };
  return { ticker, advance, timers: () => timers.size };
}

/**
 * A staffing forecast as GET /api/v1/staffing/forecast answers it: 24 hours, people needed from 09:00 to 17:00 and
 * none at night; hours before `pastUntil` are over, with the people seen; `understaffed` hours missed the standard
 * with fewer people than needed. Tomorrow (`future`) has no hour begun.
 */
export function staffingForecast(options: { date: string; future?: boolean; pastUntil?: number; understaffed?: number[]; site?: string }): StaffingForecast {
  const pastUntil = options.future ? 0 : (options.pastUntil ?? 12);
  const hours: StaffingHour[] = Array.from({ length: 24 }, (_v, h) => {
    const needed = h >= 9 && h < 17 ? (h === 10 ? 5 : 3) : 0;
    const missed = options.understaffed?.includes(h) ?? false;
    const seen = needed === 0 ? null : missed ? needed - 2 : needed;
    const start = `${options.date}T${String(h).padStart(2, '0')}:00:00.000Z`;
    const state = h < pastUntil ? 'past' : h === pastUntil ? 'current' : 'future';
    return {
      hour: `${String(h).padStart(2, '0')}:00`,
      utcOffset: '+00:00',
      start,
      end: new Date(Date.parse(start) + 3_600_000).toISOString(),
      state,
      forecast: { arrivals: needed * 10, handleSeconds: 180, handleFrom: 'hour', agentsNeeded: needed, serviceLevel: needed === 0 ? 1 : 0.85 },
      observed: state === 'future' ? null : { arrivals: needed * 10, met: missed ? needed * 5 : needed * 10, counted: needed * 10, compliance: needed === 0 ? null : missed ? 0.5 : 1, handleSeconds: 180, agentsSeen: seen, agentsNeeded: needed, understaffed: missed },
    };
  });
  return {
    site: options.site ?? 'Leeds',
    timeZone: 'UTC',
    date: options.date,
    standard: { id: CALL_STANDARD.id, version: 1, name: CALL_STANDARD.name, eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.8 },
    thresholdSeconds: 12,
    ringCycleSeconds: 6,
    method: 'the same weekday of the 4 weeks before',
    history: [],
    hours,
  };
}
