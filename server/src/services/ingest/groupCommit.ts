// Group commit for POST /api/v1/events. With synchronous = FULL every commit is an fsync, and a single-event POST
// would be a whole transaction of its own. Requests whose bodies arrive in the same turn of the event loop are
// written by one ingestMany() call: one transaction, one fsync, each request still all-or-nothing with its own
// answer (the group as one batch of the writer, or a savepoint per request), and nobody is answered before the commit.
import type { IngestService } from './ingest';
import type { IngestOutcome, SiteLimit } from './outcomes';

/** `sites`: the sites the posting key may write (null: every site). */
export type Committer = (items: readonly unknown[], sites?: SiteLimit) => Promise<IngestOutcome>;

export function groupCommit(ingest: IngestService): Committer {
  let queue: Array<{ items: readonly unknown[]; sites: SiteLimit; resolve: (o: IngestOutcome) => void; reject: (e: unknown) => void }> = [];
  const flush = () => {
    const group = queue;
    queue = [];
    ingest.ingestMany(group.map((g) => ({ items: g.items, sites: g.sites }))).then(
      (outcomes) => outcomes.forEach((o, i) => (o.kind === 'error' ? group[i]!.reject(o.error) : group[i]!.resolve(o))),
      (error: unknown) => group.forEach((g) => g.reject(error)),
    );
  };
  return (items, sites = null) =>
    new Promise((resolve, reject) => {
      // setImmediate runs after this turn's I/O callbacks: every request parsed in this turn joins the group.
      if (queue.push({ items, sites, resolve, reject }) === 1) setImmediate(flush);
    });
}
