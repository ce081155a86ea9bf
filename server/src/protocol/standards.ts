// What a standard is, as seen on the wire (its definition's schema: protocol/standardDefinition.ts).
// Standards are versioned data: every change is a new version, and each judgement records the version it was
// judged by, so a figure can always be explained by the rule in force at the time.
import type { EventType } from './events';
import type { Bands } from './pure/bands';

/** The clock a standard's measure runs on: every second, or only the site's open hours (holidays skipped). */
export const STANDARD_CLOCKS = ['wall', 'business'] as const;
export type StandardClock = (typeof STANDARD_CLOCKS)[number];

/**
 * The numeric fields of a posted call or visit that a standard may judge: the built-in wait types' measures and
 * `rings` (protocol/builtInEventTypes.ts standardMeasuresOf; test/unit/eventTypes.test.ts ties the two). The
 * judge reads these from the event's own fields, so a user-defined measure may not take their ids.
 */
export const EVENT_MEASURE_FIELDS = ['rings', 'answerSeconds', 'greetSeconds'] as const;
export type Measure = (typeof EVENT_MEASURE_FIELDS)[number];

export const isEventMeasureField = (id: string): id is Measure => (EVENT_MEASURE_FIELDS as readonly string[]).includes(id);

/** The field holding "seconds the person waited" (until answer/greeting, or until they gave up). */
export const WAIT_FIELD_BY_TYPE: Readonly<Record<EventType, Measure>> = {
  call: 'answerSeconds',
  visit: 'greetSeconds',
};

export const OPERATORS = ['<=', '<', '>=', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

/** How abandoned calls / visitors who left count (F1–F5; exact rules in docs/standards.md, "Formulas"). */
export const FORMULA_VARIANTS = ['F1', 'F2', 'F3', 'F4', 'F5'] as const;
export type FormulaVariant = (typeof FORMULA_VARIANTS)[number];

/** Short-abandon threshold F5 uses when the definition does not give one (stored explicitly). */
export const DEFAULT_SHORT_ABANDON_SECONDS = 5;

export const REPORT_WINDOWS = ['15m', '1h', 'today', '7d', '30d', 'month'] as const;
export type ReportWindow = (typeof REPORT_WINDOWS)[number];

export type { Band, Bands } from './pure/bands';

export interface StandardScope {
  /** Only events of these sites; absent = every site. */
  sites?: string[];
  /** Only events of these queues (events without a queue are then out of scope); absent = every queue. */
  queues?: string[];
}

export interface Standard {
  id: string;
  version: number;
  name: string;
  /** 'call', 'visit', or another event type (GET /api/v1/event-types). */
  eventType: string;
  /** A measure of the event type (rings, answerSeconds, greetSeconds, acknowledgeSeconds …). */
  measure: string;
  operator: Operator;
  threshold: number;
  /** Share of events that must meet the threshold, 0..1. */
  target: number;
  formula: FormulaVariant;
  // The fields below are always sent by this server; optional so older senders stay valid.
  /** Abandons/walk-outs after at most this many seconds are "short" and not counted (F5; optional for F1–F4). */
  shortAbandonSeconds?: number | null;
  scope?: StandardScope;
  bands?: Bands;
  /** Windows the standard is reported over (dashboards, alerts). */
  windows?: ReportWindow[];
  /** Whether events outside the site's business hours count (default false). */
  countOutsideHours?: boolean;
  /** Start of this version's validity on occurredAt, ISO UTC; null = since the beginning. */
  validFrom?: string | null;
  /** A retirement version: events in its validity period are not judged by this standard. */
  retired?: boolean;
  /** The clock its measure runs on: every second (wall, the default) or the site's open hours (business). */
  clock?: StandardClock;
  /**
   * Sent in the live snapshot only: the periods [from, to) on occurredAt in which some version of this standard was in
   * force (not retired), oldest first; null = unbounded. A client says a range outside them was before the standard.
   */
  inForce?: InForcePeriod[];
}

/** A period a standard was in force (Standard.inForce), ISO UTC; null from = since the beginning, null to = still. */
export interface InForcePeriod {
  from: string | null;
  to: string | null;
}

/** One version in GET /standards/:id/versions, with its validity period [validFrom, validTo). */
export interface StandardVersion extends Standard {
  validFrom: string | null;
  validTo: string | null;
  createdAt: string;
}

/** deadline: missed when the deadline passed with no stop (open clocks); expired: the case stayed open past maxOpen. */
export type JudgementReason = 'abandoned' | 'left' | 'short-abandon' | 'outside-hours' | 'deadline' | 'expired';

export interface Judgement {
  standardId: string;
  standardVersion: number;
  /** The standard's measure (rings, answerSeconds, greetSeconds, or another type's measure). */
  measure: string;
  /** The value judged (rings, seconds); null when the event could not be measured. */
  value: number | null;
  threshold: number;
  /** In the numerator (implies counted). */
  met: boolean;
  /** In the denominator. Always sent by this server; optional for older senders (absent = true). */
  counted?: boolean;
  /** The outcome when it was not a plain answer/greeting, or why the event was not counted. */
  reason: JudgementReason | null;
}
