// Validating posted events with the shared wire schema, collecting every bad field of every event.
import type { z } from 'zod';
import { eventInputSchema, knownKeysOf, LIMITS, parseInput, unknownFieldMessage, type EventInput } from '../../protocol';
import type { ItemProblem } from './itemProblem';

export type Validation = { ok: true; inputs: EventInput[] } | { ok: false; problems: ItemProblem[] };

/** `nowMs` (server clock) enables the future check: occurredAt more than LIMITS.maxFutureSeconds ahead is refused. */
export function validateEvents(items: readonly unknown[], nowMs?: number): Validation {
  const inputs: EventInput[] = [];
  const problems: ItemProblem[] = [];
  items.forEach((item, index) => {
    const parsed = parseInput(eventInputSchema, item);
    if (parsed.success && nowMs !== undefined && Date.parse(parsed.data.occurredAt) > nowMs + LIMITS.maxFutureSeconds * 1000) {
      problems.push({ index, path: ['occurredAt'], message: `is more than ${LIMITS.maxFutureSeconds / 60} minutes in the future (server time ${new Date(nowMs).toISOString()})` });
    } else if (parsed.success) inputs.push(parsed.data);
    else problems.push(...parsed.error.issues.flatMap((issue) => toItemProblems(index, issue)));
  });
  return problems.length === 0 ? { ok: true, inputs } : { ok: false, problems: firstPerField(problems) };
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

export function toItemProblems(index: number, issue: z.core.$ZodIssue, what = 'an event'): ItemProblem[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    // One entry per unknown field, so each is named by its own path.
    return issue.keys.map((key) => ({ index, path: [...path, key], message: unknownFieldMessage(key, knownKeysOf(issue)) }));
  }
  return [{ index, path, message: friendlyMessage(issue, what) }];
}

/** The issue's message (protocol/issues.ts words every kind); the item as a whole says what it must be. */
function friendlyMessage(issue: z.core.$ZodIssue, what: string): string {
  if (issue.code === 'invalid_type' && issue.path.length === 0) return `must be a JSON object (${what})`;
  return issue.message;
}
