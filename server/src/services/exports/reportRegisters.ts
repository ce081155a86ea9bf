// The audit report's registers: each site's configuration and its chained history, the corrections and what was
// excluded and why, how timely the data arrived (and which days a site was closed rather than silent), the
// methodology, and the sign-off block.
import type { BusinessHours, Site } from '../../protocol';
import { groupKey, WEEKDAYS } from '../../protocol';
import type { ExportQuery } from './query';
import { siteDays, siteLabel, type ReportData, type SiteInfo } from './reportData';
import { dateName, duration, esc, when } from './reportText';

function hoursText(hours: BusinessHours | null): string {
  if (!hours) return 'open around the clock';
  return WEEKDAYS.map((d) => `${d} ${(hours[d] ?? []).join(', ') || 'closed'}`).join('; ');
}

function configCells(site: Site): string {
  const holidays = site.holidays.length ? site.holidays.map((h) => `<span class="nw">${esc(h)}</span>`).join(', ') : 'none';
  return `<td>${esc(site.name)}</td><td class="nw">${esc(site.timeZone)}</td><td>${esc(hoursText(site.hours))}</td><td>${holidays}</td><td class="n">${site.ringCycleSeconds}\u00a0s</td>`;
}

function siteHistoryTable(q: ExportQuery, info: SiteInfo): string {
  const rows = info.history.map((h) => `<tr><td>${when(h.atMs, q.timeZone)}</td><td>${esc(h.change)}<br><span class="muted">by ${esc(h.by ?? (h.change === 'auto-created' ? 'its first event' : 'the sites file (no API key)'))}</span></td>${configCells(h.definition)}</tr>`);
  return `<table class="history"><thead><tr class="running"><th colspan="7">${esc(siteLabel({ sites: [info] }, info.id))}: configuration history</th></tr><tr><th>Changed</th><th>Change (by)</th><th>Name</th><th>Zone</th><th>Business hours (local)</th><th>Holidays</th><th class="n">Ring cycle</th></tr></thead><tbody>${rows.join('') || '<tr><td colspan="7">no recorded history</td></tr>'}</tbody></table>`;
}

export function sitesSection(q: ExportQuery, data: ReportData): string {
  return data.sites
    .map((info) => {
      const now = info.current ? `<table class="config"><thead><tr><th>Name</th><th>Zone</th><th>Business hours (local)</th><th>Holidays</th><th class="n">Ring cycle</th></tr></thead><tbody><tr>${configCells(info.current)}</tr></tbody></table>` : '<p>Not configured: no event or configuration for this site is stored.</p>';
      return `<h3>${esc(info.current?.name ?? info.id)} <small>(${esc(info.id)})</small></h3><p class="note lead">Configuration now:</p>${now}<p class="note lead">Every change, from the chained site history (events are judged with the configuration in force when they happened):</p>${siteHistoryTable(q, info)}`;
    })
    .join('');
}

const VALUES = ['outcome', 'rings', 'answerSeconds', 'greetSeconds'] as const;

export function correctionsSection(q: ExportQuery, data: ReportData): string {
  if (data.corrections.length === 0) return '<p>No event of this period was voided or amended.</p>';
  const rows = data.corrections.map((c) => {
    const e = c.event!;
    const before = VALUES.filter((k) => e[k] !== null && e[k] !== undefined).map((k) => `<span class="nw">${k} ${esc(e[k])}</span>`).join('<br>');
    const after = c.action === 'void' ? 'voided: counts nowhere' : Object.entries(c.changes).map(([k, v]) => `<span class="nw">${esc(k)} ${esc(v)}</span>`).join('<br>');
    const effect = c.inForce ? c.effects.map((f) => `<span class="nw">${esc(f.standardId)} v${f.version}: ${esc(f.before)} → ${esc(f.after)}</span>`).join('<br>') : '<span class="muted">superseded by a later correction</span>';
    return `<tr><td class="n">${c.correctionSeq}</td><td>${esc(e.id)}<br><span class="muted">${esc(siteLabel(data, e.site))}, ${when(e.occurredAtMs, q.timeZone)}</span></td><td>${esc(c.action)}</td><td>${before}</td><td>${after}</td><td>${esc(c.reason)}</td><td>${esc(c.by)}<br>${when(c.atMs, q.timeZone)}</td><td>${effect}</td></tr>`;
  });
  return `<table class="corrections"><thead><tr class="running"><th colspan="8">Corrections register</th></tr><tr><th class="n">No.</th><th>Event</th><th>Action</th><th>Before (as recorded)</th><th>After</th><th>Reason</th><th>By, when</th><th>Effect on the figures (as judged → corrected view)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const REASONS: Record<string, string> = {
  'outside-hours': 'outside business hours (the site was closed)',
  'short-abandon': 'short abandon (gave up within the short-abandon or threshold time)',
  abandoned: 'abandoned call not counted by the formula (F2)',
  left: 'visitor who left, not counted by the formula (F2)',
  voided: 'voided by a correction',
};

export function exclusionsSection(data: ReportData): string {
  if (data.exclusions.length === 0) return '<p>No judgement of this period was excluded: every judged event counted.</p>';
  const rows = [...data.exclusions]
    .sort((a, b) => a.site.localeCompare(b.site) || a.standardId.localeCompare(b.standardId) || a.version - b.version || a.reason.localeCompare(b.reason))
    .map((x) => `<tr><td>${esc(siteLabel(data, x.site))}</td><td>${esc(x.standardId)} v${x.version}</td><td>${esc(REASONS[x.reason] ?? x.reason)}</td><td class="n">${x.count}</td><td class="n">${data.judgements.get(groupKey(x.site, x.standardId, x.version)) ?? 0}</td></tr>`);
  return `<table class="exclusions"><thead><tr class="running"><th colspan="5">Judgements excluded from the figures</th></tr><tr><th>Site</th><th>Standard</th><th>Reason not counted</th><th class="n">Judgements</th><th class="n">Of all judged</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const LAG_BUCKETS: Array<[string, number]> = [
  ['under 1 minute', 60_000],
  ['1 to 15 minutes', 15 * 60_000],
  ['15 minutes to 1 hour', 3_600_000],
  ['1 hour to 1 day', 86_400_000],
  ['1 to 7 days', 7 * 86_400_000],
  ['over 7 days', Infinity],
];

function lagTable(lags: readonly number[]): string {
  let lo = 0;
  const rows = LAG_BUCKETS.map(([name, hi]) => {
    const n = lags.filter((l) => l >= lo && l < hi).length;
    lo = hi;
    return `<tr><td>${name}</td><td class="n">${n}</td><td class="n">${lags.length ? ((100 * n) / lags.length).toFixed(1) : '0.0'}\u00a0%</td></tr>`;
  });
  const at = (p: number) => (lags.length ? duration(lags[Math.min(lags.length - 1, Math.ceil(p * lags.length) - 1)]!) : '—');
  return `<table class="lag"><thead><tr><th>Arrived after it happened (received − occurred)</th><th class="n">Events</th><th class="n">Share</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p>Median ${at(0.5)}, 95th percentile ${at(0.95)}, longest ${lags.length ? duration(lags.at(-1)!) : '—'} (nearest rank, ${lags.length} events).</p>`;
}

function calendar(q: ExportQuery, data: ReportData, info: SiteInfo): string {
  const days = siteDays(q, info, data.timeliness.daysBySite.get(info.id));
  const cells = days.map((d) => {
    const cls = d.state === 'closed' ? (d.events ? 'closed-data' : 'closed') : d.events ? 'data' : 'nodata';
    const what = d.state === 'closed' ? `closed (${d.why})` : d.events ? 'open' : 'open, no events';
    return `<tr class="${cls}"><td class="nw">${esc(dateName(d.date))}</td><td>${esc(what)}</td><td class="n">${d.events}</td></tr>`;
  });
  const silent = days.filter((d) => d.state === 'open' && d.events === 0).map((d) => dateName(d.date));
  const closed = days.filter((d) => d.state === 'closed').length;
  return `<h3>${esc(info.current?.name ?? info.id)} <small>(${esc(info.id)})</small></h3><p>${days.length} days in ${esc(info.current?.timeZone ?? q.timeZone)}: ${closed} closed by hours or holidays, ${silent.length} open without any event${silent.length ? ` (${esc(silent.join(', '))}: no traffic or a feed outage; Ringside cannot tell which)` : ''}.</p>
<table class="days"><thead><tr class="running"><th colspan="3">${esc(info.current?.name ?? info.id)}: days</th></tr><tr><th>Day (local)</th><th>Site</th><th class="n">Events</th></tr></thead><tbody>${cells.join('')}</tbody></table>`;
}

export function timelinessSection(q: ExportQuery, data: ReportData, generatedAtMs: number): string {
  const t = data.timeliness;
  const late = [...t.lateBySite.values()].reduce((a, b) => a + b, 0);
  const lateSites = [...t.lateBySite.entries()].map(([s, n]) => `${esc(siteLabel(data, s))}: ${n}`).join(', ');
  return `<p>${t.events} events occurred in the period. <strong>${late}</strong> of them arrived after the period ended${late ? ` (${lateSites})` : ''}; the figures include every event received up to ${when(generatedAtMs, q.timeZone)}, when this report was generated. An event received later still would change them: a report generated again shows it.</p>
${lagTable(t.lagsMs)}
<p class="note">Closed days (no opening hours that weekday, or a holiday) are shown apart from open days without any event.</p>
${data.sites.map((info) => calendar(q, data, info)).join('')}`;
}

export const METHODOLOGY = `<p><strong>What is judged.</strong> Each event (a call, a visit) is judged when it is stored, by every standard whose scope it is in, with the standard version in force at the moment the event happened (its <em>occurred</em> time), and with the site's business hours and holidays in force then. A judgement records whether it is <em>counted</em> (in the denominator) and whether it <em>met</em> the standard (in the numerator). Events are never judged again: a later version applies only to events that happened on or after its <em>valid from</em> instant and were not yet judged.</p>
<p><strong>The figure.</strong> Compliance = the number of met judgements divided by the number of counted judgements, over the events that happened in the period (by occurred time) at the selected sites. A period (day, week, month) is a calendar period in the report's time zone. A figure meets its target when it is at or above the target of the version in force at the end of the period; section 2 also gives each version's own figure against its own target.</p>
<p><strong>What is not counted.</strong> An event while the site was closed (outside its hours or on a holiday), unless the standard counts such events; an abandon within the short-abandon time (or within the threshold under F4); an abandon under F2; a voided event. Section 6 counts each.</p>
<p><strong>The corrected view.</strong> A correction never edits a record: it is a new chained record. A voided event counts nowhere; an amended event counts with its amended values, judged again by the version that judged it originally. Every figure in this report is in the corrected view; the event export keeps the original records beside their corrections.</p>
<p><strong>Formulas</strong> (A: answered calls or greeted visitors; Ab: abandoned calls or visitors who left; T: the threshold; S: the short-abandon time):</p>`;

export const SIGN_OFF = `<table class="signoff"><thead><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th></tr></thead><tbody>
<tr><td>Prepared by</td><td></td><td></td><td></td></tr><tr><td>Reviewed by</td><td></td><td></td><td></td></tr><tr><td>Approved by</td><td></td><td></td><td></td></tr></tbody></table>
<p class="note">Signing confirms that this report was checked against its signed manifest (section 9) and that the figures were read with the methodology above.</p>`;
