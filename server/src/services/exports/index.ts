// Exports as a service: each body is built over one snapshot of the store (rows, proof links, chain head and
// retention cutoff agree), the export is written to the audit log, and the body is streamed.
import type { Writable } from 'node:stream';
import type { Store } from '../../store/port';
import type { AuditService } from '../audit';
import { ComplianceReader } from '../compliance';
import type { StandardsService } from '../standards';
import { alertsExport, auditLogExport, complianceExport } from './bodies';
import type { ExportContext } from './context';
import { eventsExport } from './events';
import { incidentsExport } from './incidents';
import { milestonesExport } from './milestones';
import { streamExport, type ExportBody, type ExportFormat } from './format';
import type { ExportQuery } from './query';
import { auditReport } from './report';

// `alerts` is the alert history before incidents replaced alerts (read-only since migration 10).
export const EXPORT_KINDS = ['events', 'milestones', 'compliance', 'incidents', 'alerts', 'audit-log'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export class ExportService {
  constructor(
    private readonly store: Store,
    private readonly standards: StandardsService,
    private readonly audit: AuditService,
    private readonly serverVersion: string,
    private readonly now: () => number,
  ) {}

  /**
   * Streams an export to `out`: `started` is called once the export is set up (before the first byte; the HTTP
   * route sends its headers then). The export is in the audit log, by `keyId`.
   */
  stream(kind: ExportKind, q: ExportQuery, out: Writable, keyId: string, started: () => void): Promise<void> {
    return this.store.snapshot(async (snapshot) => {
      const format = q.format as ExportFormat;
      const body = await this.body(kind, q, this.context(snapshot, format));
      await this.logExport(kind, keyId, { format, filters: { from: iso(q.fromMs), to: iso(q.toMs), sites: q.sites, standards: q.standards, outcomes: q.outcomes, tz: q.timeZone, period: q.period } });
      started();
      await streamExport(out, format, body as ExportBody<unknown>);
    });
  }

  /** The HTML audit report. */
  report(q: ExportQuery, keyId: string): Promise<string> {
    return this.store.snapshot(async (snapshot) => {
      await this.logExport('report', keyId, { from: iso(q.fromMs), to: iso(q.toMs), sites: q.sites, standards: q.standards, tz: q.timeZone, period: q.period });
      return auditReport(q, this.context(snapshot, 'csv'), this.standards.ids(), this.audit.existingSecret());
    });
  }

  private context(snapshot: ExportContext['snapshot'], format: string): ExportContext {
    return { snapshot, compliance: new ComplianceReader(snapshot, this.standards), serverVersion: this.serverVersion, nowMs: this.now(), format };
  }

  private body(kind: ExportKind, q: ExportQuery, ctx: ExportContext): Promise<ExportBody<unknown[]> | ExportBody<Record<string, unknown>> | ExportBody<unknown>> {
    switch (kind) {
      case 'events':
        return eventsExport(q, ctx);
      case 'milestones':
        return milestonesExport(q, ctx);
      case 'compliance':
        return complianceExport(q, ctx, this.standards.ids());
      case 'incidents':
        return incidentsExport(q, ctx);
      case 'alerts':
        return alertsExport(q, ctx);
      case 'audit-log':
        return auditLogExport(q, ctx);
    }
  }

  private logExport(kind: ExportKind | 'report', keyId: string, details: Record<string, unknown>): Promise<number> {
    return this.store.write((tx) => tx.writes.auditLog({ keyId, action: `export.${kind}`, target: null, details }));
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
