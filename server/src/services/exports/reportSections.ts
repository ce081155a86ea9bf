// The audit report's first sections: the cover, the summary per site and standard, each standard's versions with
// who made them and when and what each judged in the period, and the charts.
import { groupKey } from '../../protocol';
import { periodBounds } from './bodies';
import type { ExportQuery } from './query';
import { chart, type ChartPoint } from './reportChart';
import { siteLabel, type ReportData, type VersionRow } from './reportData';
import { esc, localTime, pct, periodName, utcTime, when } from './reportText';

export type ReportRecord = Record<string, unknown>;

export interface CoverFacts {
  organisation: string | null;
  instanceId: string;
  requester: { keyId: string; keyName: string | null };
  serverVersion: string;
  generatedAtMs: number;
  reportId: string;
}


/**
 * A standard as the report names it over a range: the names of the versions in force in it, oldest first ("Calls
 * answered within 2 rings → Calls answered within 3 rings"), never the newest name alone for the whole period.
 */
function standardName(data: ReportData, id: string, range: { fromMs: number; toMs: number }): string {
  const all = data.versions.filter((v) => v.id === id);
  const names = all.filter((v) => !v.definition.retired && Math.max(v.validFromMs ?? -Infinity, range.fromMs) < Math.min(v.validToMs ?? Infinity, range.toMs)).map((v) => v.name);
  const distinct = names.filter((n, i) => names.indexOf(n) === i);
  return distinct.length ? distinct.join(' → ') : (all.at(-1)?.name ?? id);
}

export function coverSection(q: ExportQuery, data: ReportData, facts: CoverFacts, standardIds: readonly string[]): string {
  const sites = data.sites.map((s) => `${esc(siteLabel(data, s.id))}${s.current ? ` <span class="nw">· ${esc(s.current.timeZone)}</span>` : ''}`);
  const standards = standardIds.map((id) => `${esc(standardName(data, id, q))} <span class="nw">(${esc(id)})</span>`);
  const requester = facts.requester.keyName ? `${facts.requester.keyName} (key ${facts.requester.keyId})` : facts.requester.keyId;
  return `<section class="cover"><h1>Service standards audit report</h1>
<p class="org">${esc(facts.organisation ?? 'Organisation not configured (--organisation)')}</p>
<dl class="facts">
<dt>Period</dt><dd>${when(q.fromMs, q.timeZone)} to ${when(q.toMs, q.timeZone)}, end exclusive; periods of one ${esc(q.period)} in ${esc(q.timeZone)}</dd>
<dt>Sites</dt><dd>${sites.length ? sites.join('<br>') : 'none with data'}${q.sites.length ? '' : ' <span class="muted">(all sites)</span>'}</dd>
<dt>Standards</dt><dd>${standards.length ? standards.join('<br>') : 'none with data'}${q.standards.length ? '' : ' <span class="muted">(all standards)</span>'}</dd>
<dt>Prepared by</dt><dd>Ringside instance <code>${esc(facts.instanceId)}</code>${facts.organisation ? ` for ${esc(facts.organisation)}` : ''}</dd>
<dt>Requested by</dt><dd>${esc(requester)}</dd>
<dt>Generated</dt><dd>${when(facts.generatedAtMs, q.timeZone)}</dd>
<dt>Report id</dt><dd><code>${esc(facts.reportId)}</code></dd>
<dt>Software</dt><dd>${esc(`ringside/${facts.serverVersion}`)}</dd>
</dl>
<p class="muted">Contents: 1 Summary · 2 Standards and their versions · 3 Charts · 4 Figures per site and period · 5 Sites and their configuration · 6 Corrections and exclusions · 7 Data timeliness · 8 Methodology · 9 Verification · 10 Sign-off</p></section>`;
}

interface Totals {
  met: number;
  counted: number;
}

/** Per site × standard over the whole period: the figure, the target in force at the end, and periods breached. */
export function summarySection(data: ReportData, records: readonly ReportRecord[], range: { fromMs: number; toMs: number }): string {
  // The pairs themselves, in first-seen order: a key is looked up, never split back (a site may hold a NUL).
  const pairs = new Map(records.map((r) => [groupKey(String(r.site), String(r.standard_id)), [String(r.site), String(r.standard_id)] as const]));
  const rows = [...pairs.values()].map(([site, standardId]) => {
    const mine = records.filter((r) => r.site === site && r.standard_id === standardId);
    const t = mine.reduce<Totals>((a, r) => ({ met: a.met + (r.numerator as number), counted: a.counted + (r.denominator as number) }), { met: 0, counted: 0 });
    const judged = mine.filter((r) => r.met_target !== 'n/a');
    const breached = judged.filter((r) => r.met_target === 'no');
    const target = (mine.at(-1)?.target as number | null) ?? null;
    const ratio = t.counted === 0 ? null : t.met / t.counted;
    const verdict = ratio === null || target === null ? ['n/a', ''] : ratio >= target ? ['met', 'ok'] : ['breached', 'bad'];
    return `<tr><td>${esc(siteLabel(data, site))}</td><td>${esc(standardName(data, standardId, range))}</td><td class="n">${t.met}</td><td class="n">${t.counted}</td><td class="n">${pct(ratio)}</td><td class="n">${pct(target)}</td><td class="${verdict[1]}">${verdict[0]}</td><td class="n">${breached.length} of ${judged.length}</td></tr>`;
  });
  if (rows.length === 0) return '<p>No judged events in this period.</p>';
  return `<table class="summary"><thead><tr><th>Site</th><th>Standard</th><th class="n">Met</th><th class="n">Counted</th><th class="n">Compliance</th><th class="n">Target</th><th>Whole period</th><th class="n">Periods breached</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="note">Target: that of the version in force at the end of the period. Where versions changed within the period, section 2 gives each version's own figures against its own target.</p>`;
}

function versionFigures(data: ReportData, v: VersionRow): string {
  const sums = data.versionSums.filter((r) => r.standardId === v.id && r.version === v.version);
  if (sums.length === 0) return '<span class="muted">judged nothing in this period</span>';
  return sums
    .map((r) => {
      const ratio = r.counted === 0 ? null : r.met / r.counted;
      const verdict = ratio === null ? '' : ratio >= v.target ? ' <span class="ok">met</span>' : ' <span class="bad">breached</span>';
      return `<span class="nw">${esc(siteLabel(data, r.site))}: ${r.met} / ${r.counted} = ${pct(ratio)}${verdict}</span>`;
    })
    .join('<br>');
}

function ruleText(d: Record<string, unknown>): string {
  if (d.retired) return 'retired: judges nothing';
  const short = typeof d.shortAbandonSeconds === 'number' ? `; abandons within ${d.shortAbandonSeconds} s not counted` : '';
  const outside = d.countOutsideHours ? '; counts events outside business hours' : '';
  const text = (v: unknown, fallback: string) => (typeof v === 'string' || typeof v === 'number' ? String(v) : fallback);
  return `${text(d.measure, '?')} ${text(d.operator, '<=')} ${text(d.threshold, '?')}, formula ${text(d.formula, 'F3')}${short}${outside}`;
}

/** Every version of each standard in scope: provenance, validity, its rule, and its own figures in this period. */
export function versionsSection(q: ExportQuery, data: ReportData, standardIds: readonly string[]): string {
  return standardIds
    .map((id) => {
      const rows = data.versions.filter((v) => v.id === id).map((v) => {
        const created = v.createdAtMs ? when(v.createdAtMs, q.timeZone) : '—';
        const from = v.validFromMs === null ? 'the beginning' : when(v.validFromMs, q.timeZone);
        const flag = v.retroactive ? `<br><strong class="warn">Retroactive</strong>: applies from ${esc(localTime(v.validFromMs!, q.timeZone))}, ${Math.round((v.createdAtMs - v.validFromMs!) / 86_400_000)} day(s) before it was created` : '';
        return `<tr><td class="nw">v${v.version}</td><td>${esc(v.name)}<br><span class="muted">${esc(ruleText(v.definition))}</span></td><td class="n">${v.definition.retired ? '—' : pct(v.target)}</td><td>${created}<br><span class="muted">by ${esc(v.createdBy ?? 'the standards file or defaults (no API key)')}</span></td><td>${from}${flag}</td><td>${versionFigures(data, v)}</td></tr>`;
      });
      return `<h3>${esc(standardName(data, id, q))} <small>(${esc(id)})</small></h3>
<table class="versions"><thead><tr><th>Version</th><th>Name and rule</th><th class="n">Target</th><th>Created (by)</th><th>Valid from</th><th>Its figures in this period (met / counted)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
    })
    .join('');
}

/** One chart per standard: all selected sites per period, each version's target and where it takes effect. */
export function chartsSection(q: ExportQuery, data: ReportData, records: readonly ReportRecord[], standardIds: readonly string[]): string {
  const periods = periodBounds(q.fromMs, q.toMs, q.timeZone, q.period);
  // Each standard's rows per period, found once (not by a pass over every row per period: a year of days × rows).
  const byPeriod = new Map<string, ReportRecord[]>();
  for (const x of records) {
    const key = groupKey(String(x.standard_id), String(x.period));
    const rows = byPeriod.get(key);
    if (rows) rows.push(x);
    else byPeriod.set(key, [x]);
  }
  return standardIds
    .map((id) => {
      const points: ChartPoint[] = periods.map((p) => {
        const rows = byPeriod.get(groupKey(id, p.label)) ?? [];
        const met = rows.reduce((a, x) => a + (x.numerator as number), 0);
        const counted = rows.reduce((a, x) => a + (x.denominator as number), 0);
        return { label: p.label, start: Math.max(p.start, q.fromMs), end: Math.min(p.end, q.toMs), ratio: counted === 0 ? null : met / counted, target: (rows[0]?.target as number | null | undefined) ?? null };
      });
      const versions = data.versions.filter((v) => v.id === id);
      const span = versions.filter((v) => Math.max(v.validFromMs ?? -Infinity, q.fromMs) < Math.min(v.validToMs ?? Infinity, q.toMs)).map((v) => `v${v.version}`);
      const title = `${id}: compliance per ${q.period}, ${span.length > 1 ? `versions ${span.join(', ')} (see legend)` : `version ${span[0] ?? '—'}`}`;
      return `<div class="chart"><h3>${esc(standardName(data, id, q))} <small>(${esc(id)})</small></h3>${chart(title, points, versions, q)}</div>`;
    })
    .join('');
}

/**
 * The compliance export's rows, one table per site; its head repeats on every page the table runs onto. The rows'
 * periods are the report's (its zone), not the site's own days, so the head names both zones.
 */
export function siteTablesSection(q: ExportQuery, data: ReportData, records: readonly ReportRecord[]): string {
  return [...new Set(records.map((x) => String(x.site)))]
    .map((site) => {
      const rows = records.filter((x) => x.site === site);
      const zone = data.sites.find((s) => s.id === site)?.current?.timeZone;
      const cells = rows.map(
        (x) =>
          `<tr><td class="nw">${esc(periodName(String(x.period), q.period))}</td><td>${esc(x.standard_id)}</td><td>${esc(x.formula)}</td><td class="n">${esc(x.numerator)}</td><td class="n">${esc(x.denominator)}</td><td class="n">${pct(x.ratio as number | null)}</td><td class="n">${pct(x.target as number | null)}</td><td class="${x.met_target === 'yes' ? 'ok' : x.met_target === 'no' ? 'bad' : ''}">${esc(x.met_target)}</td><td class="nw">${esc(String(x.versions).split(' ').map((v) => `v${v}`).join(' '))}</td><td class="n">${esc(x.voided)}</td><td class="n">${esc(x.amended)}</td></tr>`,
      );
      return `<h3>Site: ${esc(siteLabel(data, site))}</h3><table class="figures"><thead><tr class="running"><th colspan="11">Site: ${esc(siteLabel(data, site))}${zone ? ` · its zone ${esc(zone)}` : ''} · periods in ${esc(q.timeZone)} · ${esc(utcTime(q.fromMs))} – ${esc(utcTime(q.toMs))}</th></tr><tr><th>Period</th><th>Standard</th><th>Formula</th><th class="n">Met</th><th class="n">Counted</th><th class="n">Ratio</th><th class="n">Target</th><th>Met target</th><th>Versions</th><th class="n">Voided</th><th class="n">Amended</th></tr></thead><tbody>${cells.join('')}</tbody></table>`;
    })
    .join('');
}
