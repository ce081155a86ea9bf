// The one way events get in (HTTP and the demo both use it): validate → prepare → store → notify.
import type { IngestResult, JudgedEvent } from '../protocol';
import { DEFAULT_RING_CYCLE_SECONDS } from '../domain/cadence';
import { IdConflictError } from '../store/errors';
import type { Store } from '../store/store';
import type { ItemProblem } from './itemProblem';
import { prepareEvent } from './prepareEvent';
import { validateEvents } from './validateEvents';

export type IngestOutcome =
  | { kind: 'stored'; results: IngestResult[] }
  | { kind: 'invalid'; problems: ItemProblem[] }
  | { kind: 'conflict'; problems: ItemProblem[] };

/** Called synchronously right after a batch commits, with the newly stored events, oldest first. */
export type StoredListener = (stored: JudgedEvent[]) => void;

export interface IngestService {
  ingest(items: readonly unknown[]): IngestOutcome;
  /**
   * Issue #7 (group commit): several requests in ONE transaction, so one commit (one fsync) for all of them; each
   * request stays all-or-nothing on its own (its batch is a savepoint). Listeners hear once, after the commit,
   * with everything stored, oldest first. A request whose write fails with anything but an id conflict gets
   * `{ kind: 'error' }` (its savepoint is rolled back, the others go on); a failed commit throws for all.
   */
  ingestMany(requests: readonly (readonly unknown[])[]): Array<IngestOutcome | { kind: 'error'; error: unknown }>;
  onStored(listener: StoredListener): () => void;
}

export interface IngestDeps {
  store: Store;
  now?: () => number;
  timeZone?: string;
  /** Refuse events of sites that are not configured (400 naming `site`) instead of creating them. */
  rejectUnknownSites?: boolean;
  /** Listener failures must not turn a stored batch into an error response; they are reported here. */
  onListenerError?: (error: unknown) => void;
}

export function createIngestService(deps: IngestDeps): IngestService {
  const listeners = new Set<StoredListener>();
  const now = deps.now ?? Date.now;
  const timeZone = deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

  function ingest(items: readonly unknown[]): IngestOutcome {
    const { outcome, stored } = write(items);
    notify(stored);
    return outcome;
  }

  function ingestMany(requests: readonly (readonly unknown[])[]): Array<IngestOutcome | { kind: 'error'; error: unknown }> {
    const outcomes: Array<IngestOutcome | { kind: 'error'; error: unknown }> = [];
    const stored: JudgedEvent[] = [];
    deps.store.transaction(() => {
      for (const items of requests) {
        try {
          const r = write(items);
          outcomes.push(r.outcome);
          stored.push(...r.stored);
        } catch (error) {
          outcomes.push({ kind: 'error', error });
        }
      }
    });
    notify(stored);
    return outcomes;
  }

  /** Validate, judge and write one request (a transaction, or a savepoint inside ingestMany's); no notification. */
  function write(items: readonly unknown[]): { outcome: IngestOutcome; stored: JudgedEvent[] } {
    const validation = validateEvents(items, now());
    if (!validation.ok) return { outcome: { kind: 'invalid', problems: validation.problems }, stored: [] };
    const receivedAtMs = now();
    // Issue #3: each event is judged by the standard versions in force when it happened, with its site's
    // configuration (or the defaults an unknown site is created with, unless unknown sites are refused).
    // One lookup per site and request, not per event (a batch names a few sites many times; nothing changes a
    // site while this synchronous request is handled).
    const seen = new Map<string, ReturnType<Store['sites']['get']>>();
    const siteOf = (name: string) => (seen.has(name) ? seen.get(name) : seen.set(name, deps.store.sites.get(name)).get(name));
    const sites = validation.inputs.map((input) => siteOf(input.site));
    if (deps.rejectUnknownSites) {
      const problems = sites.flatMap((site, index) =>
        site ? [] : [{ index, path: ['site'], message: `unknown site "${validation.inputs[index]!.site}"; this server refuses unknown sites (configure it in the standards file or POST /api/v1/sites)` }],
      );
      if (problems.length > 0) return { outcome: { kind: 'invalid', problems }, stored: [] };
    }
    const batch = validation.inputs.map((input, index) =>
      prepareEvent(input, {
        standardsAt: (ms) => deps.store.standards.inForceAt(ms),
        site: sites[index] ?? { ...deps.store.sites.defaults(input.site), timeZone, ringCycleSeconds: DEFAULT_RING_CYCLE_SECONDS },
        receivedAtMs,
      }),
    );
    let written;
    try {
      written = deps.store.writeBatch(batch);
    } catch (error) {
      if (error instanceof IdConflictError) {
        return { outcome: { kind: 'conflict', problems: [{ index: error.index, path: ['id'], message: error.message }] }, stored: [] };
      }
      throw error;
    }
    return {
      outcome: { kind: 'stored', results: written.map((w) => ({ ...w.judged, id: w.judged.event.id, seq: w.judged.event.seq, duplicate: w.duplicate })) },
      stored: written.filter((w) => !w.duplicate).map((w) => w.judged),
    };
  }

  function notify(stored: JudgedEvent[]): void {
    if (stored.length === 0) return;
    for (const listener of listeners) {
      try {
        listener(stored);
      } catch (error) {
        deps.onListenerError?.(error);
      }
    }
  }

  return {
    ingest,
    ingestMany,
    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
