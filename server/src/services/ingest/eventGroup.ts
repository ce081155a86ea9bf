// The requests of a group commit (groupCommit.ts) in one write: as one batch of the store's writer where that answers
// each request as it would be answered alone, else each in a savepoint of its own.
import type { JudgedEvent } from '../../protocol';
import { isUnavailable } from '../../domain/errors';
import type { SiteRecord, WriteOutcome, WriteTx } from '../../store/port';
import { allOrNothing } from './allOrNothing';
import type { IngestContext } from './context';
import { prepareEvents, resultOf, writeEvents, type Checked, type Prepared, type SitesOf } from './events';
import type { GroupOutcome, IngestOutcome } from './outcomes';
import { includesCaseTwins } from './siteCase';

/** Writes the group's checked requests, each all-or-nothing on its own, in request order. */
export async function writeGroup(ctx: IngestContext, tx: WriteTx, requests: readonly Checked[]): Promise<{ outcomes: GroupOutcome[]; stored: JudgedEvent[] }> {
  return (await writeMerged(ctx, tx, requests)) ?? (await writeEach(ctx, tx, requests));
}

/** `tx`'s sites, each read at most once: for a group whose sites no write changes until all are read. */
function groupSites(tx: WriteTx): SitesOf {
  const seen = new Map<string, SiteRecord | undefined>();
  return async (names) => {
    const missing = names.filter((name) => !seen.has(name));
    if (missing.length > 0) {
      const found = await tx.sites.getMany(missing);
      for (const name of missing) seen.set(name, found.get(name));
    }
    const sites = new Map<string, SiteRecord>();
    for (const name of names) {
      const site = seen.get(name);
      if (site) sites.set(name, site);
    }
    return sites;
  };
}

/** Each request in a savepoint of its own, one after the other. */
async function writeEach(ctx: IngestContext, tx: WriteTx, requests: readonly Checked[]): Promise<{ outcomes: GroupOutcome[]; stored: JudgedEvent[] }> {
  const outcomes: GroupOutcome[] = [];
  const stored: JudgedEvent[] = [];
  for (const request of requests) {
    try {
      const r = await allOrNothing(tx, (part) => writeEvents(ctx, part, request));
      outcomes.push(r.outcome);
      stored.push(...r.stored);
    } catch (error) {
      if (isUnavailable(error)) throw error;
      outcomes.push({ kind: 'error', error });
    }
  }
  return { outcomes, stored };
}

/**
 * The requests of a group as ONE batch of the store's writer (per group: one savepoint, one site upsert per site,
 * one fold of the rollups, instead of one of each per request), each request's answer its own slice of it. The
 * same records in the same order as `writeEach` would write; a request refused before the write (invalid, a site
 * its key may not write) is answered on its own. Null, with nothing written, where the requests could answer
 * differently written one by one: an event that closes a case (a later request may end the same case), or any
 * failure of the batch (an id conflict: `writeEach` then names the request at fault).
 */
async function writeMerged(ctx: IngestContext, tx: WriteTx, requests: readonly Checked[]): Promise<{ outcomes: IngestOutcome[]; stored: JudgedEvent[] } | null> {
  if (requests.length < 2) return null;
  const outcomes: IngestOutcome[] = [];
  const parts: Array<{ at: number; prepared: Extract<Prepared, { ok: true }> }> = [];
  // Nothing in the group writes a site before every request is prepared, so each site is read once for the group
  // (concurrent POSTs mostly come from the same few sites), not once per request.
  const sitesOf = groupSites(tx);
  for (const request of requests) {
    const prepared = await prepareEvents(ctx, tx, request, 'refuse', 'start', sitesOf).catch(() => null);
    if (!prepared) return null;
    if (!prepared.ok) outcomes.push(prepared.outcome);
    else if (prepared.inputs.some(({ input }) => input.caseId !== undefined)) return null;
    else parts.push({ at: outcomes.push({ kind: 'stored', results: [] }) - 1, prepared });
  }
  if (parts.length < 2) return null;
  // Each request was checked against the sites stored before the group: two of them creating sites that differ only
  // in letter case are written one by one, so the later is refused as it would be after the earlier.
  if (parts.some((p) => p.prepared.createdSites.length > 0) && includesCaseTwins(parts.flatMap((p) => p.prepared.createdSites))) return null;
  let written: WriteOutcome[];
  try {
    written = await tx.savepoint((part) => part.writes.events(parts.flatMap((p) => p.prepared.batch)));
  } catch (error) {
    if (isUnavailable(error)) throw error;
    return null;
  }
  const stored: JudgedEvent[] = [];
  let from = 0;
  for (const { at, prepared } of parts) {
    const own = written.slice(from, (from += prepared.batch.length));
    outcomes[at] = { kind: 'stored', results: own.map(resultOf) };
    for (const w of own) if (!w.duplicate) stored.push(w.judged);
  }
  return { outcomes, stored };
}
