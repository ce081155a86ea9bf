// Milestones in an impossible order: the pairs of a type's milestones whose times must not be inverted, and those a
// case's milestones have the wrong way round (ingest refuses the milestone that would make one).
import type { EventTypeDefinition } from '../../protocol/eventTypes';
import { gaveUpStopOf, startOf } from '../eventTypes';

/**
 * The pairs of a type's milestones whose times must not be inverted: the start before every other milestone, each
 * measure's `from` before its `to`, and before the gave-up stop that may end it instead. A case with one of these
 * the wrong way round would measure a negative wait.
 */
export function orderedPairs(type: EventTypeDefinition): ReadonlyArray<{ readonly earlier: string; readonly later: string }> {
  let pairs = pairsOfType.get(type);
  if (!pairs) pairsOfType.set(type, (pairs = Object.freeze(pairsOf(type))));
  return pairs;
}

/** orderedPairs per type definition: every milestone a request brings is checked against them. */
const pairsOfType = new WeakMap<EventTypeDefinition, ReadonlyArray<{ earlier: string; later: string }>>();

function pairsOf(type: EventTypeDefinition): Array<{ earlier: string; later: string }> {
  const start = startOf(type).id;
  const gaveUp = gaveUpStopOf(type)?.id;
  const pairs = new Map<string, { earlier: string; later: string }>();
  const add = (earlier: string, later: string) => {
    if (earlier !== later) pairs.set(JSON.stringify([earlier, later]), { earlier, later });
  };
  for (const m of type.milestones) add(start, m.id);
  for (const m of type.measures) {
    add(m.from, m.to);
    if (gaveUp !== undefined) add(m.from, gaveUp);
  }
  return [...pairs.values()];
}

/** A case's milestone by id with its instant, as far as known. */
export type TimedMilestones = ReadonlyMap<string, { atMs: number }>;

/**
 * Each pair of `orderedPairs` whose later milestone is timed strictly before its earlier one (the same instant is
 * fine: an answer on the first ring). Never measured as 0: the case cannot be judged from such times (services/ingest
 * refuses the milestone that would make one).
 */
export function misorderedPairs(type: EventTypeDefinition, timed: TimedMilestones): Array<{ earlier: string; later: string }> {
  return orderedPairs(type).filter(({ earlier, later }) => {
    const a = timed.get(earlier);
    const b = timed.get(later);
    return a !== undefined && b !== undefined && b.atMs < a.atMs;
  });
}
