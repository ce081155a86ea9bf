import { contentDifference, differingFields } from './canonical';
import { DomainError } from './errors';

// The words of a 409 for an id or a milestone's pairing key reused with other content, one definition for both
// stores and the in-request checks. Between two items of one request, each differing field with both values: the
// sender sent both. Against a stored record, the differing fields without values, and only to a caller whose key
// may read that record (storedConflictMessage): the list is an equality oracle, field by field, of the stored
// values, which a key that may only write (or only write other sites) could otherwise probe with guessed ids.

const withDifference = (message: string, difference: string): string => (difference === '' ? message : `${message}: ${difference}`);

interface MilestoneKey { type: string; site: string; caseId: string; milestone: string }

/** A record stored before whose id (or pairing key) a write reuses with other content. */
export interface StoredConflict {
  /** What is reused: an event's or a milestone's id, or a milestone's pairing key. */
  reused: { id: string; of: 'event' | 'milestone' } | { key: MilestoneKey };
  seq: number;
  /** The stored record's site: whether the caller may read it decides whether it is told `fields`. */
  site: string;
  /** The fields whose stored value is not the one sent (none where either content is not an object). */
  fields: readonly string[];
}

/** A stored record as a conflict needs it. */
interface StoredRecord { seq: number; site: string; content: string }

/** The words of a conflict with a stored record; `withFields` only for a caller whose key may read that record. */
export function storedConflictMessage(c: StoredConflict, withFields: boolean): string {
  const difference = withFields && c.fields.length > 0 ? `${c.fields.join(', ')} ${c.fields.length === 1 ? 'differs' : 'differ'}` : '';
  if ('id' in c.reused) return withDifference(`id ${JSON.stringify(c.reused.id)} was already used for a different ${c.reused.of} (seq ${c.seq})`, difference);
  const m = c.reused.key;
  return `${withDifference(`${m.type} ${JSON.stringify(m.caseId)} at ${JSON.stringify(m.site)} already has a different "${m.milestone}" milestone (seq ${c.seq})`, difference)}; a milestone is posted once`;
}

/**
 * The store's refusal of a write that reuses a stored record's id or pairing key with other content. Its message
 * names no field (what any caller may be told); `conflict` holds the rest, for the edge that knows the caller.
 */
export class StoredContentConflict extends DomainError {
  constructor(
    readonly conflict: StoredConflict,
    path: string,
    at: number,
  ) {
    super('conflict', path, storedConflictMessage(conflict, false), at);
  }
}

/** The refusal of item `at` of a write (its field `path`) that reuses `reused` of `stored` with `sentContent`. */
const storedConflict = (reused: StoredConflict['reused'], path: string, stored: StoredRecord, sentContent: string, at: number): StoredContentConflict =>
  new StoredContentConflict({ reused, seq: stored.seq, site: stored.site, fields: differingFields(stored.content, sentContent) }, path, at);

/** An event id stored before with other content (item `at` of the write). */
export const eventIdConflict = (id: string, stored: StoredRecord, sentContent: string, at: number): StoredContentConflict => storedConflict({ id, of: 'event' }, 'id', stored, sentContent, at);

/** One event id given twice in one batch (items `first` and `index`) with different content. */
export function batchIdConflict(id: string, first: number, index: number, firstContent: string, content: string): string {
  return withDifference(
    `events.${first}.id and events.${index}.id are the same id (${JSON.stringify(id)}) with different content`,
    contentDifference(firstContent, content, [`events.${first}`, `events.${index}`]),
  );
}

/** A milestone's pairing key stored before with other content. */
export const milestoneKeyConflict = (m: MilestoneKey, stored: StoredRecord, sentContent: string, at: number): StoredContentConflict =>
  storedConflict({ key: { type: m.type, site: m.site, caseId: m.caseId, milestone: m.milestone } }, 'milestone', stored, sentContent, at);

/** A milestone id stored before for another milestone. */
export const milestoneIdConflict = (id: string, stored: StoredRecord, sentContent: string, at: number): StoredContentConflict => storedConflict({ id, of: 'milestone' }, 'id', stored, sentContent, at);

/** One milestone (its pairing key) twice in one request (items `first` and `index`) with different content. */
export function requestMilestoneConflict(first: number, index: number, firstContent: string, content: string): string {
  return withDifference(
    `milestones.${first} and milestones.${index} are the same milestone of one case with different content`,
    contentDifference(firstContent, content, [`milestones.${first}`, `milestones.${index}`]),
  );
}
