/** A client reused an idempotency key for an event with different content. */
export class IdConflictError extends Error {
  constructor(
    /** Position of the offending event in the batch. */
    readonly index: number,
    readonly id: string,
    /**
     * Where the id was used first: an event stored earlier (its seq), or an earlier item of the same batch
     * (its index), which has no seq to name: the refused batch is rolled back and its seqs reused.
     */
    readonly first: { seq: number } | { index: number },
  ) {
    super(
      'seq' in first
        ? `id "${id}" was already used for a different event (seq ${first.seq})`
        : `events.${first.index}.id and events.${index}.id are the same id (${JSON.stringify(id)}) with different content`,
    );
    this.name = 'IdConflictError';
  }
}
