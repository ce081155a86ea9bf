// Exports as a service: each body is built over one snapshot of the store (rows, proof links, chain head and
// retention cutoff agree), the export is written to the audit log, and the body is streamed.
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { problemText } from '../../domain/verify';
import type { Store, StoredStandardVersion } from '../../store/port';
import type { AuditService } from '../audit';
import { ComplianceReader } from '../compliance';
import type { PublicKeyInfo, SigningIdentity } from '../signing';
import type { StandardsService } from '../standards';
import type { TimestampAuthority } from '../timestamps';
import { alertsExport, auditLogExport, complianceExport, periodPieces } from './bodies';
import type { ExportContext } from './context';
import { eventsExport } from './events';
import { incidentsExport } from './incidents';
import { milestonesExport } from './milestones';
import { closedEarly, pacer, streamExport, type ExportBody, type ExportFormat } from './format';
import { auditedRequest, type ExportKind, type ExportQuery } from './query';
import { auditReport, signedReport } from './report';
import { checkRollups, differingRows, disagrees, recounted, type RollupCheck } from './rollupCheck';
import { baseHeader, exportHead } from './context';

/** Who asked for an export: the API key's id and name (`anonymous` and null with --no-auth). */
export interface Requester {
  keyId: string;
  keyName: string | null;
}

export interface ExportServiceOptions {
  serverVersion: string;
  now: () => number;
  /** The instance's identity and the key that signs every manifest. */
  identity: SigningIdentity;
  /** Named in every export (--organisation); null when not configured. */
  organisation: string | null;
  /** The TSA that timestamps every signed manifest (--tsa-url); null: none. */
  timestamps: TimestampAuthority | null;
  /** Where a document whose rollup rows differ from their judgements is logged (an error: they were changed outside Ringside). */
  logger: Pick<Logger, 'error'>;
}

export class ExportService {
  constructor(
    private readonly store: Store,
    private readonly standards: StandardsService,
    private readonly audit: AuditService,
    private readonly options: ExportServiceOptions,
  ) {}

  /**
   * Streams an export to `out`: `started` is called once the export is set up (before the first byte; the HTTP
   * route sends its headers then). The export is in the audit log, by the requester's key id.
   */
  stream(kind: ExportKind, q: ExportQuery, out: Writable, requester: Requester, started: () => void): Promise<void> {
    const gone = closedEarly(out);
    return this.store.snapshot(async (snapshot) => {
      const format = q.format as ExportFormat;
      const body = await this.body(kind, q, await this.context(snapshot, format, q, READS_EVENTS.has(kind), gone), requester);
      await this.logExport(kind, requester.keyId, q);
      started();
      await streamExport(out, format, this.signed(body as ExportBody<unknown>, requester));
    });
  }

  /**
   * The body with who asked, for which organisation and instance, in its first line and manifest, and the manifest
   * signed (with the column names, which the data hash does not cover): editing any row, column name or manifest
   * field breaks the signature.
   */
  private signed<Row>(body: ExportBody<Row>, requester: Requester): ExportBody<Row> {
    const provenance = { requestedBy: requester, organisation: this.options.organisation, instanceId: this.options.identity.instanceId };
    const columns = body.columns.map((c) => c.key);
    return {
      ...body,
      header: { ...body.header, ...provenance },
      manifest: async (done) => this.stamped(this.options.identity.sign({ ...(await body.manifest(done)), ...provenance, columns })),
    };
  }

  /** The signed manifest with a trusted timestamp when a TSA is configured (outside what is signed). */
  private stamped(signed: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.options.timestamps ? this.options.timestamps.stamp(signed) : Promise.resolve(signed);
  }

  /** The key manifests are signed with, and whose: GET /audit/public-key. */
  publicKey(): PublicKeyInfo {
    return this.options.identity.publicKey(this.options.organisation);
  }

  /**
   * The HTML audit report, its signed manifest in a comment after the document (signedReport), and the
   * Content-Security-Policy to serve it with (its inline style allowed by hash). Once `signal` aborts (the client
   * went away), the reads stop with ClientGone.
   */
  report(q: ExportQuery, requester: Requester, signal?: AbortSignal): Promise<{ html: string; contentSecurityPolicy: string }> {
    return this.store.snapshot(async (snapshot) => {
      const ctx = await this.context(snapshot, 'html', q, true, signal);
      await this.logExport('report', requester.keyId, q);
      const provenance = { requestedBy: requester, organisation: this.options.organisation, instanceId: this.options.identity.instanceId };
      const report = await auditReport(q, ctx, this.standards.ids(), this.audit.existingSecret(), { organisation: provenance.organisation, instanceId: provenance.instanceId, requester });
      this.logDisagreement('report', q, requester, report.check);
      const fields = { ...baseHeader('report', q, ctx, ctx.head), period: q.period, reportId: report.reportId, ...provenance };
      return { html: await signedReport(report.html, fields, (m) => this.stamped(this.options.identity.sign(m))), contentSecurityPolicy: report.contentSecurityPolicy };
    });
  }

  /** The export's context; with asOf, its head is that link and its generatedAt the link's time. */
  private async context(snapshot: ExportContext['snapshot'], format: string, q: ExportQuery, readsEvents: boolean, signal: AbortSignal | undefined): Promise<ExportContext> {
    const { head, asOf } = await exportHead(q, snapshot, readsEvents);
    let storedStandards: Promise<StoredStandardVersion[]> | undefined;
    return {
      snapshot, head, asOf, compliance: new ComplianceReader(snapshot, this.standards), storedStandards: () => (storedStandards ??= snapshot.standards.all()),
      serverVersion: this.options.serverVersion, nowMs: asOf?.atMs ?? this.options.now(), format, pace: pacer(signal),
    };
  }

  private async body(kind: ExportKind, q: ExportQuery, ctx: ExportContext, requester: Requester): Promise<ExportBody<unknown[]> | ExportBody<Record<string, unknown>> | ExportBody<unknown>> {
    switch (kind) {
      case 'events':
        return eventsExport(q, ctx);
      case 'milestones':
        return milestonesExport(q, ctx);
      case 'compliance': {
        // Checked before the first line, which says when the rows are recounted.
        const check = await checkRollups(q, ctx, this.standards.ids(), { ranges: periodPieces(q), chainBroken: false });
        this.logDisagreement('compliance', q, requester, check);
        return complianceExport(q, ctx, this.standards.ids(), check);
      }
      case 'incidents':
        return incidentsExport(q, ctx);
      case 'alerts':
        return alertsExport(q, ctx);
      case 'audit-log':
        return auditLogExport(q, ctx);
    }
  }

  /**
   * A document whose rollup rows differ from their judgements, logged as an error: someone changed them outside
   * Ringside, and every other figure read from them (the dashboard, GET /compliance) is wrong until they are repaired.
   */
  private logDisagreement(kind: 'compliance' | 'report', q: ExportQuery, requester: Requester, check: RollupCheck | null): void {
    if (!disagrees(check)) return;
    this.options.logger.error(
      { export: kind, from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), keyId: requester.keyId, rows: differingRows(check), problems: check.problems.length, first: problemText(check.problems[0]) },
      recounted(check)
        ? 'rollup rows differ from their judgements (changed outside Ringside): the document names them and recounts its figures from the judgements; GET /api/v1/audit/verify names every such row'
        : 'rollup rows could not all be checked against their judgements (records changed outside Ringside): the document names the days it could not read and reads its figures from the rollup rows; GET /api/v1/audit/verify names every such record',
    );
  }

  /** The export in the audit log: what was asked, as applied (auditedRequest), the same shape for every kind. */
  private logExport(kind: ExportKind | 'report', keyId: string, q: ExportQuery): Promise<number> {
    return this.store.write((tx) => tx.writes.auditLog({ keyId, action: `export.${kind}`, target: null, details: auditedRequest(kind, q) }));
  }
}

/** The kinds that read events or milestones, which retention deletes (a past head before its cutoff is gone). */
const READS_EVENTS: ReadonlySet<ExportKind> = new Set(['events', 'milestones', 'compliance']);
