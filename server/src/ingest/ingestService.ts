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
  onStored(listener: StoredListener): () => void;
}

export interface IngestDeps {
  store: Store;
  now?: () => number;
  timeZone?: string;
  /** Listener failures must not turn a stored batch into an error response; they are reported here. */
  onListenerError?: (error: unknown) => void;
}

export function createIngestService(deps: IngestDeps): IngestService {
  const listeners = new Set<StoredListener>();
  const now = deps.now ?? Date.now;
  const timeZone = deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

  function ingest(items: readonly unknown[]): IngestOutcome {
    const validation = validateEvents(items);
    if (!validation.ok) return { kind: 'invalid', problems: validation.problems };
    const standards = deps.store.standards.current();
    const receivedAtMs = now();
    const batch = validation.inputs.map((input) =>
      prepareEvent(input, {
        standards,
        ringCycleSeconds: deps.store.sites.ringCycleSeconds(input.site) ?? DEFAULT_RING_CYCLE_SECONDS,
        timeZone,
        receivedAtMs,
      }),
    );
    let written;
    try {
      written = deps.store.writeBatch(batch);
    } catch (error) {
      if (error instanceof IdConflictError) {
        return { kind: 'conflict', problems: [{ index: error.index, path: ['id'], message: error.message }] };
      }
      throw error;
    }
    notify(written.filter((w) => !w.duplicate).map((w) => w.judged));
    return { kind: 'stored', results: written.map((w) => ({ ...w.judged, id: w.judged.event.id, seq: w.judged.event.seq, duplicate: w.duplicate })) };
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
    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
