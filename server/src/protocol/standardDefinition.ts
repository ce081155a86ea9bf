// The zod schemas of a standard's definition (standards file and POST/PUT/PATCH /api/v1/standards). Apart from the
// wire types (protocol/standards.ts), which the event types' wire types build on: the definition is checked against
// the built-in event types (protocol/builtInEventTypes.ts), which are written in the event types' format.
import { z } from 'zod';
import { builtInEventType, notAStandardMeasureMessage } from './builtInEventTypes';
import { isoWithOffset } from './events';
import { betweenFieldsIssue, missingFromReplacementMessage, unlessWrong } from './issues';
import { normalSiteId } from './pure/idLists';
import { LIMITS } from './pure/limits';
import { FORMULA_VARIANTS, OPERATORS, REPORT_WINDOWS, STANDARD_CLOCKS, type ReportWindow, type StandardClock } from './standards';
import type { FieldProblem } from './problem';
import { wellFormedString } from './text';

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
// A target of 0 asks nothing: every figure would be green and every miss within budget. 1 (100 %) is a real target
// with no error budget (docs/standards.md).
const TARGET_RANGE = 'must be a share above 0 and at most 1 (0.9 for 90 %)';
const target = z.number().finite().gt(0, TARGET_RANGE).max(1, TARGET_RANGE);
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
  // Which types and measures exist is the event type registry's (built-ins, the standards file's eventTypes:, the
  // API's): here their shape, and the registry's verdict when the caller gives it (the API's routes), else a built-in
  // type's measure (betweenFieldRules), so that it is named with the definition's other problems.
  eventType: wellFormedString().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be an event type id such as "call", "visit" or "complaint"'),
  measure: wellFormedString().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a measure of the event type (rings, answerSeconds, greetSeconds, acknowledgeSeconds …)'),
  operator: z.enum(OPERATORS),
  threshold: seconds,
  target,
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
  clock?: StandardClock;
  bands?: { green: number; amber: number };
  windows?: readonly ReportWindow[];
}

/**
 * The event type registry's verdict on a definition's type, measure and clock (domain/eventTypes.ts
 * standardTargetProblems over the server's registry: the built-ins, the standards file's types and the API's), for a
 * caller that has it. `measure` '' asks about the type alone.
 */
export type TargetCheck = (eventType: string, measure: string, clock: StandardClock | undefined) => FieldProblem[];

/**
 * The rules between a definition's fields, checked beside the fields' own problems (protocol/issues.ts unlessWrong).
 * With `targets`, a type of the registry's and its measures are checked here (a type unknown to it named once the
 * type is well-formed, a measure or clock once they are); without, only a built-in type's measure, and the rest where
 * the definition is applied (services/standards.ts).
 */
function betweenFieldRules(targets?: TargetCheck) {
  // One problem a field, each once what it depends on is readable: the type alone, its measure, the clock on both.
  const registryRule = (field: 'eventType' | 'measure' | 'clock', check: TargetCheck, ...reads: string[]) =>
    z.superRefine<BetweenFields>((d, ctx) => {
      if (d.eventType === undefined || (field !== 'eventType' && d.measure === undefined)) return;
      for (const p of check(d.eventType, field === 'eventType' ? '' : d.measure!, field === 'clock' ? d.clock : undefined)) if (p.path === field) betweenFieldsIssue(ctx, [field], p.message);
    }, unlessWrong(...reads));
  const typeRules = targets
    ? [registryRule('eventType', targets, 'eventType'), registryRule('measure', targets, 'eventType', 'measure'), registryRule('clock', targets, 'eventType', 'measure', 'clock')]
    : [
        z.superRefine<BetweenFields>((d, ctx) => {
          const type = d.eventType === undefined ? undefined : builtInEventType(d.eventType);
          const notAMeasure = type && d.measure !== undefined ? notAStandardMeasureMessage(type, d.measure) : null;
          if (notAMeasure !== null) betweenFieldsIssue(ctx, ['measure'], notAMeasure);
        }, unlessWrong('eventType', 'measure')),
      ];
  return [
    ...typeRules,
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
}

/**
 * A definition (standards file, POST, and what a PATCH makes of the latest version): a field left out takes its
 * default. `targets`: the registry's check of its type and measure (betweenFieldRules).
 */
export const standardDefinitionSchemaWith = (targets?: TargetCheck) =>
  z
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
    .check(...betweenFieldRules(targets));

/** standardDefinitionSchemaWith no registry: a user type's measures are checked where the definition is applied. */
export const standardDefinitionSchema = standardDefinitionSchemaWith();

/**
 * A replacement of a standard (PUT): a definition naming every field (STANDARD_FIELDS; `validFrom` may be left out:
 * it says from when, not what). Each one left out is named, with the other problems of the body; a left-out field
 * would otherwise take its default in the new version without a word. `targets` as for a definition.
 */
export const standardReplacementSchemaWith = (targets?: TargetCheck): z.ZodType<StandardDefinition> =>
  // Every field is named once the checks pass: nothing is left for a default, so it is a definition. (Typed so, not
  // transformed: a transform would stop the checks a route adds to the body, an id other than the path's among them.)
  z
    .strictObject({ id: ident, ...(Object.fromEntries(STANDARD_FIELDS.map((f) => [f, standardFields[f].optional()])) as { [F in keyof typeof standardFields]: z.ZodOptional<(typeof standardFields)[F]> }), validFrom: isoWithOffset.optional() })
    .check(
      ...betweenFieldRules(targets),
      z.superRefine<Record<string, unknown>>((d, ctx) => {
        for (const field of STANDARD_FIELDS) if (d[field] === undefined) betweenFieldsIssue(ctx, [field], missingFromReplacementMessage('standard', 'fields'));
      }, unlessWrong()),
    ) as unknown as z.ZodType<StandardDefinition>;

export type StandardDefinition = z.output<typeof standardDefinitionSchema>;

/**
 * A change of some fields of a standard (PATCH): a JSON merge patch (RFC 7396) of the latest version's definition, a
 * field named replaces it, one left out is kept, null puts it back to its default. Any JSON object here: what it makes
 * of the latest version is checked whole, as a definition (services/standards.ts patch), so that every problem of the
 * result, a rule between a field named and one kept included, is named in one answer.
 */
export const standardPatchSchema = z.custom<Readonly<Record<string, unknown>>>();

export type StandardPatch = z.output<typeof standardPatchSchema>;
