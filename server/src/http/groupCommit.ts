// Group commit for POST /api/v1/events (issue #7). With synchronous = FULL every commit is an fsync, and a
// single-event POST used to be a whole transaction of its own. Requests whose bodies arrive in the same turn of
// the event loop are now written by one ingestMany() call: one transaction, one fsync, each request still
// all-or-nothing (a savepoint) with its own answer, and nobody is answered before the commit.
import type { IngestOutcome, IngestService } from '../ingest/ingestService';

export type Committer = (items: readonly unknown[]) => Promise<IngestOutcome>;

export function groupCommit(ingest: IngestService): Committer {
  let queue: Array<{ items: readonly unknown[]; resolve: (o: IngestOutcome) => void; reject: (e: unknown) => void }> = [];
  const flush = () => {
    const group = queue;
    queue = [];
    let outcomes;
    try {
      outcomes = ingest.ingestMany(group.map((g) => g.items));
    } catch (error) {
      for (const g of group) g.reject(error);
      return;
    }
    outcomes.forEach((o, i) => (o.kind === 'error' ? group[i]!.reject(o.error) : group[i]!.resolve(o)));
  };
  return (items) =>
    new Promise((resolve, reject) => {
      // setImmediate runs after this turn's I/O callbacks: every request parsed in this turn joins the group.
      if (queue.push({ items, resolve, reject }) === 1) setImmediate(flush);
    });
}
