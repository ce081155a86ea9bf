// A request is stored whole or not at all, even where the writer finds what refuses it after writing the items before.
import type { WriteTx } from '../../store/port';

/** Thrown inside a savepoint to roll back what a request wrote before its refusal was known. */
class Refusal<T> extends Error {
  constructor(readonly outcome: T) {
    super('request refused');
  }
}

/**
 * `write` in a savepoint that is rolled back unless it stored: a refused request keeps nothing, not even what it
 * wrote before the item that refused it (a writer may find a conflict at its n-th record, after writing the others).
 */
export async function allOrNothing<T extends { outcome: { kind: string } }>(tx: WriteTx, write: (part: WriteTx) => Promise<T>): Promise<T> {
  return tx
    .savepoint(async (part) => {
      const written = await write(part);
      if (written.outcome.kind !== 'stored') throw new Refusal(written);
      return written;
    })
    .catch((error: unknown) => {
      if (error instanceof Refusal) return error.outcome as T;
      throw error;
    });
}
