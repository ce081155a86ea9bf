// The services one server runs on, over one store: what the HTTP, live and CLI adapters call.
import type { Store } from '../store/port';
import type { AlertService } from './alerts/evaluation';
import type { AuditService } from './audit';
import type { ClockService } from './clocks';
import type { ComplianceReader } from './compliance';
import type { CorrectionsService } from './corrections';
import type { CustomIntegrations } from './customIntegrations';
import type { ExportService } from './exports';
import type { IngestService } from './ingest/ingest';
import type { KeysService } from './keys';
import type { Leadership } from './leadership';
import type { SitesService } from './sites';
import type { StandardsService } from './standards';
import type { StorageWatch } from './storageWatch';

export interface Core {
  store: Store;
  standards: StandardsService;
  sites: SitesService;
  ingest: IngestService;
  compliance: ComplianceReader;
  corrections: CorrectionsService;
  exports: ExportService;
  audit: AuditService;
  keys: KeysService;
  alerts: AlertService;
  /** Whether this node leads the others on the store (it evaluates alerts and delivers webhooks). */
  leadership: Leadership;
  /** Open cases and their deadlines. */
  clocks: ClockService;
  /** The standards file's custom webhooks (`integrations:`). */
  customIntegrations: CustomIntegrations;
  /** The server's own zone: "today" when no site is asked for. */
  serverZone: () => string;
  /**
   * The id of the key the store's exports are signed with: every node on one store has it (a node with another
   * refuses to start on a shared store), and another store has another, so it names the deployment.
   */
  storeKeyId: string;
  /** Storage outages: said once each, and whether the node is ready (GET /health/ready). */
  storage: StorageWatch;
}
