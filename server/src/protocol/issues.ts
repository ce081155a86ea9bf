// Our wording for every kind of zod issue (docs/api.md, "Errors"): a problem names its field and says what the
// field must be, in the API's words. A schema's own message (`min(1, 'must not be empty')`) comes first; this map
// words every issue a schema left to zod, so zod's default English ("Invalid input: expected …") never reaches a
// client. Every parse of a request goes through parseInput.
import { z } from 'zod';
import { didYouMean, refusedValue } from './nearMiss';

type RawIssue = z.core.$ZodRawIssue;

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  bigint: 'a whole number',
  array: 'a list',
  tuple: 'a list',
  object: 'a JSON object',
  record: 'a JSON object',
  map: 'a JSON object',
  null: 'null',
  date: 'a date',
};

/** What a JSON value is, in the same words ("got text"). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a JSON object';
    default:
      return typeof value;
  }
}

/** "must be a number (got text)": a value of the wrong JSON type, zod's or a route's own check alike. */
export function wrongTypeMessage(expected: string, input: unknown): string {
  return `must be ${TYPE_NAMES[expected] ?? expected} (got ${kindOf(input)})`;
}

/**
 * A body (or file) that is not a JSON object where one is needed: the one wording, whether a schema finds it or a
 * route checks it before its schema runs (editable configuration, keys, acknowledgements).
 */
export function notAnObjectMessage(input: unknown): string {
  return wrongTypeMessage('object', input);
}

/** The values accepted, as a refusal lists them: "one of answered, abandoned", or "call" alone. */
const accepted = (values: readonly unknown[]) => (values.length === 1 ? String(values[0]) : `one of ${values.map(String).join(', ')}`);

/**
 * The one wording of a value not among those accepted, in a query or a body, by a schema or a route's own check:
 * `must be one of answered, abandoned (got "answerd") (did you mean "answered"?)`, the suggestion only for a near
 * miss (refusedValue); `must be call (got "fax")` for one value. Text given is echoed; anything else is named by its
 * JSON type (`(got a number)`), as a value of the wrong type is.
 */
export function oneOfMessage(values: readonly unknown[], given: unknown): string {
  const got = typeof given === 'string' ? refusedValue(given, values.filter((v): v is string => typeof v === 'string')) : ` (got ${kindOf(given)})`;
  return `must be ${accepted(values)}${got}`;
}

function bound(issue: { origin: string; inclusive?: boolean; exact?: boolean }, limit: number | bigint, side: 'min' | 'max'): string {
  const n = String(limit);
  switch (issue.origin) {
    case 'string':
      if (side === 'min' && Number(limit) === 1) return 'must not be empty';
      return `must be ${issue.exact ? 'exactly' : side === 'min' ? 'at least' : 'at most'} ${n} characters`;
    case 'array':
    case 'set':
      if (side === 'min' && Number(limit) === 1) return 'must hold at least one item';
      return `must hold ${issue.exact ? 'exactly' : side === 'min' ? 'at least' : 'at most'} ${n} items`;
    default:
      if (side === 'min') return issue.inclusive === false ? `must be > ${n}` : `must be ≥ ${n}`;
      return issue.inclusive === false ? `must be < ${n}` : `must be at most ${n}`;
  }
}

/** The message for one issue, naming no field (the path does). Total: every issue kind has a wording. */
export function issueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      // Infinity or NaN (YAML's .inf and .nan; JSON has neither): a number, but not one that measures anything.
      if (issue.expected === 'number' && typeof issue.input === 'number') return `must be a finite number (got ${issue.input})`;
      return wrongTypeMessage(issue.expected, issue.input);
    case 'invalid_value':
      return issue.input === undefined ? requiredOneOfMessage(issue.values) : oneOfMessage(issue.values, issue.input);
    case 'too_small':
      return bound(issue, issue.minimum, 'min');
    case 'too_big':
      return bound(issue, issue.maximum, 'max');
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      keepKnownKeys(issue);
      return issue.keys.length === 1 ? 'is not a known field' : 'are not known fields';
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && Array.isArray(issue.options)) return tagMessage(issue.input, issue.discriminator, issue.options);
      return 'does not match any of the accepted forms';
    case 'invalid_key':
      return 'has a key that is not accepted';
    case 'invalid_element':
      return 'has a value that is not accepted';
    default:
      return 'is not valid';
  }
}

/** Where an unknown key's issue keeps the keys of the object that refused it (knownKeysOf). */
type KnowingIssue = { knownKeys?: string[] };

/**
 * Keeps on an unknown key's issue the keys its object knows, so that the refusal of each unknown key can name the one
 * it most likely mistypes: zod leaves the object that raised an issue out of the issue it reports, and its error map
 * (this one) is the one place that sees it; what the map adds to the issue is reported with it.
 */
function keepKnownKeys(issue: RawIssue & { code: 'unrecognized_keys' }): void {
  if (issue.inst instanceof z.ZodObject) (issue as KnowingIssue).knownKeys = Object.keys(issue.inst.shape);
}

/** The keys the object knows whose unknown keys `issue` refuses; none when it was not a zod object (a route's own check). */
export const knownKeysOf = (issue: z.core.$ZodIssue): readonly string[] => (issue as KnowingIssue).knownKeys ?? [];

/**
 * The one wording of a field an object does not know, in a body or a file: `is not a known field (did you mean
 * "outcome"?)`, the suggestion only for a near miss of a field it knows, as an unknown query parameter's is.
 */
export const unknownFieldMessage = (key: string, known: readonly string[]): string => `is not a known field${didYouMean(key, known)}`;

/**
 * A whole number from `min` to `max`, each bound with its message. The bounds are checked first, and a number outside
 * them is told only that: zod's int() also refuses a whole number beyond 2^53 (1e16, 1e308) as not whole, which would
 * read "must be a whole number" for a value that is one and merely too large. Not by aborting at a bound: an aborted
 * issue would stop every check between fields of the object around it, whose problems a 400 names together.
 */
export function boundedWholeNumber(wholeMessage: string, [min, minMessage]: readonly [number, string], [max, maxMessage]: readonly [number, string]): z.ZodNumber {
  return z
    .number()
    .min(min, minMessage)
    .max(max, maxMessage)
    .refine(Number.isInteger, { error: wholeMessage, when: ({ issues }) => issues.length === 0 });
}

/**
 * An optional field of a posted record that also takes `null` for "not given" (docs/api.md, "Events": null for an
 * optional field): answers echo such a field as null when it was left out, and serialisers that write nulls (Jackson,
 * System.Text.Json) or clients that post back what they read send it so. The null is dropped before anything reads
 * the value, so the record's content (its idempotency and its chain record), judgement and answer are exactly those of
 * the field left out. A required field stays required: null for it is refused as its wrong type.
 */
export function nullAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

/** A field of a few accepted values left out: "is required: one of answered, abandoned", as a tag is. */
const requiredOneOfMessage = (values: readonly unknown[]): string => `is required: ${accepted(values)}`;

/** The discriminator of a tagged union: missing, or not one of the tags. */
export function tagMessage(input: unknown, key: string, tags: readonly unknown[]): string {
  const given = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[key] : undefined;
  return given === undefined ? requiredOneOfMessage(tags) : oneOfMessage(tags, given);
}

/**
 * What a replacement (PUT) that leaves out a part of the whole it replaces is told ("is missing: PUT replaces the whole
 * site …"): left out, the part would go back to its default without a word. `hint`: another way to name the part.
 */
export const missingFromReplacementMessage = (whole: string, parts: string, hint = ''): string =>
  `is missing${hint}: PUT replaces the whole ${whole} (GET it, edit, PUT it back); use PATCH to change only some ${parts}`;

/**
 * Marks the problems that leave the fields they name readable (unlessWrong): those rules between fields find, and a
 * well-formed value that is reserved.
 */
const BETWEEN_FIELDS = { betweenFields: true } as const;

/** A problem a rule between fields found, at `path` below the value it checks. */
export function betweenFieldsIssue(ctx: z.RefinementCtx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: BETWEEN_FIELDS });
}

/**
 * A well-formed value that may not be used (an id the built-ins give a meaning of their own): refused, but still read
 * by the rules between fields, so one answer names it beside every other problem of the request.
 */
export function reservedValueIssue(ctx: z.RefinementCtx, message: string): void {
  betweenFieldsIssue(ctx, [], message);
}

/**
 * When a rule between fields (a refine or superRefine of an object or list) runs: also when other fields are wrong, so
 * one answer lists every problem it can know (zod would skip it after any failed type or option), but not when a field
 * it reads is wrong itself, whose own problem is the one to fix (docs/api.md, "Errors"); another rule's finding
 * (betweenFieldsIssue) and a reserved value (reservedValueIssue) do not count. `reads` are paths below the value, "*" for any list index: "bands",
 * "milestones.*.role". A problem of a list itself (too short) or of an item counts for every field inside it.
 */
export function unlessWrong(...reads: string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  const patterns = reads.map((r) => r.split('.'));
  const readsWrong = (path: readonly PropertyKey[]) => path.length > 0 && patterns.some((p) => p.slice(0, path.length).every((segment, i) => segment === '*' || segment === String(path[i])));
  const wrong = (issue: z.core.$ZodRawIssue) => (issue as { params?: unknown }).params !== BETWEEN_FIELDS && readsWrong(issue.path ?? []);
  return { when: ({ value, issues }) => value !== null && typeof value === 'object' && !issues.some(wrong) };
}

// Set once for this zod instance rather than passed to each parse: zod's per-parse `error` parameter slows every
// parse, the valid ones too (a posted event's validation ~3.0 → ~4.6 µs), while the global map is read only when
// an issue is raised. A schema's own message still comes first.
z.config({ customError: issueMessage });

/** A request's input through a schema, every issue worded by issueMessage unless the schema words it. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): z.ZodSafeParseResult<T> {
  return schema.safeParse(input);
}
