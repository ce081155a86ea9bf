// A gate on the store's reads of events after a seq (what a live replay reads), for tests that need a replay held
// mid-way: vi.mock the SQLite events module with withHeldEventReads, and set `held` to hold every such read.
import type { eventsReads } from '../../../server/src/store/sqlite/events';

export interface ReadGate {
  /** While set, each read of events after a seq counts itself in `reads` and waits for it. */
  held: Promise<void> | null;
  reads: number;
  /** The held reads that threw once let through (a store closed under them). */
  failures: unknown[];
  /** Settles once the latest held read has. */
  done: Promise<void> | null;
}

export const readGate = (): ReadGate => ({ held: null, reads: 0, failures: [], done: null });

/** The SQLite events module with its reads of events after a seq held at `gate`. */
export function withHeldEventReads<M extends { eventsReads: typeof eventsReads }>(original: M, gate: ReadGate): M {
  return {
    ...original,
    eventsReads: (...args: Parameters<typeof eventsReads>) => {
      const reads = original.eventsReads(...args);
      return {
        ...reads,
        async after(afterSeq: number, limit: number) {
          if (!gate.held) return reads.after(afterSeq, limit);
          gate.reads += 1;
          let finished!: () => void;
          gate.done = new Promise<void>((resolve) => (finished = resolve));
          try {
            await gate.held;
            return await reads.after(afterSeq, limit);
          } catch (error) {
            gate.failures.push(error);
            throw error;
          } finally {
            finished();
          }
        },
      };
    },
  };
}
