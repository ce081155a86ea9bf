// What a standard is, as seen on the wire, and the zod schema of a standard definition (file and API).
// Standards are versioned data: every change is a new version, and each judgement records the version it was
// judged by, so a figure can always be explained by the rule in force at the time.
import { z } from 'zod';
import { isoWithOffset, type EventType } from './events';
import { betweenFieldsIssue, missingFromReplacementMessage, oneOfMessage, unlessWrong } from './issues';
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

// ---- definition schemas (standards file and POST/PUT/PATCH /api/v1/standards) ----

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

/**
 * A standard's fields, each as a definition gives it (every one but `id`, and `validFrom`, which says from when, not
 * what); which are required and what the others default to is standardDefinitionSchema's (and domain/standards.ts
 * completeDefinition's).
 */
const standardFields = {
  name: wellFormedString().trim().min(1, 'must not be empty').max(200),
  // Which types and measures exist is the event type registry's (built-ins and the standards file's eventTypes:),
  // checked where the definition is applied (services/standards.ts); here only their shape.
  eventType: wellFormedString().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be an event type id such as "call", "visit" or "complaint"'),
  measure: wellFormedString().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a measure of the event type (rings, answerSeconds, greetSeconds, acknowledgeSeconds …)'),
  operator: z.enum(OPERATORS),
  threshold: seconds,
  target: share,
  formula: z.enum(FORMULA_VARIANTS),
  shortAbandonSeconds: seconds.nullable(),
  scope: z.strictObject({ sites: z.array(nameText.overwrite(normalSiteId)).min(1, LIST_AT_LEAST_ONE).optional(), queues: nameList.optional() }),
  bands: z.strictObject({ green: share, amber: share }),
  windows: z.array(z.enum(REPORT_WINDOWS)).min(1),
  countOutsideHours: z.boolean(),
  clock: z.enum(STANDARD_CLOCKS),
};

/** The fields of a standard's definition: what a replacement (PUT) must name, each. */
const STANDARD_FIELDS = Object.keys(standardFields) as Array<keyof typeof standardFields>;

/** What the rules between a definition's fields read (absent in a replacement that leaves them out). */
interface BetweenFields {
  eventType?: string;
  measure?: string;
  bands?: { green: number; amber: number };
  windows?: readonly ReportWindow[];
}

/** The rules between a definition's fields, checked beside the fields' own problems (protocol/issues.ts unlessWrong). */
const betweenFieldRules = [
  z.superRefine<BetweenFields>((d, ctx) => {
    // Own keys only: an eventType spelt like a built-in ("constructor") is no type of this map.
    const fields = d.eventType !== undefined && Object.hasOwn(MEASURES_BY_TYPE, d.eventType) ? (MEASURES_BY_TYPE as Record<string, readonly string[]>)[d.eventType] : undefined;
    if (fields && d.measure !== undefined && !fields.includes(d.measure)) {
      betweenFieldsIssue(ctx, ['measure'], `is not a numeric field of a ${d.eventType}: ${oneOfMessage(fields, d.measure)}`);
    }
  }, unlessWrong('eventType', 'measure')),
  z.superRefine<BetweenFields>((d, ctx) => {
    if (d.bands && d.bands.amber > d.bands.green) betweenFieldsIssue(ctx, ['bands', 'amber'], 'must not be above bands.green');
  }, unlessWrong('bands')),
  z.superRefine<BetweenFields>((d, ctx) => {
    // A window listed twice reports nothing more: it is a slip (the stored list would show it twice), so say which.
    (d.windows ?? []).forEach((w, i, all) => {
      const first = all.indexOf(w);
      if (first < i) betweenFieldsIssue(ctx, ['windows', i], `repeats "${w}", already windows.${first}: list each window once`);
    });
  }, unlessWrong('windows')),
];

/** A definition (standards file, POST, and what a PATCH makes of the latest version): a field left out takes its default. */
export const standardDefinitionSchema = z
  .strictObject({
    id: ident,
    name: standardFields.name,
    eventType: standardFields.eventType,
    measure: standardFields.measure,
    clock: standardFields.clock.optional(),
    operator: standardFields.operator.default('<='),
    threshold: standardFields.threshold,
    target: standardFields.target,
    formula: standardFields.formula.default('F3'),
    shortAbandonSeconds: standardFields.shortAbandonSeconds.optional(),
    scope: standardFields.scope.optional(),
    bands: standardFields.bands.optional(),
    windows: standardFields.windows.optional(),
    countOutsideHours: standardFields.countOutsideHours.default(false),
    validFrom: isoWithOffset.optional(),
  })
  .check(...betweenFieldRules);

/**
 * A replacement of a standard (PUT): a definition naming every field (STANDARD_FIELDS; `validFrom` may be left out:
 * it says from when, not what). Each one left out is named, with the other problems of the body; a left-out field
 * would otherwise take its default in the new version without a word.
 */
export const standardReplacementSchema = z
  .strictObject({ id: ident, ...(Object.fromEntries(STANDARD_FIELDS.map((f) => [f, standardFields[f].optional()])) as { [F in keyof typeof standardFields]: z.ZodOptional<(typeof standardFields)[F]> }), validFrom: isoWithOffset.optional() })
  .check(
    ...betweenFieldRules,
    z.superRefine<Record<string, unknown>>((d, ctx) => {
      for (const field of STANDARD_FIELDS) if (d[field] === undefined) betweenFieldsIssue(ctx, [field], missingFromReplacementMessage('standard', 'fields'));
    }, unlessWrong()),
  )
  // Every field is named once the checks above pass: nothing is left for a default.
  .transform((d) => d as StandardDefinition);

export type StandardDefinition = z.output<typeof standardDefinitionSchema>;

/**
 * A change of some fields of a standard (PATCH): a JSON merge patch (RFC 7396) of the latest version's definition, a
 * field named replaces it, one left out is kept, null puts it back to its default. Any JSON object here: what it makes
 * of the latest version is checked whole, as a definition (services/standards.ts patch), so that every problem of the
 * result, a rule between a field named and one kept included, is named in one answer.
 */
export const standardPatchSchema = z.custom<Readonly<Record<string, unknown>>>();

export type StandardPatch = z.output<typeof standardPatchSchema>;
