// Wire schemas for service events as integrations post them (docs/api.md, "POST /events").
// Validation lives here so the server, the extension and tests share one definition.
import { z } from 'zod';
import { betweenFieldsIssue, boundedWholeNumber, nullAsAbsent, parseInput, tagMessage, unlessWrong } from './issues';
import { LIMITS } from './pure/limits';
import { siteId } from './sites';
import { wellFormedString } from './text';

const text = wellFormedString().trim().min(1, 'must not be empty').max(LIMITS.maxTextLength, `must be at most ${LIMITS.maxTextLength} characters`);

/** Why a well-formed timestamp is refused when its fields are out of range (2026-02-30, 24:00, 10:60). */
export const NOT_A_REAL_DATE_TIME = 'is not a real date and time';

/** The problem of a timestamp whose fields are out of range, quoting it: every field and integration says it so. */
export const notARealDateTime = (value: unknown): string => `${NOT_A_REAL_DATE_TIME}, got ${JSON.stringify(value)}`;

/** The earliest instant Ringside stores: times are kept as milliseconds since 1970 and are never negative. */
export const EARLIEST_TIME = '1970-01-01T00:00:00Z';

/** The form of a timestamp with its offset, as every one is stored (upper-case T and Z). */
const TIMESTAMP_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A timestamp's "t" and "z" in upper case: RFC 3339 (§5.6) lets them be written in lower case, and they mean the
 * same; every reader of a stored timestamp (the offline verifier, exports, other systems) expects the upper-case
 * form. Only the letters change: the offset, the digits and any fraction stay as written (docs/api.md, "Times").
 * Other text is left as it is, for the format check to refuse as written.
 */
const upperCaseSeparators = (s: string): string => {
  if (!/[tz]/.test(s)) return s;
  const upper = s.toUpperCase();
  return TIMESTAMP_FORM.test(upper) ? upper : s;
};

/** A time with an offset written without its colon (`+0100`), or the whole of it in ISO 8601's basic form (`20261206T200000Z`). */
const COLONLESS_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-])(\d{2})(\d{2})$/i;
const BASIC_FORM = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;
/** A time whose offset has a space for its sign: what `+01:00` becomes in a URL's query, where a raw + means a space. */
const SPACE_FOR_PLUS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}):?(\d{2})$/i;
/**
 * What a spreadsheet or Python writes by default: a date and time without an offset (`datetime.isoformat()` of a
 * naive time, `2026-12-06T09:00:00`), a space for the T (`str(datetime)`, `2026-12-06 09:00:00+00:00`), a date alone.
 */
const NO_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/i;
const SPACE_FOR_T = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))$/i;
const DATE_ALONE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The refusal of a timestamp not in the form Ringside keeps (RFC 3339, offset included): the one message of every
 * timestamp the server reads. Such a value is not rewritten into that form, since the stored text is the one posted
 * (the chain holds it); but a value in another ISO 8601 spelling is told what to change, and one whose + a URL's
 * query turned into a space is told what arrived and how to write the +.
 */
export function notAnRfc3339Timestamp(value: unknown): string {
  const message = 'must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00';
  if (typeof value !== 'string') return message;
  const colonless = COLONLESS_OFFSET.exec(value);
  if (colonless) {
    const offset = `${colonless[2]}${colonless[3]}:${colonless[4]}`;
    return `${message}: write the offset as ${offset} (${colonless[1]}${offset})`;
  }
  // The example above is what such a user typed: saying only the rule would show them their own value as the remedy.
  const spaced = SPACE_FOR_PLUS.exec(value);
  if (spaced) {
    return `${message}: it arrived as "${value}", with a space where the offset's sign would be, which is what a + in a URL's query becomes: write the + as %2B (${spaced[1]}%2B${spaced[2]}:${spaced[3]})`;
  }
  const basic = BASIC_FORM.exec(value);
  if (basic) {
    const [, y, mo, d, h, mi, sec, fraction, zone] = basic as unknown as [string, string, string, string, string, string, string | undefined, string | undefined, string];
    const offset = /^[+-]\d{4}$/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.toUpperCase();
    return `${message}: write the date and time with their separators (${y}-${mo}-${d}T${h}:${mi}:${sec ?? '00'}${fraction ?? ''}${offset})`;
  }
  const local = NO_OFFSET.exec(value);
  if (local) return `${message}: add its offset from UTC (${local[1]}T${local[2]}Z for UTC, or the local one such as +01:00)`;
  const spacedT = SPACE_FOR_T.exec(value);
  if (spacedT) return `${message}: write a T between the date and the time (${spacedT[1]}T${spacedT[2]!.toUpperCase()})`;
  if (DATE_ALONE.test(value)) return `${message}: add a time and its offset (${value}T00:00:00Z is the start of that day in UTC)`;
  return message;
}

/**
 * ISO 8601 with an explicit offset (Z or ±hh:mm), as the contract requires: a real calendar time (no 30 February),
 * from EARLIEST_TIME on, its T and Z upper-cased (upperCaseSeparators) before anything reads it, its content for
 * idempotency and the hash chain included. Each rule stops the next, so a value gets the one message that says what
 * is wrong.
 */
export const isoWithOffset = wellFormedString()
  .overwrite(upperCaseSeparators)
  .refine((s) => TIMESTAMP_FORM.test(s), { error: (issue) => notAnRfc3339Timestamp(issue.input), abort: true })
  .refine((s) => !Number.isNaN(Date.parse(s)) && isRealCalendarTime(s), { error: (issue) => notARealDateTime(issue.input), abort: true })
  .refine((s) => Date.parse(s) >= 0, { message: `must be ${EARLIEST_TIME} or later` });

/**
 * Date.parse rolls 2026-02-30 over to 2 March; a real timestamp's fields are all in range. The one check of every
 * calendar timestamp the server reads, posted or read from another system's records (integrations/, and a custom
 * mapping's $toMillis, which JSONata lets read a date alone, a year and month or a year: `dateAlone`, where the
 * fields left out are the first of their kind).
 */
export function isRealCalendarTime(s: string, dateAlone = false): boolean {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?)?)?/.exec(s);
  if (!m || (m[4] === undefined && !dateAlone)) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1).map((v, i) => Number(v ?? (i < 3 ? 1 : 0))) as [number, number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  day.setUTCFullYear(y); // Date.UTC reads years 0–99 as 1900–1999
  return day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h < 24 && mi < 60 && sec < 60;
}

/** A measured wait in seconds, as posted (and as an amendment may set it). */
export const secondsSchema = z.number().finite().min(0, 'must be ≥ 0').max(LIMITS.maxSeconds, `must be at most ${LIMITS.maxSeconds} (one day)`);
/**
 * A posted ring count (and an amendment's). The bound is a plausibility check on what integrations send; rings
 * derived from answerSeconds are exact (floor(s / cycle) + 1) and may exceed it.
 */
export const ringsSchema = boundedWholeNumber('must be a whole number', [0, 'must be ≥ 0'], [LIMITS.maxRings, `must be at most ${LIMITS.maxRings}`]);

/** Ids of cases (a call, a visit, a complaint) as the integration names them; the pairing key of milestones. */
export const MAX_CASE_ID_LENGTH = 128;
export const caseIdSchema = wellFormedString()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_CASE_ID_LENGTH, `must be at most ${MAX_CASE_ID_LENGTH} characters`);

const common = {
  id: nullAsAbsent(text),
  /** Pairs the finished event with the milestones of this case already posted (it closes that case). */
  caseId: nullAsAbsent(caseIdSchema),
  site: siteId(text),
  occurredAt: isoWithOffset,
  /** How long serving took (talk time of a call, time spent with a visitor): staffing forecasts read it. */
  handleSeconds: nullAsAbsent(secondsSchema),
};

/** A call's wait: rings, answerSeconds or both; checked also when other fields are wrong, unless one of these is. */
const WAIT_FIELDS = ['rings', 'answerSeconds'];

export const callEventSchema = z
  .strictObject({
    ...common,
    type: z.literal('call'),
    outcome: z.enum(['answered', 'abandoned']),
    rings: nullAsAbsent(ringsSchema),
    answerSeconds: nullAsAbsent(secondsSchema),
    queue: nullAsAbsent(text),
    agent: nullAsAbsent(text),
  })
  .superRefine((e, ctx) => {
    if (e.rings === undefined && e.answerSeconds === undefined) betweenFieldsIssue(ctx, ['rings'], 'a call needs rings and/or answerSeconds');
  }, unlessWrong(...WAIT_FIELDS));

export const visitEventSchema = z.strictObject({
  ...common,
  type: z.literal('visit'),
  outcome: z.enum(['greeted', 'left']),
  greetSeconds: secondsSchema,
  agent: nullAsAbsent(text),
});

/**
 * Objects told apart by `key` (z.discriminatedUnion), refused as every object is even when `key` is missing or
 * unknown: the tag is named, and so is every field no variant knows and every problem with a field all variants
 * share (the very same schema in each), so one answer still lists every problem.
 */
function taggedUnion<K extends string, V extends readonly [z.ZodObject, z.ZodObject, ...z.ZodObject[]]>(key: K, variants: V) {
  const tags = variants.map((v) => (v.shape[key] as z.ZodLiteral).value);
  const known = new Set(variants.flatMap((v) => Object.keys(v.shape)));
  const [first, ...rest] = variants;
  const shared = z.object(Object.fromEntries(Object.entries(first.shape).filter(([k, s]) => k !== key && rest.every((v) => v.shape[k] === s))));
  return z.discriminatedUnion(key, variants, { error: (issue) => (issue.code === 'invalid_union' ? tagMessage(issue.input, key, tags) : undefined) }).superRefine(
    (value, ctx) => {
      const input: unknown = value;
      if (input === null || typeof input !== 'object' || Array.isArray(input) || tags.includes((input as Record<string, unknown>)[key] as never)) return;
      for (const issue of parseInput(shared, input).error?.issues ?? []) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      const unknown = Object.keys(input).filter((k) => !known.has(k));
      if (unknown.length > 0) ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, path: [] });
    },
    { when: () => true },
  );
}

export const eventInputSchema = taggedUnion('type', [callEventSchema, visitEventSchema]);

export type CallEventInput = z.infer<typeof callEventSchema>;
export type VisitEventInput = z.infer<typeof visitEventSchema>;
export type EventInput = z.infer<typeof eventInputSchema>;
export type EventType = EventInput['type'];
export type Outcome = EventInput['outcome'];

/** Fields whose value Ringside computed rather than received. */
export type DerivedField = 'rings' | 'answerSeconds';

/** An event as stored and pushed: what was posted, plus what the server derived and assigned. */
export interface StoredEvent {
  /** Monotonic store sequence number (1, 2, 3 …); the order events were acknowledged. */
  seq: number;
  /** Client idempotency key if given, otherwise a server-generated id. */
  id: string;
  /** 'call' or 'visit' as posted; a closed case of another type (a complaint, a type defined as data) its type id. */
  type: EventType | (string & {});
  site: string;
  /** As posted (with its offset). */
  occurredAt: string;
  /** Server clock, ISO UTC. */
  receivedAt: string;
  /** A call's or visit's outcome; for other types the stop that ended the case, or 'expired'. */
  outcome: Outcome | (string & {});
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
  queue: string | null;
  agent: string | null;
  /** How long serving took, in seconds, when the integration said (null otherwise). */
  handleSeconds: number | null;
  /** Which of the values above were derived by the server (e.g. rings from answerSeconds). */
  derived: DerivedField[];
  /**
   * Events of other types than calls and visits: the seconds of each of the type's measures (null when not
   * measured). Absent on calls and visits, whose waits are the fields above.
   */
  measures?: Record<string, number | null>;
}

/** A judgement in force after a correction, as POST /events/:id/void and /amend answer it (booleans, as everywhere). */
export interface CorrectedJudgement {
  standardVersion: number;
  measure: string;
  value: number | null;
  threshold: number;
  met: boolean;
  counted: boolean;
  reason: string | null;
}
