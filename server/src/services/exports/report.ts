// The audit report: one self-contained HTML document — inline CSS, inline SVG charts drawn here on the server, no
// scripts, no external resources — printable to PDF from any browser. Its figures are the compliance export's.
import { createHash } from 'node:crypto';
import { problemText, verifyChain, type VerifyResult } from '../../domain/verify';
import { formatPercent as pct, type RetentionNote } from '../../protocol';
import { COMPLIANCE_COLUMNS, complianceExport, periodBounds } from './bodies';
import { standardVersionsAt, type ExportContext, type Restatements } from './context';
import { csvCell, csvRecords } from './format';
import type { ExportQuery } from './query';

const FORMULAS: Record<string, string> = {
  F1: '(A≤T + Ab≤T) / (A + Ab) — abandons inside the threshold count as met',
  F2: 'A≤T / A — abandons are ignored',
  F3: 'A≤T / (A + Ab) — every abandon is a miss (strictest)',
  F4: 'A≤T / (A + Ab>T) — abandons within the threshold are not counted',
  F5: 'A≤T / (A + Ab>S) — F3 once short abandons (waited ≤ S seconds) are excluded',
};

/** A report cell's text: scalars as they print, anything structured as JSON, nothing for null. */
const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? v.toString() : JSON.stringify(v);

const esc = (v: unknown) =>
  cellText(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function chart(title: string, points: Array<{ label: string; ratio: number | null }>, target: number): string {
  const w = 720;
  const h = 200;
  const pad = { l: 44, r: 10, t: 10, b: 34 };
  const iw = w - pad.l - pad.r;
  const ih = h - pad.t - pad.b;
  const n = Math.max(points.length, 1);
  const bw = iw / n;
  const y = (v: number) => pad.t + ih - v * ih;
  const bars = points
    .map((p, i) => {
      if (p.ratio === null) return '';
      const x = pad.l + i * bw + bw * 0.15;
      const colour = p.ratio >= target ? '#2e7d32' : '#c62828';
      return `<rect x="${x.toFixed(1)}" y="${y(p.ratio).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${(ih - (y(p.ratio) - pad.t)).toFixed(1)}" fill="${colour}"><title>${esc(p.label)}: ${pct(p.ratio)}</title></rect>`;
    })
    .join('');
  const step = Math.ceil(n / 12);
  const labels = points
    .map((p, i) => (i % step === 0 ? `<text x="${(pad.l + i * bw + bw / 2).toFixed(1)}" y="${h - 18}" font-size="9" text-anchor="middle">${esc(p.label.slice(-5))}</text>` : ''))
    .join('');
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((g) => `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(g)}" y2="${y(g)}" stroke="#ddd"/><text x="${pad.l - 4}" y="${y(g) + 3}" font-size="9" text-anchor="end">${g * 100}%</text>`)
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="${esc(title)}">${grid}${bars}
    <line x1="${pad.l}" x2="${w - pad.r}" y1="${y(target)}" y2="${y(target)}" stroke="#1565c0" stroke-dasharray="5 3"/>
    <text x="${w - pad.r}" y="${y(target) - 3}" font-size="9" text-anchor="end" fill="#1565c0">target ${pct(target)}</text>${labels}</svg>
    <figcaption>${esc(title)} — bars: compliance per period (green = target met, red = missed), dashed: target</figcaption></figure>`;
}

/** Where the report's manifest starts: the comment after the document, on a line of its own. */
const MANIFEST_MARK = '<!-- ringside-manifest ';

/**
 * The report with its signed manifest appended as an HTML comment: `documentSha256` is the SHA-256 of the UTF-8 of
 * everything before the comment, so editing any figure, name or the chain data printed in it breaks the signature
 * (scripts/verify-export.mjs checks a report like an export). "--" cannot appear in a comment: the JSON writes it
 * as "-\u002d", which reads back the same.
 */
export async function signedReport(html: string, fields: Record<string, unknown>, sign: (m: Record<string, unknown>) => Promise<Record<string, unknown>>): Promise<string> {
  const documentSha256 = createHash('sha256').update(html, 'utf8').digest('hex');
  const manifest = await sign({ ...fields, documentSha256, documentHashCovers: 'SHA-256 of the UTF-8 bytes of the file before the ringside-manifest comment' });
  return `${html}${MANIFEST_MARK}${JSON.stringify(manifest).replaceAll('--', '-\\u002d')} -->\n`;
}

type ReportRecord = Record<string, unknown>;
type Versions = Awaited<ReturnType<typeof standardVersionsAt>>;

export async function auditReport(q: ExportQuery, ctx: ExportContext, allStandardIds: readonly string[], secret: Buffer | null): Promise<string> {
  const s = ctx.snapshot;
  const versions = await standardVersionsAt(ctx);
  const body = await complianceExport(q, { ...ctx, format: 'csv' }, allStandardIds);
  const records: ReportRecord[] = [];
  const hash = createHash('sha256');
  for await (const row of body.rows) {
    const rec = body.toRecord(row);
    records.push(rec);
    hash.update(csvRecords([COMPLIANCE_COLUMNS.map((c) => csvCell(rec[c.key], c.type))]), 'utf8');
  }
  const dataSha256 = hash.digest('hex');
  const manifest = await body.manifest({ rowCount: records.length, dataSha256 });
  const verify = await verifyChain({ links: linksUpTo(s.chain.links(), ctx.head.seq), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained() }, secret);
  const standardIds = [...new Set(records.map((x) => String(x.standard_id)))].sort();
  const sections = {
    charts: chartsSection(q, records, standardIds, versions),
    siteTables: siteTablesSection(records),
    standards: standardsSection(q, standardIds, versions),
  };
  return documentHtml(q, { records, dataSha256, manifest, verify, sections });
}

/** The links up to the export's head (a past one with asOf: the chain as it stood then). */
async function* linksUpTo<T extends { seq: number }>(links: AsyncIterable<T>, head: number): AsyncGenerator<T> {
  for await (const l of links) {
    if (l.seq > head) return;
    yield l;
  }
}

/** All selected sites together, per period, per standard: the table rows summed over sites. */
function chartsSection(q: ExportQuery, records: ReportRecord[], standardIds: string[], versions: Versions): string {
  const periods = periodBounds(q.fromMs, q.toMs, q.timeZone, q.period);
  return standardIds
    .map((id) => {
      const v = [...versions].reverse().find((x) => x.id === id);
      const points = periods.map((p) => {
        const rows = records.filter((x) => x.standard_id === id && x.period === p.label);
        const met = rows.reduce((a, x) => a + (x.numerator as number), 0);
        const counted = rows.reduce((a, x) => a + (x.denominator as number), 0);
        return { label: p.label, ratio: counted === 0 ? null : met / counted };
      });
      return `<h3>${esc(v?.name ?? id)} <small>(${esc(id)})</small></h3>${chart(`${v?.name ?? id}, all selected sites`, points, v?.target ?? 0.9)}`;
    })
    .join('');
}

function siteTablesSection(records: ReportRecord[]): string {
  return [...new Set(records.map((x) => String(x.site)))]
    .sort()
    .map((site) => {
      const rows = records.filter((x) => x.site === site);
      return `<h3>Site: ${esc(site)}</h3><table><thead><tr><th>Period</th><th>Standard</th><th>Formula</th><th class="n">Numerator</th><th class="n">Denominator</th><th class="n">Ratio</th><th class="n">Target</th><th>Met target</th><th>Versions</th><th class="n">Voided</th><th class="n">Amended</th></tr></thead><tbody>${rows
        .map(
          (x) =>
            `<tr><td>${esc(x.period)}</td><td>${esc(x.standard_id)}</td><td>${esc(x.formula)}</td><td class="n">${esc(x.numerator)}</td><td class="n">${esc(x.denominator)}</td><td class="n">${pct(x.ratio as number | null)}</td><td class="n">${pct(x.target as number | null)}</td><td class="${x.met_target === 'yes' ? 'ok' : x.met_target === 'no' ? 'bad' : ''}">${esc(x.met_target)}</td><td>${esc(x.versions)}</td><td class="n">${esc(x.voided)}</td><td class="n">${esc(x.amended)}</td></tr>`,
        )
        .join('')}</tbody></table>`;
    })
    .join('');
}

function standardsSection(q: ExportQuery, standardIds: string[], versions: Versions): string {
  return [...new Set(versions.map((v) => v.id))]
    .filter((id) => standardIds.length === 0 || standardIds.includes(id) || q.standards.includes(id))
    .map((id) => {
      const list = versions.filter((v) => v.id === id);
      return `<h3>${esc(list.at(-1)!.name)} <small>(${esc(id)})</small></h3><table><thead><tr><th>Version</th><th>Valid from</th><th>Formula</th><th>Rule</th><th>Target</th><th>Definition (as judged with)</th></tr></thead><tbody>${list
        .map((v) => {
          const d = v.definition;
          return `<tr><td>${v.version}${d.retired ? ' (retired)' : ''}</td><td>${v.validFromMs === null ? 'the beginning' : new Date(v.validFromMs).toISOString()}</td><td>${esc(v.formula)}</td><td>${esc(d.measure)} ${esc(d.operator)} ${esc(d.threshold)}${d.shortAbandonSeconds ? `, short abandon ≤ ${esc(d.shortAbandonSeconds)} s` : ''}</td><td>${pct(v.target)}</td><td><pre>${esc(JSON.stringify(d, null, 2))}</pre></td></tr>`;
        })
        .join('')}</tbody></table>`;
    })
    .join('');
}

const CSS = `body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;border-bottom:2px solid #333;padding-bottom:2px;margin-top:28px}h3{font-size:14px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:12px}th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
pre{margin:0;font-size:10px;white-space:pre-wrap;word-break:break-all}code{font-size:11px;word-break:break-all}figure{margin:0 0 10px}figcaption{font-size:11px;color:#555}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}`;

interface ReportParts {
  records: ReportRecord[];
  dataSha256: string;
  manifest: Record<string, unknown>;
  verify: VerifyResult;
  sections: { charts: string; siteTables: string; standards: string };
}

function documentHtml(q: ExportQuery, { records, dataSha256, manifest, verify, sections }: ReportParts): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ringside audit report ${esc(manifest.filters && (manifest.filters as { from: string }).from)} – ${esc((manifest.filters as { to: string }).to)}</title>
<meta name="generator" content="${esc(manifest.serverVersion)}"><style>${CSS}</style></head><body>
<h1>Ringside audit report</h1>
<dl><dt>Period</dt><dd>${esc(new Date(q.fromMs).toISOString())} to ${esc(new Date(q.toMs).toISOString())} (end exclusive), in periods of one ${esc(q.period)} in ${esc(q.timeZone)}</dd>
<dt>Sites</dt><dd>${q.sites.length ? esc(q.sites.join(', ')) : 'all'}</dd><dt>Standards</dt><dd>${q.standards.length ? esc(q.standards.join(', ')) : 'all'}</dd>
<dt>Generated</dt><dd>${esc(manifest.generatedAt)} by ${esc(manifest.serverVersion)}</dd>${retentionText(manifest.retention as RetentionNote | undefined)}${restatementsText(manifest.restatements as Restatements | undefined)}</dl>
<p>Figures use the corrected view: voided events are excluded and amended events count with their re-judged values; the original records stay in the event export. Each figure is Σmet / Σcounted of the judgements recorded when the events were judged, by the standard version then in force.</p>
<h2>1. Charts</h2>${sections.charts || '<p>No judged events in this period.</p>'}
<h2>2. Per-site figures</h2>${sections.siteTables || '<p>No judged events in this period.</p>'}
<h2>3. Standards and their versions</h2>${sections.standards}
<h2>4. Formula definitions</h2><p>A = answered calls / greeted visitors, Ab = abandoned calls / visitors who left, T = the standard's threshold, S = the short-abandon threshold. Events outside a site's business hours are not counted unless the standard says so.</p>
<table><tbody>${Object.entries(FORMULAS).map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
<h2>5. Verification data</h2>
<dl><dt>Rows in the tables</dt><dd>${records.length}</dd>
<dt>SHA-256 of the rows</dt><dd><code>${dataSha256}</code> — equals <code>dataSha256</code> in the manifest of <code>GET /api/v1/export/compliance?format=csv</code> with the same parameters</dd>
<dt>Standard versions involved</dt><dd>${esc((manifest.standardVersions as string[]).join(', ') || 'none')}</dd>
<dt>Chain head at export</dt><dd>record ${verify.headSeq}, <code>${esc(verify.headHash)}</code></dd>
<dt>Chain verification</dt><dd class="${verify.intact ? 'ok' : 'bad'}">${esc(verify.message)}${verify.pruned ? ` (${verify.pruned} links of pruned events, covered by ${verify.checkpoints} signed checkpoint(s))` : ''}${problemList(verify)}</dd></dl>
<p>To check independently: this file carries its signed manifest after the document (<code>node scripts/verify-export.mjs THIS-FILE --public-key KEY</code>, the key of <code>GET /api/v1/audit/public-key</code>); export the events of this period (<code>GET /api/v1/export/events?from=…&amp;to=…&amp;format=csv</code>) and run <code>node scripts/verify-export.mjs FILE --public-key KEY --head ${esc(verify.headHash)}</code> (docs/audit.md in the Ringside repository).</p>
<h3>Manifest</h3><pre>${esc(JSON.stringify(manifest, null, 2))}</pre>
</body></html>
`;
}

/** What pruning means for this report's figures (docs/audit.md "Retention"). */
function retentionText(note: RetentionNote | undefined): string {
  if (!note) return '';
  const missing = note.missing.length
    ? ` Not included: the events of ${note.missing.map((m) => `${esc(m.from)} to ${esc(m.to)}`).join(', ')} (range edges off the quarter-hour grid before the cutoff; only the raw events had them).`
    : '';
  return `<dt>Retention</dt><dd>Raw events before ${esc(note.prunedBefore)} were pruned (retention checkpoint ${note.checkpointSeq}). Figures before that instant are sums of the rollups kept by pruning, voided and amended counts those kept at pruning; the event export no longer has their rows.${missing}</dd>`;
}

/** What was chained after the period ended that touches it (docs/audit.md "Restatements"); nothing when nothing was. */
function restatementsText(r: Restatements | undefined): string {
  if (!r) return '';
  const parts = [
    r.events ? `${r.events} event(s) of the period stored after it ended` : '',
    r.corrections ? `${r.corrections} correction(s) of its events` : '',
    r.standardVersions ? `${r.standardVersions} standard version(s) in force in it, created after it` : '',
  ].filter(Boolean);
  return `<dt>Restated</dt><dd>Since chain record ${r.sinceSeq} (the last before the period ended): ${esc(parts.join('; '))}. The figures include them; a copy made when the period ended differs (<code>asOf=${r.sinceSeq}</code> reproduces it).</dd>`;
}

/** Every problem the verification found (it checks the whole chain), as a list; nothing when intact. */
function problemList(verify: VerifyResult): string {
  if (verify.problems.length === 0) return '';
  const items = verify.problems.map((p) => `<li>${esc(problemText(p))}</li>`);
  if (verify.moreProblems > 0) items.push(`<li>… and ${verify.moreProblems} more</li>`);
  return `<ul>${items.join('')}</ul>`;
}
