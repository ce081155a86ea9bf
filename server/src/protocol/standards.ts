// What a standard is, as seen on the wire, and the zod schema of a standard definition (file and API).
// Standards are versioned data: every change is a new version, and each judgement records the version it was
// judged by, so a figure can always be explained by the rule in force at the time.
import { z } from 'zod';
import { isoWithOffset, type EventType } from './events';
import { betweenFieldsIssue, unlessWrong } from './issues';
import { normalSiteId } from './pure/idLists';
import { LIMITS } from './pure/limits';
import type { Bands } from './pure/bands';
import { wellFormedString } from './text';

/** The clock a standard's measure runs on: every second, or only the site's open hours (holidays skipped). */
export const STANDARD_CLOCKS = ['wall', 'business'] as const;
export type StandardClock = (typeof STANDARD_CLOCKS)[number];

/** A numeric field of the event type the standard judges (see MEASURES_BY_TYPE). */
export type Measure = 'rings' | 'answerSeconds' | 'greetSeconds';

/** Numeric fields each event type offers as a measure. Adding an event type = one line here. */
export const MEASURES_BY_TYPE: Readonly<Record<EventType, readonly Measure[]>> = {
  call: ['rings', 'answerSeconds'],
  visit: ['greetSeconds'],
};

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

// ---- definition schema (standards file and POST/PUT /api/v1/standards) ----

const ident = wellFormedString()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-" (starting with a letter or digit)');
/**
 * The largest threshold: no measure reaches further, as no case stays open longer than 366 days (a type's
 * maxOpenSeconds) and no posted wait is longer than a day; a bigger one is a unit mix-up.
 */
const MAX_THRESHOLD = LIMITS.maxOpenSeconds;
/** A threshold or a short-abandon limit: a wait in seconds, no longer than any case stays open. */
const seconds = z.number().finite().min(0, 'must be ≥ 0').max(MAX_THRESHOLD, `must be at most ${MAX_THRESHOLD} (366 days in seconds: no case stays open longer)`);
const share = z.number().finite().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const nameText = wellFormedString().trim().min(1, 'must not be empty').max(200);
const LIST_AT_LEAST_ONE = 'must list at least one (omit it for all)';
const nameList = z.array(nameText).min(1, LIST_AT_LEAST_ONE);

export const standardDefinitionSchema = z
  .strictObject({
    id: ident,
    name: wellFormedString().trim().min(1, 'must not be empty').max(200),
    // Which types and measures exist is the event type registry's (built-ins and the standards file's eventTypes:),
    // checked where the definition is applied (services/standards.ts); here only their shape.
    eventType: wellFormedString().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be an event type id such as "call", "visit" or "complaint"'),
    measure: wellFormedString().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a measure of the event type (rings, answerSeconds, greetSeconds, acknowledgeSeconds …)'),
    clock: z.enum(STANDARD_CLOCKS, { error: `must be one of ${STANDARD_CLOCKS.join(', ')}` }).optional(),
    operator: z.enum(OPERATORS, { error: `must be one of ${OPERATORS.join(' ')}` }).default('<='),
    threshold: seconds,
    target: share,
    formula: z.enum(FORMULA_VARIANTS, { error: `must be one of ${FORMULA_VARIANTS.join(', ')}` }).default('F3'),
    shortAbandonSeconds: seconds.nullable().optional(),
    scope: z.strictObject({ sites: z.array(nameText.overwrite(normalSiteId)).min(1, LIST_AT_LEAST_ONE).optional(), queues: nameList.optional() }).optional(),
    bands: z.strictObject({ green: share, amber: share }).optional(),
    windows: z.array(z.enum(REPORT_WINDOWS, { error: `must be one of ${REPORT_WINDOWS.join(', ')}` })).min(1).optional(),
    countOutsideHours: z.boolean().default(false),
    validFrom: isoWithOffset.optional(),
  })
  .superRefine((d, ctx) => {
    // Own keys only: an eventType spelt like a built-in ("constructor") is no type of this map.
    const fields = Object.hasOwn(MEASURES_BY_TYPE, d.eventType) ? (MEASURES_BY_TYPE as Record<string, readonly string[]>)[d.eventType] : undefined;
    if (fields && !fields.includes(d.measure)) {
      betweenFieldsIssue(ctx, ['measure'], `is not a numeric field of a ${d.eventType} (use ${fields.join(' or ')})`);
    }
  }, unlessWrong('eventType', 'measure'))
  .superRefine((d, ctx) => {
    if (d.bands && d.bands.amber > d.bands.green) betweenFieldsIssue(ctx, ['bands', 'amber'], 'must not be above bands.green');
  }, unlessWrong('bands'))
  .superRefine((d, ctx) => {
    // A window listed twice reports nothing more: it is a slip (the stored list would show it twice), so say which.
    (d.windows ?? []).forEach((w, i, all) => {
      const first = all.indexOf(w);
      if (first < i) betweenFieldsIssue(ctx, ['windows', i], `repeats "${w}", already windows.${first}: list each window once`);
    });
  }, unlessWrong('windows'));

export type StandardDefinition = z.output<typeof standardDefinitionSchema>;
