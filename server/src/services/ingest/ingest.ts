// The one way events get in (HTTP and the demo both use it): validate → judge → store → notify.
import type { IngestResult, JudgedEvent } from '../../protocol';
import { isDomainError } from '../../domain/errors';
import { defaultSite } from '../../domain/sites';
import type { Store, WriteTx } from '../../store/port';
import type { StandardsService } from '../standards';
import type { ItemProblem } from './itemProblem';
import { prepareEvent } from './prepare';
import { validateEvents } from './validate';

export type IngestOutcome =
  | { kind: 'stored'; results: IngestResult[] }
  | { kind: 'invalid'; problems: ItemProblem[] }
  | { kind: 'conflict'; problems: ItemProblem[] };

/** Called right after a write commits, with the newly stored events, oldest first. */
export type StoredListener = (stored: JudgedEvent[]) => void;

export interface IngestDeps {
  store: Store;
  standards: StandardsService;
  now?: () => number;
  /** Zone of sites created on first sight (default: the server's). */
  timeZone?: string;
  /** Refuse events of sites that are not configured (400 naming `site`) instead of creating them. */
  rejectUnknownSites?: boolean;
  /** Listener failures must not turn a stored batch into an error response; they are reported here. */
  onListenerError?: (error: unknown) => void;
}

export class IngestService {
  private readonly listeners = new Set<StoredListener>();
  private readonly now: () => number;
  private readonly timeZone: string;

  constructor(private readonly deps: IngestDeps) {
    this.now = deps.now ?? Date.now;
    this.timeZone = deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  /** One request, all-or-nothing, in a write of its own. */
  async ingest(items: readonly unknown[]): Promise<IngestOutcome> {
    const outcome = (await this.ingestMany([items]))[0]!;
    if (outcome.kind === 'error') throw outcome.error;
    return outcome;
  }

  /**
   * Group commit: several requests in ONE write, so one commit (one fsync) for all of them; each request stays
   * all-or-nothing on its own (a savepoint). Listeners hear once, after the commit, with everything stored, oldest
   * first. A request whose write fails with anything but an id conflict gets `{ kind: 'error' }` (its savepoint is
   * rolled back, the others go on); a failed commit throws for all.
   */
  async ingestMany(requests: readonly (readonly unknown[])[]): Promise<Array<IngestOutcome | { kind: 'error'; error: unknown }>> {
    return this.deps.store.write(async (tx) => {
      const outcomes: Array<IngestOutcome | { kind: 'error'; error: unknown }> = [];
      const stored: JudgedEvent[] = [];
      for (const items of requests) {
        try {
          const r = await tx.savepoint((part) => this.write(part, items));
          outcomes.push(r.outcome);
          stored.push(...r.stored);
        } catch (error) {
          outcomes.push({ kind: 'error', error });
        }
      }
      tx.onCommit(() => this.notify(stored));
      return outcomes;
    });
  }

  onStored(listener: StoredListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validate, judge and write one request inside `tx`; no notification. */
  private async write(tx: WriteTx, items: readonly unknown[]): Promise<{ outcome: IngestOutcome; stored: JudgedEvent[] }> {
    const validation = validateEvents(items, this.now());
    if (!validation.ok) return { outcome: { kind: 'invalid', problems: validation.problems }, stored: [] };
    const receivedAtMs = this.now();
    // Each event is judged by the standard versions in force when it happened, with its site's configuration (or
    // the defaults an unknown site is created with, unless unknown sites are refused). One lookup per site and
    // request, inside the write: nothing changes a site between its lookup and the events' judgement.
    const sites = new Map<string, Awaited<ReturnType<WriteTx['sites']['get']>>>();
    for (const input of validation.inputs) if (!sites.has(input.site)) sites.set(input.site, await tx.sites.get(input.site));
    const known = (name: string) => {
      const site = sites.get(name);
      return site && !site.retired ? site : undefined;
    };
    if (this.deps.rejectUnknownSites) {
      const problems = validation.inputs.flatMap((input, index) =>
        known(input.site) ? [] : [{ index, path: ['site'], message: `unknown site "${input.site}"; this server refuses unknown sites (configure it in the standards file or POST /api/v1/sites)` }],
      );
      if (problems.length > 0) return { outcome: { kind: 'invalid', problems }, stored: [] };
    }
    const batch = validation.inputs.map((input) =>
      prepareEvent(input, { standardsAt: (ms) => this.deps.standards.inForceAt(ms), site: known(input.site) ?? defaultSite(input.site, this.timeZone), receivedAtMs }),
    );
    let written;
    try {
      written = await tx.writes.events(batch);
    } catch (error) {
      if (isDomainError(error) && error.kind === 'conflict' && error.at !== undefined) {
        return { outcome: { kind: 'conflict', problems: [{ index: error.at, path: ['id'], message: error.message }] }, stored: [] };
      }
      throw error;
    }
    return {
      outcome: { kind: 'stored', results: written.map((w) => ({ ...w.judged, id: w.judged.event.id, seq: w.judged.event.seq, duplicate: w.duplicate })) },
      stored: written.filter((w) => !w.duplicate).map((w) => w.judged),
    };
  }

  private notify(stored: JudgedEvent[]): void {
    if (stored.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(stored);
      } catch (error) {
        this.deps.onListenerError?.(error);
      }
    }
  }
}
