/** A problem with one field of one posted event; the HTTP layer turns it into a dotted path. */
export interface ItemProblem {
  /** Position in the batch (0 for a single event). */
  index: number;
  /** Path inside the event, e.g. ['rings']; empty for the event as a whole. */
  path: Array<string | number>;
  message: string;
  /** A stop refused because its case already ended with another (answered as `case-ended`). */
  caseEnded?: true;
}
