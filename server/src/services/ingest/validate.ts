// Validating posted events with the shared wire schema, collecting every bad field of every event.
import type { z } from 'zod';
import { API_PREFIX, eventInputSchema, knownKeysOf, LIMITS, parseInput, unknownFieldMessage, type EventInput } from '../../protocol';
import type { ItemProblem } from './itemProblem';

export type Validation = { ok: true; inputs: EventInput[] } | { ok: false; problems: ItemProblem[] };

/** `nowMs` (server clock) enables the future check: occurredAt more than LIMITS.maxFutureSeconds ahead is refused. */
export function validateEvents(items: readonly unknown[], nowMs?: number): Validation {
  const inputs: EventInput[] = [];
  const problems: ItemProblem[] = [];
  items.forEach((item, index) => {
    const parsed = parseInput(eventInputSchema, item);
    if (parsed.success) {
      const future = nowMs === undefined ? null : futureProblem(index, 'occurredAt', parsed.data.occurredAt, nowMs);
      if (future) problems.push(future);
      else inputs.push(parsed.data);
      return;
    }
    problems.push(...parsed.error.issues.flatMap((issue) => toItemProblems(index, issue)));
    const occurredAt = nowMs === undefined ? undefined : soundFields(item, parsed.error.issues).occurredAt;
    const future = typeof occurredAt === 'string' ? futureProblem(index, 'occurredAt', occurredAt, nowMs!) : null;
    if (future) problems.push(future);
  });
  return problems.length === 0 ? { ok: true, inputs } : { ok: false, problems: firstPerField(problems) };
}

/**
 * A time posted more than LIMITS.maxFutureSeconds after `nowMs` (the server clock), as `field` of item `index`; null
 * when it is not. `value` has passed its schema (a real timestamp with an offset).
 */
export function futureProblem(index: number, field: string, value: string, nowMs: number): ItemProblem | null {
  if (Date.parse(value) <= nowMs + LIMITS.maxFutureSeconds * 1000) return null;
  return { index, path: [field], message: `is more than ${LIMITS.maxFutureSeconds / 60} minutes in the future (server time ${new Date(nowMs).toISOString()})` };
}

/**
 * The top-level fields of a refused item that its schema found nothing wrong with (no issue at or below them), as
 * posted: what the checks that run after the schema (a time in the future, an event type's milestones) may still
 * read, so that one answer lists their problems beside the schema's. Read only once an item is refused, so a valid
 * item costs nothing more.
 */
export function soundFields(item: unknown, issues: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return {};
  const wrong = new Set(issues.flatMap((issue) => (issue.path.length > 0 ? [String(issue.path[0])] : [])));
  return Object.fromEntries(Object.entries(item).filter(([key]) => !wrong.has(key)));
}

/** One message per field: a timestamp that fails the format need not also be "not a real date". */
export function firstPerField(problems: ItemProblem[]): ItemProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.index, p.path]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The two ingest routes, by what their bodies hold. */
export type IngestRoute = 'events' | 'milestones';

const ITEM_WORDS: Record<IngestRoute, string> = { events: 'an event', milestones: 'a milestone' };

/** Keys only the other route's bodies have, by the route they were posted to: what they make the body or item. */
const OTHER_ROUTES_KEYS: Record<IngestRoute, ReadonlyMap<string, string>> = {
  events: new Map([
    ['milestones', 'a batch of milestones'],
    ['milestone', 'a milestone (one step of a case: a call ringing, a visitor arriving)'],
  ]),
  milestones: new Map([
    ['events', 'a batch of events'],
    ['occurredAt', 'an event (a finished call or visit, with its outcome)'],
  ]),
};

/**
 * Where a body or an item posted to the other of the two ingest routes belongs, by a key only that route's bodies
 * have (a batch's key, or the field that makes an item the other's: a milestone's `milestone`, an event's
 * `occurredAt`): the words a refusal naming that key adds, '' for any other key.
 */
export function otherIngestRoute(key: string, postedTo: IngestRoute): string {
  const what = OTHER_ROUTES_KEYS[postedTo].get(key);
  return what ? `: ${what} is posted to POST ${API_PREFIX}/${postedTo === 'events' ? 'milestones' : 'events'}` : '';
}

export function toItemProblems(index: number, issue: z.core.$ZodIssue, route: IngestRoute = 'events'): ItemProblem[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    // One entry per unknown field, so each is named by its own path.
    const elsewhere = (key: string) => (path.length === 0 ? otherIngestRoute(key, route) : '');
    return issue.keys.map((key) => ({ index, path: [...path, key], message: `${unknownFieldMessage(key, knownKeysOf(issue))}${elsewhere(key)}` }));
  }
  return [{ index, path, message: friendlyMessage(issue, ITEM_WORDS[route]) }];
}

/** The issue's message (protocol/issues.ts words every kind); the item as a whole says what it must be. */
function friendlyMessage(issue: z.core.$ZodIssue, what: string): string {
  if (issue.code === 'invalid_type' && issue.path.length === 0) return `must be a JSON object (${what})`;
  return issue.message;
}
