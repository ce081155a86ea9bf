/** A client reused an idempotency key for an event with different content. */
export class IdConflictError extends Error {
  constructor(
    /** Position of the offending event in the batch. */
    readonly index: number,
    readonly id: string,
    readonly existingSeq: number,
  ) {
    super(`id "${id}" was already used for a different event (seq ${existingSeq})`);
    this.name = 'IdConflictError';
  }
}
