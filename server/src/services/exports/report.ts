// The audit report: one self-contained HTML document — one inline style (allowed by its hash), inline SVG charts
// drawn here on the server, no scripts, no external resources — that prints to A4 from any browser with page
// numbers and a running header. Its figures are the compliance export's; the rest (versions and who made them,
// sites, corrections, exclusions, timeliness) is read from the same snapshot (reportData.ts).
import { createHash } from 'node:crypto';
import { MAX_LISTED_PROBLEMS, problemText, verifyChain, type VerifyResult } from '../../domain/verify';
import type { RetentionNote } from '../../protocol';
import { versionSumsOf, type VersionSums } from '../compliance';
import { COMPLIANCE_COLUMNS, complianceExport, periodPieces } from './bodies';
import { standardVersionsAt, type ExportContext, type Restatements } from './context';
import { correctedJudgements } from './events';
import { csvCell, csvRecords } from './encoders';
import type { ExportQuery } from './query';
import { reportData, type ReportData } from './reportData';
import { correctionsSection, exclusionsSection, METHODOLOGY, SIGN_OFF, sitesSection, timelinessSection } from './reportRegisters';
import { chartsSection, coverSection, siteTablesSection, summarySection, versionsSection, type CoverFacts, type ReportRecord } from './reportSections';
import { reportStyle } from './reportStyle';
import { checkRollups, differingRows, disagrees, recounted, type RollupCheck } from './rollupCheck';
import { esc, utcTime } from './reportText';

const FORMULAS: Record<string, string> = {
  F1: '(A≤T + Ab≤T) / (A + Ab) — abandons inside the threshold count as met',
  F2: 'A≤T / A — abandons are ignored',
  F3: 'A≤T / (A + Ab) — every abandon is a miss (strictest)',
  F4: 'A≤T / (A + Ab>T) — abandons within the threshold are not counted',
  F5: 'A≤T / (A + Ab>S) — F3 once short abandons (waited ≤ S seconds) are excluded',
};

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

/** Who made the report and for whom: the cover's facts that are not in the query. */
export type ReportMeta = Omit<CoverFacts, 'reportId' | 'generatedAtMs' | 'serverVersion'>;

/** The report's HTML and the Content-Security-Policy that lets its one inline style (and nothing else) apply. */
export interface AuditReport {
  html: string;
  contentSecurityPolicy: string;
  /** Printed on the cover and every page; also in the signed manifest. */
  reportId: string;
  /** Its rollup rows against their judgements (null as of a past head). */
  check: RollupCheck | null;
}

export async function auditReport(q: ExportQuery, ctx: ExportContext, allStandardIds: readonly string[], secret: Buffer | null, meta: ReportMeta): Promise<AuditReport> {
  const s = ctx.snapshot;
  const versions = await standardVersionsAt(ctx);
  // The links up to the export's head (a past one with asOf: the chain as it stood then), paced as the rows are.
  const verify = await verifyChain({ links: s.chain.links(ctx.head.seq), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained(), pace: ctx.pace }, secret);
  // The rollup rows its figures are read from, before any is: the periods' and the whole range's (figures per version).
  const check = await checkRollups(q, ctx, allStandardIds, { ranges: [...periodPieces(q), q], chainBroken: !verify.intact });
  const body = await complianceExport(q, { ...ctx, format: 'csv' }, allStandardIds, check);
  const records: ReportRecord[] = [];
  const hash = createHash('sha256');
  for await (const row of body.rows) {
    await ctx.pace();
    const rec = body.toRecord(row);
    records.push(rec);
    hash.update(csvRecords([COMPLIANCE_COLUMNS.map((c) => csvCell(rec[c.key], c.type))]), 'utf8');
  }
  const dataSha256 = hash.digest('hex');
  const manifest = await body.manifest({ rowCount: records.length, dataSha256 });
  const data = await reportData(q, ctx, versions, await versionSums(q, ctx, allStandardIds, recounted(check)));
  const standardIds = [...new Set([...records.map((x) => String(x.standard_id)), ...q.standards])].sort();
  const reportId = createHash('sha256').update(JSON.stringify([meta.instanceId, ctx.nowMs, manifest.filters, q.timeZone, q.period])).digest('hex').slice(0, 16);
  const facts: CoverFacts = { ...meta, serverVersion: ctx.serverVersion, generatedAtMs: ctx.nowMs, reportId };
  const style = reportStyle({ title: `${meta.organisation ?? 'Ringside'} · service standards audit`, period: `${utcTime(q.fromMs)} – ${utcTime(q.toMs)}`, reportId });
  const sections: Sections = {
    cover: coverSection(q, data, facts, standardIds),
    summary: `${recountedText(check, verify)}${summarySection(data, records, q)}`,
    versions: versionsSection(q, data, standardIds),
    charts: chartsSection(q, data, records, standardIds),
    siteTables: siteTablesSection(q, data, records),
    sites: sitesSection(q, data),
    corrections: `${correctionsSection(q, data)}<h3>Exclusions</h3>${exclusionsSection(data)}`,
    timeliness: timelinessSection(q, data, ctx.nowMs),
  };
  return { html: documentHtml(style.css, { records, dataSha256, manifest, verify, check, sections, data }), contentSecurityPolicy: style.contentSecurityPolicy, reportId, check };
}

/**
 * Σmet, Σcounted and the corrections per site × standard × version over the period: from the rollups (from the
 * judgements when `recount`: its rollup rows differ from them), or as of a past head from the judgements in their
 * corrected state then (the rollups hold today's sums), as the compliance rows are.
 */
async function versionSums(q: ExportQuery, ctx: ExportContext, allStandardIds: readonly string[], recount: boolean): Promise<VersionSums[]> {
  const standardIds = q.standards.length ? q.standards : allStandardIds;
  if (!ctx.asOf) return (await ctx.compliance.versionSums({ standardIds, fromMs: q.fromMs, toMs: q.toMs, sites: q.sites }, await ctx.snapshot.audit.horizon(), recount)).rows;
  const wanted = new Set(standardIds);
  const rows: VersionSums[] = [];
  for await (const j of correctedJudgements(q, ctx)) if (wanted.has(j.standardId)) rows.push(j);
  return versionSumsOf(rows);
}

interface Sections {
  cover: string;
  summary: string;
  versions: string;
  charts: string;
  siteTables: string;
  sites: string;
  corrections: string;
  timeliness: string;
}

interface ReportParts {
  records: ReportRecord[];
  dataSha256: string;
  manifest: Record<string, unknown>;
  verify: VerifyResult;
  check: RollupCheck | null;
  sections: Sections;
  data: ReportData;
}

function documentHtml(css: string, { records, dataSha256, manifest, verify, check, sections }: ReportParts): string {
  const filters = manifest.filters as { from: string; to: string };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ringside audit report ${esc(filters.from)} – ${esc(filters.to)}</title>
<meta name="generator" content="${esc(manifest.serverVersion)}"><style>${css}</style></head><body>
${sections.cover}
<h2>1. Summary</h2>${sections.summary}${retentionText(manifest.retention as RetentionNote | undefined)}${restatementsText(manifest.restatements as Restatements | undefined)}<div class="summary-end"></div>
<h2>2. Standards and their versions</h2><p class="note">Each version as created: when and by whom (from the audit log), from when it applies, and what it judged in this period. A version applied from before it was created is marked retroactive.</p>${sections.versions || '<p>No standard in scope.</p>'}
<h2>3. Charts</h2>${sections.charts || '<p>No judged events in this period.</p>'}
<h2>4. Figures per site and period</h2>${sections.siteTables || '<p>No judged events in this period.</p>'}
<h2>5. Sites and their configuration</h2>${sections.sites || '<p>No site in scope.</p>'}
<h2>6. Corrections and exclusions</h2>${sections.corrections}
<h2>7. Data timeliness</h2>${sections.timeliness}
<h2>8. Methodology</h2>${METHODOLOGY}
<table class="formulas"><tbody>${Object.entries(FORMULAS).map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
${verificationHtml(records.length, dataSha256, manifest, verify, check)}
<h2>10. Sign-off</h2>${SIGN_OFF}
</body></html>
`;
}

function verificationHtml(rowCount: number, dataSha256: string, manifest: Record<string, unknown>, verify: VerifyResult, check: RollupCheck | null): string {
  return `<h2>9. Verification</h2>
<dl class="facts"><dt>Rows in the tables</dt><dd>${rowCount}</dd>
<dt>SHA-256 of the rows</dt><dd><code>${dataSha256}</code> — equals <code>dataSha256</code> in the manifest of <code>GET /api/v1/export/compliance?format=csv</code> with the same parameters</dd>
<dt>Standard versions involved</dt><dd>${esc((manifest.standardVersions as string[]).join(', ') || 'none')}</dd>
<dt>Chain head at export</dt><dd>record ${verify.headSeq}, <code>${esc(verify.headHash)}</code></dd>
<dt>Chain verification</dt><dd class="${verify.intact ? 'ok' : 'bad'}">${esc(verify.message)}${verify.pruned ? ` (${verify.pruned} links of pruned events, covered by ${verify.checkpoints} signed checkpoint(s))` : ''}${problemList(verify)}</dd>
${rollupCheckHtml(check)}</dl>
<p>To check independently: this file carries its signed manifest after the document (<code>node scripts/verify-export.mjs THIS-FILE --public-key KEY</code>, the key of <code>GET /api/v1/audit/public-key</code>); export the events of this period (<code>GET /api/v1/export/events?from=…&amp;to=…&amp;format=csv</code>) and run <code>node scripts/verify-export.mjs FILE --public-key KEY --head ${esc(verify.headHash)}</code> (docs/audit.md in the Ringside repository).</p>
<h3>Manifest</h3><pre>${esc(JSON.stringify(manifest, null, 2))}</pre>`;
}

/** What pruning means for this report's figures (docs/audit.md "Retention"). */
function retentionText(note: RetentionNote | undefined): string {
  if (!note) return '';
  const missing = note.missing.length
    ? ` Not included: the events of ${note.missing.map((m) => `${esc(m.from)} to ${esc(m.to)}`).join(', ')} (range edges off the quarter-hour grid before the cutoff; only the raw events had them).`
    : '';
  return `<dl class="facts"><dt>Retention</dt><dd>Raw events before ${esc(note.prunedBefore)} were pruned (retention checkpoint ${note.checkpointSeq}). Figures before that instant are sums of the rollups kept by pruning, voided and amended counts those kept at pruning; the event export no longer has their rows.${missing}</dd></dl>`;
}

/** What was chained after the period ended that touches it (docs/audit.md "Restatements"); nothing when nothing was. */
function restatementsText(r: Restatements | undefined): string {
  if (!r) return '';
  const parts = [
    r.events ? `${r.events} event(s) of the period stored after it ended` : '',
    r.corrections ? `${r.corrections} correction(s) of its events` : '',
    r.standardVersions ? `${r.standardVersions} standard version(s) in force in it, created after it` : '',
  ].filter(Boolean);
  return `<dl class="facts"><dt>Restated</dt><dd>Since chain record ${r.sinceSeq} (the last before the period ended): ${esc(parts.join('; '))}. The figures include them; a copy made when the period ended differs (<code>asOf=${r.sinceSeq}</code> reproduces it).</dd></dl>`;
}

/** What the summary says first when the figures are recounted: prominently, that the rollups disagree, where, and where the rows are named. */
function recountedText(check: RollupCheck | null, verify: VerifyResult): string {
  if (!disagrees(check)) return '';
  if (!recounted(check)) {
    return `<dl class="facts"><dt>Figures not checked</dt><dd class="bad">The judgements of some days of this period could not be read (a record changed outside Ringside), so the rollup rows its figures are read from could not all be checked against them, nor the figures recounted: section 9 names those days and any row that differs.</dd></dl>`;
  }
  const rows = check.problems.length;
  const forged = verify.intact ? '' : ' The chain verification found the chain broken too: the judgements themselves may have been altered (section 9).';
  return `<dl class="facts"><dt>Figures recounted</dt><dd class="bad">${rows} stored rollup row(s) of this period${esc(whereTheyAre(check))} differ from what their judgements give: they were changed outside Ringside, and what reads them (the dashboard, <code>GET /compliance</code>) shows their figures. Every figure in this report is recounted from the judgements instead; section 9 names the rows.${forged}</dd></dl>`;
}

/** The sites and standards of the rows that differ: " (site harbour: call-answer-2-rings; …)". */
function whereTheyAre(check: RollupCheck): string {
  const bySite = new Map<string, Set<string>>();
  for (const p of check.problems) if (p.cell) bySite.set(p.cell.site, (bySite.get(p.cell.site) ?? new Set()).add(p.cell.standardId));
  if (bySite.size === 0) return '';
  return ` (${[...bySite].sort(([a], [b]) => (a < b ? -1 : 1)).map(([site, ids]) => `site ${site}: ${[...ids].sort().join(', ')}`).join('; ')})`;
}

/**
 * The report's own rollup rows against their judgements (rollupCheck.ts): that they agree, or which differ and that
 * the figures are recounted. As of a past head none is read: its figures are recomputed from the judgements.
 */
function rollupCheckHtml(check: RollupCheck | null): string {
  const title = '<dt>Figures against the judgements</dt>';
  if (!check) return `${title}<dd class="ok">recomputed from the judgements as chained up to the head this report is made at (asOf): no rollup row is read</dd>`;
  const where = "rollup row(s) this report's figures are read from (from the retention cutoff on)";
  if (!disagrees(check)) return `${title}<dd class="ok">the ${check.checked} ${where} agree with what their judgements give</dd>`;
  const listed = check.problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `<li>${esc(problemText(p))}</li>`);
  if (check.problems.length > MAX_LISTED_PROBLEMS) listed.push(`<li>… and ${check.problems.length - MAX_LISTED_PROBLEMS} more</li>`);
  const said = recounted(check)
    ? `${check.problems.length} ${where} differ from what their judgements give, so every figure in this report is recounted from the judgements.`
    : `${differingRows(check)} ${where} differ from what their judgements give, and the judgements of some days could not be read, so those days are not checked and the figures are read from the rollup rows, not recounted.`;
  return `${title}<dd class="bad">${said} <code>GET /api/v1/audit/verify</code> and <code>verify --data</code> name every row of the store that differs.<ul>${listed.join('')}</ul></dd>`;
}

/** Every problem the verification found (it checks the whole chain), as a list; nothing when intact. */
function problemList(verify: VerifyResult): string {
  if (verify.problems.length === 0) return '';
  const items = verify.problems.map((p) => `<li>${esc(problemText(p))}</li>`);
  if (verify.moreProblems > 0) items.push(`<li>… and ${verify.moreProblems} more</li>`);
  return `<ul>${items.join('')}</ul>`;
}
