// Custom webhooks: the standards file's `integrations:` declares {id, map}, where `map` is a JSONata expression
// (https://jsonata.org) turning whatever JSON a system posts into the milestones or events of the ingest
// contract. Expressions are compiled when the file is loaded (a bad one refuses the file, naming its position);
// what a mapping produces is then ingested like any posted milestone or event, so it is validated the same way.
import jsonata from 'jsonata';
import { z } from 'zod';
import { isRealCalendarTime, NOT_A_REAL_DATE_TIME, parseInput, wellFormedString, type FieldProblem } from '../protocol';
import { zodProblems } from './zodProblems';

/** One `integrations:` entry of the standards file. */
export interface IntegrationDefinition {
  id: string;
  map: string;
}

const integrationSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit'),
  map: wellFormedString().trim().min(1, 'must be a JSONata expression').max(20_000, 'must be at most 20000 characters'),
});

/**
 * How long, and how deep, one mapping may evaluate: the expression comes from the file, the input from anyone with an
 * ingest key. The time is the process's CPU time while the mapping runs, not the clock's: on a machine busy with
 * other work the same mapping takes longer by the clock, and was refused then as an expression too slow to run.
 */
const LIMITS = { ms: 1000, depth: 500 };
/**
 * A mapping runs on the server's one thread: after this long without a break it hands the thread back (the next
 * turn of the event loop) before its next step, so a slow one delays other requests by this much, not by its whole
 * run. Its time limit counts the time between its breaks, not the turns it waited (another mapping's steps taken
 * within one of its slices count too, so the limit errs toward stopping).
 */
const SLICE_MS = 10;

/** What a mapping's time is read from: the clock for its slices, the process's CPU time for its limit (ms). */
export interface MappingClocks {
  wallMs(): number;
  cpuMs(): number;
}

const PROCESS_CLOCKS: MappingClocks = {
  wallMs: () => Date.now(),
  cpuMs: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};

interface JsonataError {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

const where = (e: JsonataError) => (typeof e.position === 'number' ? ` at position ${e.position}` : '');

/** The `integrations:` list, each expression compiled; problems name `integrations.<i>.<field>`. */
export function checkIntegrations(items: readonly unknown[]): { integrations: IntegrationDefinition[]; problems: FieldProblem[] } {
  const integrations: IntegrationDefinition[] = [];
  const problems: FieldProblem[] = [];
  items.forEach((item, i) => {
    const parsed = parseInput(integrationSchema, item);
    if (!parsed.success) return void problems.push(...zodProblems(parsed.error, ['integrations', i]));
    try {
      jsonata(parsed.data.map);
      integrations.push(parsed.data);
    } catch (error) {
      const e = error as JsonataError;
      problems.push({ path: `integrations.${i}.map`, message: `is not a valid JSONata expression: ${e.message ?? String(error)}${where(e)}${e.token !== undefined ? ` (near "${e.token}")` : ''}` });
    }
  });
  return { integrations, problems };
}

/** What a mapping made of one posted body. */
export type MappingResult =
  | { kind: 'unknown' }
  | { kind: 'failed'; message: string }
  | { kind: 'nothing' }
  /** `path`: what the problem is about, as the item problems of an ingested mapping name it (`mapped`, `mapped.1`). */
  | { kind: 'invalid'; message: string; path: string }
  | { kind: 'mapped'; into: 'milestones' | 'events'; single: boolean; items: Record<string, unknown>[] };

/** The integrations in force: replaced as a whole when the standards file is (re)loaded. */
export class CustomIntegrations {
  private byId = new Map<string, IntegrationDefinition>();

  constructor(private readonly clocks: MappingClocks = PROCESS_CLOCKS) {}

  apply(definitions: readonly IntegrationDefinition[]): void {
    this.byId = new Map(definitions.map((d) => [d.id, d]));
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * Runs integration `id`'s mapping on `body`. No result (JSONata's empty sequence) means there is nothing to
   * record; otherwise the result is an object or an array of objects, all milestones (they have a `milestone`
   * field) or all events.
   */
  async map(id: string, body: unknown): Promise<MappingResult> {
    const definition = this.byId.get(id);
    if (!definition) return { kind: 'unknown' };
    let output: unknown;
    try {
      output = await guarded(definition.map, this.clocks).evaluate(body);
    } catch (error) {
      const e = error as JsonataError;
      return { kind: 'failed', message: `${e.message ?? String(error)}${where(e)}` };
    }
    // A plain JSON copy: JSONata's objects have no prototype and its sequences carry extra flags.
    const value = output === undefined ? undefined : (JSON.parse(JSON.stringify(output)) as unknown);
    return resultOf(value);
  }
}

function resultOf(value: unknown): MappingResult {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return { kind: 'nothing' };
  const single = !Array.isArray(value);
  const items = single ? [value] : (value as unknown[]);
  const bad = items.findIndex((item) => typeof item !== 'object' || item === null || Array.isArray(item));
  if (bad !== -1) return { kind: 'invalid', path: single ? 'mapped' : `mapped.${bad}`, message: `must produce an object or an array of objects; ${single ? 'it produced' : `item ${bad} is`} ${JSON.stringify(items[bad]).slice(0, 80)}` };
  const objects = items as Record<string, unknown>[];
  const milestones = objects.filter((o) => 'milestone' in o).length;
  if (milestones > 0 && milestones < objects.length) return { kind: 'invalid', path: 'mapped', message: `produced ${milestones} milestone(s) (with a "milestone" field) and ${objects.length - milestones} event(s): one request is one or the other` };
  return { kind: 'mapped', into: milestones > 0 ? 'milestones' : 'events', single, items: objects };
}

/** JSONata's own $toMillis and $fromMillis, for the strict $toMillis below. */
const BUILT_IN = { toMillis: jsonata('$p ? $toMillis($t, $p) : $toMillis($t)'), fromMillis: jsonata('$fromMillis($ms, $p)') };

/**
 * A text for comparing a date as written with the same date formatted back: case and leading zeros aside. With a
 * fraction of a second in the picture, a run of digits after `.` or `,` that follows a digit is left out: a
 * fraction never rolls a date over, and JSONata writes it back at widths of its own (`[f1]` gives `.500` for `.5`,
 * `[f01]` `.50` for `.05`), so comparing it would refuse real dates.
 */
function comparable(text: string, picture: string): string {
  const withoutFractions = /\[f/.test(picture) ? text.replace(/(?<=\d[.,])\d+/g, '') : text;
  return withoutFractions.trim().toLowerCase().replace(/\d+/g, (digits) => digits.replace(/^0+(?=\d)/, ''));
}

/**
 * $toMillis, refusing a date that does not exist instead of rolling it over as JSONata's does (2026-02-31 became
 * 3 March, and an event was stored on another day). ISO 8601 text is checked field by field (isRealCalendarTime, the
 * check of every posted timestamp); with a picture, the date must read the same formatted back with that picture
 * (case, leading zeros and fractions of a second aside), unless the picture has a time zone ([Z], [z]), whose offset the check cannot know.
 */
async function strictToMillis(timestamp: unknown, picture?: unknown): Promise<number | undefined> {
  const ms = (await BUILT_IN.toMillis.evaluate(null, { t: timestamp, p: picture })) as number | undefined;
  if (typeof timestamp !== 'string' || typeof ms !== 'number') return ms;
  const real =
    typeof picture !== 'string'
      ? isRealCalendarTime(timestamp, true)
      : /\[[Zz]/.test(picture) || comparable((await BUILT_IN.fromMillis.evaluate(null, { ms, p: picture })) as string, picture) === comparable(timestamp, picture);
  if (!real) throw new Error(`$toMillis(${JSON.stringify(timestamp.slice(0, 80))}${typeof picture === 'string' ? `, ${JSON.stringify(picture)}` : ''}): ${NOT_A_REAL_DATE_TIME}`);
  return ms;
}

/** A fresh compilation (cheap) with its own time and depth budget, so concurrent requests do not share one. */
function guarded(source: string, clocks: MappingClocks): jsonata.Expression {
  const expression = jsonata(source);
  expression.registerFunction('toMillis', strictToMillis, '<s-s?:n>');
  let ran = 0; // CPU ms of the slices before the current one
  let sliceStart = clocks.wallMs();
  let sliceCpu = clocks.cpuMs();
  let depth = 0;
  const tooLong = () => new Error(`the mapping took longer than ${LIMITS.ms} ms`);
  // Within a slice (at most ~SLICE_MS by the clock) the clock stands in for the CPU time: reading the process's CPU
  // time at every step would cost more than the step.
  const check = () => {
    if (depth > LIMITS.depth) throw new Error(`the mapping nests deeper than ${LIMITS.depth} levels`);
    if (ran + Math.min(clocks.wallMs() - sliceStart, SLICE_MS) > LIMITS.ms) throw tooLong();
  };
  // JSONata awaits what its entry hook returns: past a slice, a promise settled on the next turn of the event loop.
  const entry = (): Promise<void> | undefined => {
    depth++;
    check();
    if (clocks.wallMs() - sliceStart < SLICE_MS) return undefined;
    ran += clocks.cpuMs() - sliceCpu;
    if (ran > LIMITS.ms) throw tooLong();
    return new Promise((resolve) =>
      setImmediate(() => {
        sliceStart = clocks.wallMs();
        sliceCpu = clocks.cpuMs();
        resolve();
      }),
    );
  };
  // JSONata's documented hooks around each evaluation step (used to time-box expressions).
  expression.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, entry);
  expression.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, () => (depth--, check()));
  return expression;
}
