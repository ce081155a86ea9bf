// The report's chart of one standard: a bar per period (all selected sites), the target of each version as a step
// line over the span it was in force, and a marker where a version takes effect. Labels never share a place: axis
// labels are thinned to fit, markers alternate rows when close, and the targets are named in the legend below.
import type { Period } from './query';
import type { VersionRow } from './reportData';
import { axisName, esc, localTime, pct } from './reportText';

export interface ChartPoint {
  label: string;
  start: number;
  end: number;
  ratio: number | null;
  /** The target the period's figure is checked against (the version in force at its end, as in the tables). */
  target: number | null;
}

const W = 720;
const H = 210;
const PAD = { l: 44, r: 12, t: 26, b: 24 };
const IW = W - PAD.l - PAD.r;
const IH = H - PAD.t - PAD.b;
const y = (v: number) => PAD.t + IH - v * IH;

/** x of an instant: bars are equal-width periods, so an instant is placed by its share of its period. */
function xAt(points: readonly ChartPoint[], ms: number): number | null {
  const bw = IW / Math.max(points.length, 1);
  const i = points.findIndex((p) => ms >= p.start && ms < p.end);
  if (i < 0) return null;
  const p = points[i]!;
  return PAD.l + (i + (ms - p.start) / (p.end - p.start)) * bw;
}

function bars(points: readonly ChartPoint[]): string {
  const bw = IW / Math.max(points.length, 1);
  const showValues = bw >= 44;
  return points
    .map((p, i) => {
      if (p.ratio === null) return `<text x="${(PAD.l + (i + 0.5) * bw).toFixed(1)}" y="${(PAD.t + IH - 4).toFixed(1)}" font-size="8" text-anchor="middle" fill="#888">no data</text>`;
      const x = PAD.l + i * bw + bw * 0.15;
      const colour = p.target === null || p.ratio >= p.target ? '#2e7d32' : '#c62828';
      const value = showValues ? `<text x="${(x + bw * 0.35).toFixed(1)}" y="${(y(p.ratio) + 11).toFixed(1)}" font-size="9" text-anchor="middle" fill="#fff">${esc(pct(p.ratio))}</text>` : '';
      return `<rect x="${x.toFixed(1)}" y="${y(p.ratio).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${(PAD.t + IH - y(p.ratio)).toFixed(1)}" fill="${colour}"><title>${esc(p.label)}: ${esc(pct(p.ratio))}</title></rect>${value}`;
    })
    .join('');
}

function axis(points: readonly ChartPoint[], period: Period): string {
  const bw = IW / Math.max(points.length, 1);
  const names = points.map((p) => axisName(p.label, period));
  const widest = Math.max(...names.map((n) => n.length), 1) * 5.5 + 8;
  const step = Math.max(1, Math.ceil(widest / bw));
  const labels = names
    .map((n, i) => (i % step === 0 ? `<text x="${(PAD.l + (i + 0.5) * bw).toFixed(1)}" y="${H - 8}" font-size="9" text-anchor="middle">${esc(n)}</text>` : ''))
    .join('');
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((g) => `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(g)}" y2="${y(g)}" stroke="#ddd"/><text x="${PAD.l - 4}" y="${y(g) + 3}" font-size="9" text-anchor="end">${g * 100}\u00a0%</text>`)
    .join('');
  return grid + labels;
}

/** Each version's target over the part of the chart it was in force, and a marker with its number where it starts. */
function versionMarks(points: readonly ChartPoint[], versions: readonly VersionRow[], range: { fromMs: number; toMs: number }): string {
  const parts: string[] = [];
  let lastLabelX = -Infinity;
  let row = 0;
  for (const v of versions) {
    const from = Math.max(v.validFromMs ?? -Infinity, range.fromMs);
    const to = Math.min(v.validToMs ?? Infinity, range.toMs);
    if (from >= to) continue;
    const x1 = xAt(points, from) ?? PAD.l;
    const x2 = xAt(points, to) ?? W - PAD.r;
    if (!v.definition.retired) parts.push(`<line x1="${x1.toFixed(1)}" x2="${x2.toFixed(1)}" y1="${y(v.target).toFixed(1)}" y2="${y(v.target).toFixed(1)}" stroke="#1565c0" stroke-width="1.5" stroke-dasharray="5 3"/>`);
    if (v.validFromMs === null || v.validFromMs <= range.fromMs) continue;
    row = x1 - lastLabelX < 70 ? 1 - row : 0;
    lastLabelX = x1;
    const colour = v.retroactive ? '#e65100' : '#6a1b9a';
    parts.push(`<line x1="${x1.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${PAD.t - 2}" y2="${PAD.t + IH}" stroke="${colour}" stroke-width="1.5"/>`);
    parts.push(`<text x="${(x1 + 3).toFixed(1)}" y="${9 + row * 10}" font-size="9" fill="${colour}">v${v.version}${v.retroactive ? ' (retroactive)' : ''}</text>`);
  }
  return parts.join('');
}

/** The legend: one line per version shown, with its name, target and span, so no label sits on the plot. */
function legend(versions: readonly VersionRow[], range: { fromMs: number; toMs: number }, zone: string): string {
  return versions
    .filter((v) => Math.max(v.validFromMs ?? -Infinity, range.fromMs) < Math.min(v.validToMs ?? Infinity, range.toMs))
    .map((v) => {
      const from = v.validFromMs === null || v.validFromMs <= range.fromMs ? 'from the start of the period' : `from ${localTime(v.validFromMs, zone)}`;
      const to = v.validToMs === null || v.validToMs >= range.toMs ? '' : ` until ${localTime(v.validToMs, zone)}`;
      const what = v.definition.retired ? 'retired: judges nothing' : `target ${pct(v.target)}`;
      return `<li>v${v.version} “${esc(v.name)}”, ${esc(what)}, ${esc(from)}${esc(to)}${v.retroactive ? ' <strong class="warn">retroactive</strong>' : ''}</li>`;
    })
    .join('');
}

export function chart(title: string, points: readonly ChartPoint[], versions: readonly VersionRow[], q: { fromMs: number; toMs: number; period: Period; timeZone: string }): string {
  const marks = versionMarks(points, versions, q);
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${axis(points, q.period)}${bars(points)}${marks}</svg>
<figcaption>${esc(title)}. Bars: compliance per period, all selected sites (green: at or above the target of the version in force at the period's end, red: below). Dashed: each version's target while it was in force. Vertical lines: a new version takes effect (orange: created after the date it applies from).<ul class="legend">${legend(versions, q, q.timeZone)}</ul></figcaption></figure>`;
}
