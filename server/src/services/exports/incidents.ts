// The incidents export: one row per incident change (opened, escalated, de-escalated, recovered, acknowledged) whose
// time is in the range, oldest first. Change rows are append-only, so the export of a past range never changes.
import { liveEvaluation, recordsExport, type ExportContext } from './context';
import type { Column, ExportBody } from './format';
import type { ExportQuery } from './query';

const INCIDENT_COLUMNS: readonly Column[] = [
  { key: 'change_seq', type: 'integer' },
  { key: 'incident_id', type: 'integer' },
  { key: 'change', type: 'text' },
  { key: 'at', type: 'text' },
  { key: 'standard_id', type: 'text' },
  { key: 'site', type: 'text' },
  { key: 'severity', type: 'text' },
  { key: 'previous_severity', type: 'text' },
  { key: 'incident_opened_at', type: 'text' },
  { key: 'by', type: 'text' },
  { key: 'summary', type: 'text' },
  { key: 'detail', type: 'text' },
];

export function incidentsExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<Record<string, unknown>>> {
  const chainHead = ctx.head;
  async function* rows() {
    for await (const r of ctx.snapshot.exports.incidentRows(q)) {
      const c = r.change;
      // Incident changes are not chained: as of a past head, those recorded after its time are left out.
      if (ctx.asOf && Date.parse(c.at) > ctx.asOf.atMs) continue;
      yield {
        change_seq: c.seq,
        incident_id: c.incidentId,
        change: c.kind,
        at: c.at,
        standard_id: r.standardId,
        site: r.site,
        severity: c.severity,
        previous_severity: c.previousSeverity,
        incident_opened_at: new Date(r.openedAtMs).toISOString(),
        by: c.by,
        summary: c.summary,
        // The SRE lines (bands, burn rates) as text: one line per condition.
        detail: c.detail.lines.join('\n'),
      };
    }
  }
  return Promise.resolve(recordsExport('incidents', INCIDENT_COLUMNS, q, ctx, chainHead, rows(), liveEvaluation('incidents')));
}
