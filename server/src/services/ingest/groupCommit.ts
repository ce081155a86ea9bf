// Group commit for POST /api/v1/events. With synchronous = FULL every commit is an fsync, and a single-event POST
// would be a whole transaction of its own. Requests whose bodies arrive in the same turn of the event loop are
// written by one ingestMany() call: one transaction, one fsync, each request still all-or-nothing with its own
// answer (the group as one batch of the writer, or a savepoint per request), and nobody is answered before the commit.
import type { IngestService } from './ingest';
import type { IngestOutcome, SiteLimit } from './outcomes';

/** `sites`: the sites the posting key may write (null: every site). */
export type Committer = (items: readonly unknown[], sites?: SiteLimit) => Promise<IngestOutcome>;

/** The longest a group waits for requests its recent groups say are coming (ms). */
const GROUP_HOLD_MS = 1;
/** How many of the last groups' sizes say how large the next one will be. */
const RECENT_GROUPS = 8;

/**
 * Clients that post concurrently (a PBX's lines, a load of N connections) each send their next event as soon as
 * the previous one is answered, so their requests come back over a few hundred µs, not in one turn of the event
 * loop: a group closed at the first turn holds only those that came first, the others make a second commit. A
 * commit costs ~0.3–0.5 ms of CPU whether it holds one request or ten (one WAL frame per b-tree the events touch,
 * and the fsync), so a group smaller than the recent ones waits, at most `holdMs`, for as many requests as the
 * largest of them held. A steady stream of single requests never waits; when a client goes away, at most the next
 * `RECENT_GROUPS` groups wait out the hold.
 */
export function groupCommit(ingest: Pick<IngestService, 'ingestMany'>, holdMs = GROUP_HOLD_MS): Committer {
  let queue: Array<{ items: readonly unknown[]; sites: SiteLimit; resolve: (o: IngestOutcome) => void; reject: (e: unknown) => void }> = [];
  const recent: number[] = [];
  let held: ReturnType<typeof setTimeout> | undefined;
  let closing: ReturnType<typeof setImmediate> | undefined;
  const expected = () => (recent.length === 0 ? 1 : Math.max(...recent));
  const flush = () => {
    clearTimeout(held);
    clearImmediate(closing);
    held = closing = undefined;
    const group = queue;
    queue = [];
    if (recent.push(group.length) > RECENT_GROUPS) recent.shift();
    ingest.ingestMany(group.map((g) => ({ items: g.items, sites: g.sites }))).then(
      (outcomes) => outcomes.forEach((o, i) => (o.kind === 'error' ? group[i]!.reject(o.error) : group[i]!.resolve(o))),
      (error: unknown) => group.forEach((g) => g.reject(error)),
    );
  };
  const due = () => {
    if (queue.length >= expected()) flush();
    else held = setTimeout(flush, holdMs);
  };
  return (items, sites = null) =>
    new Promise((resolve, reject) => {
      const size = queue.push({ items, sites, resolve, reject });
      // setImmediate runs after this turn's I/O callbacks: every request parsed in this turn joins the group.
      if (size === 1) setImmediate(due);
      else if (held !== undefined && closing === undefined && size >= expected()) closing = setImmediate(flush);
    });
}
