// The services over a store in this process, without HTTP: for tests that drive the core directly (random
// properties over many writes, upgrades of old files) and look at the file as an auditor would.
import { defaultSite } from '../../../server/src/domain/sites';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { ComplianceReader } from '../../../server/src/services/compliance';
import { CorrectionsService } from '../../../server/src/services/corrections';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { SitesService } from '../../../server/src/services/sites';
import { StandardsService } from '../../../server/src/services/standards';
import type { Store } from '../../../server/src/store/port';
import { backendFor, storeBackend } from '../../../server/src/storeBackend';
import { verifySnapshot } from '../../../server/src/services/audit';
import type { VerifyResult } from '../../../server/src/domain/verify';
import { databaseUrlOf } from './testServer';

export interface TestCore {
  store: Store;
  standards: StandardsService;
  sites: SitesService;
  ingest: IngestService;
  compliance: ComplianceReader;
  corrections: CorrectionsService;
  close(): Promise<void>;
}

/** `databaseUrl`: a PostgreSQL store (support/postgres.ts testDatabases) instead of the data directory's SQLite file. */
export async function openTestCore(dataDir: string, options: { timeZone?: string; now?: () => number; databaseUrl?: string } = {}): Promise<TestCore> {
  const now = options.now ?? Date.now;
  const store = await backendFor(options.databaseUrl).open({ dataDir, now });
  const standards = await StandardsService.open(store, DEFAULT_STANDARDS, now);
  const timeZone = options.timeZone ?? 'UTC';
  return {
    store,
    standards,
    sites: new SitesService(store, timeZone),
    ingest: new IngestService({ store, standards, now, timeZone, registry: () => standards.eventTypes() }),
    compliance: new ComplianceReader(store.reads, standards),
    corrections: new CorrectionsService(store, (id) => standards.versions(id)),
    close: () => store.close(),
  };
}

/** The chain of a data directory verified as `verify --data` would (read-only, one snapshot). */
export async function verifyDir(dataDir: string, secret: Buffer | null = null): Promise<VerifyResult> {
  const store = await storeBackend.openReadOnly(dataDir);
  try {
    return await store.snapshot((s) => verifySnapshot(s, secret));
  } finally {
    await store.close();
  }
}

/**
 * Stores events as a server before a rule stored them (a site id since refused or normalised): through the preparation
 * ingest uses (judged, their sites by the defaults), past the wire schema and the service's checks, in the store the
 * data directory's test servers open.
 */
export async function storeAsBefore(dataDir: string, events: ReadonlyArray<{ site: string }>): Promise<void> {
  const databaseUrl = await databaseUrlOf(dataDir);
  const core = await openTestCore(dataDir, databaseUrl ? { databaseUrl } : {});
  try {
    const prepared = events.map((e) => prepareEvent(e as never, { standardsAt: (ms) => core.standards.judgingAt(ms), site: defaultSite(e.site, 'UTC'), receivedAtMs: Date.now() }));
    await core.store.write((tx) => tx.writes.events(prepared));
  } finally {
    await core.close();
  }
}
