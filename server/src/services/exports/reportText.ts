// How the audit report writes text: HTML escaping, instants in local time with their UTC, period names a reader
// recognises ("Nov 2026"), numbers that never wrap.
import { localParts } from '../../domain/zonedTime';
import { formatPercent } from '../../protocol';
import type { Period } from './query';

/** A report cell's text: scalars as they print, anything structured as JSON, nothing for null. */
const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? v.toString() : JSON.stringify(v);

export const esc = (v: unknown): string =>
  cellText(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-16" → "16 Nov 2026". */
export function dateName(date: string): string {
  const [y, m, d] = date.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1]} ${y}`;
}

/** A period's label from the compliance export ("2026-11", "week of 2026-11-02", "2026-11-03") as a reader says it. */
export function periodName(label: string, period: Period): string {
  if (period === 'month') return `${MONTHS[Number(label.slice(5, 7)) - 1]} ${label.slice(0, 4)}`;
  if (period === 'week') return `week of ${dateName(label.slice('week of '.length))}`;
  return dateName(label);
}

/** The same, short enough for a chart's axis: "Nov 2026", "2 Nov", "w/c 2 Nov". */
export function axisName(label: string, period: Period): string {
  if (period === 'month') return periodName(label, period);
  const name = dateName(period === 'week' ? label.slice('week of '.length) : label).replace(/ \d{4}$/, '');
  return period === 'week' ? `w/c ${name}` : name;
}

/** "16 Nov 2026 00:00 GMT" in `zone`. */
export function localTime(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${dateName(p.date)} ${p.time.slice(0, 5)} ${p.offset}`;
}

/** "2026-11-16 00:00 UTC". */
export const utcTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** An instant for the report: local time, then UTC, neither broken across lines. */
export const when = (ms: number, zone: string): string => `<span class="nw">${esc(localTime(ms, zone))}</span> <span class="nw utc">(${esc(utcTime(ms))})</span>`;

/** A ratio as a percentage, kept on one line. */
export const pct = (ratio: number | null): string => formatPercent(ratio).replace(' ', '\u00a0');

/** A duration in the largest unit that reads well: "42 s", "7 min", "3.5 h", "2.1 d". */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)}\u00a0s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}\u00a0min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)}\u00a0h`;
  return `${(s / 86400).toFixed(1)}\u00a0d`;
}

/** A CSS string literal of any text (the running header): every character that could end or break it escaped. */
export const cssString = (text: string): string => `"${text.replace(/[^\w .,:;()@/+-]/gu, (c) => `\\${c.codePointAt(0)!.toString(16)} `)}"`;
