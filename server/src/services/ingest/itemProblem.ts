import { StoredContentConflict, type StoredConflict } from '../../domain/contentConflicts';
import type { DomainError } from '../../domain/errors';

/** A problem with one field of one posted event; the HTTP layer turns it into a dotted path. */
export interface ItemProblem {
  /** Position in the batch (0 for a single event). */
  index: number;
  /** Path inside the event, e.g. ['rings']; empty for the event as a whole. */
  path: Array<string | number>;
  /** What any caller may be told. */
  message: string;
  /** A stop, or an event's outcome, refused because its case already ended with another stop (answered as `case-ended`). */
  caseEnded?: true;
  /**
   * A conflict with a stored record: the edge that knows the caller names its differing fields to a key that may
   * read it (http/caller.ts itemMessage); `message` names none.
   */
  stored?: StoredConflict;
}

/** The problem of item `index` that the store's conflict (at its field) refused. */
export function conflictProblem(index: number, error: DomainError): ItemProblem {
  return { index, path: [error.path], message: error.message, ...(error instanceof StoredContentConflict ? { stored: error.conflict } : {}) };
}
