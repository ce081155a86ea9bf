// *Today* is the server's day over all sites and a configured site's own day once filtered to it (the report's zone
// either way): where those days, or this device's, differ, the board says whose day each panel shows, and the
// compliance chart, which reads times in this device's zone, says so on its axis and table.
import { afterEach, describe, expect, it } from 'vitest';
import type { ComplianceReport, DashboardRequest, Snapshot } from '../../server/src/protocol';
import { Chart } from '../../webview/src/views/compliance-chart';
import { CALL_STANDARD, NOW, VISIT_STANDARD, answering, complianceReport, fakeTransport, group, hourSeries, msg, settle, snapshot, type ReportOptions } from './fixtures';
import { feed, mount, text, texts, unmountAll } from './mount';

afterEach(unmountAll);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
// This device's day (whatever zone the test runs in): the other days are placed against it.
const now = new Date(NOW);
const MIDNIGHT = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
const NEXT_MIDNIGHT = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
/** This device's offset from UTC at an instant, as the chart names it. */
function offsetAt(ms: number): string {
  const minutes = -new Date(ms).getTimezoneOffset();
  const two = (n: number) => String(n).padStart(2, '0');
  return `UTC${minutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(minutes) / 60))}:${two(Math.abs(minutes) % 60)}`;
}
const offset = offsetAt(MIDNIGHT);

const SITES = [
  { id: 'lon', name: 'Site 1 London' },
  { id: 'syd', name: 'Site 7 Sydney' },
];

/** A report for window=today as the server answers it: the day of `zone` starting `startMs` (as long as this device's), at `site` or all sites. */
function today(zone: string, startMs: number, site: string | null, extra: Partial<ComplianceReport> & Pick<ReportOptions, 'figures'> = {}): ComplianceReport {
  const { figures, ...rest } = extra;
  return { ...complianceReport({ from: iso(startMs), to: iso(startMs + (NEXT_MIDNIGHT - MIDNIGHT)), site, ...(figures ? { figures } : {}) }), window: 'today', timeZone: zone, ...rest };
}

/**
 * A server whose day starts `serverStart` (zone `serverZone`), with Sydney's day 11 hours before this device's and
 * London's the device's own: answers every query for today as the server would.
 */
async function board(serverZone: string, serverStart: number) {
  const days: Record<string, [string, number]> = { syd: ['Australia/Sydney', MIDNIGHT - 11 * HOUR], lon: ['Europe/London', MIDNIGHT] };
  const answer = (request: DashboardRequest): unknown => {
    if (request.kind !== 'compliance') return answering({})(request);
    const site = request.params.site ?? null;
    const [zone, start] = site ? days[site]! : [serverZone, serverStart];
    if (request.params.groupBy === 'site') return today(zone, start, null, { bucket: null, groupBy: 'site', ...groupsOf({ [CALL_STANDARD.id]: [group('syd', 11, 16), group('lon', 95, 100)] }) });
    if (request.params.groupBy === 'agent') return today(zone, start, site, { bucket: null, groupBy: 'agent', ...groupsOf({ [CALL_STANDARD.id]: [group('Priya', 20, 28)] }) });
    return today(zone, start, site, { figures: [[CALL_STANDARD, 25, 35], [VISIT_STANDARD, 9, 10]] });
  };
  const fake = fakeTransport(answer);
  const mounted = mount({ transport: fake.transport });
  const snap: Snapshot = { ...snapshot({ sites: SITES }), todayFrom: iso(serverStart), timeZone: serverZone };
  feed(mounted.dashboard, msg.connection('connected'), msg.snapshot(snap));
  await settle();
  mounted.dashboard.flush();
  const select = async (site: string | null) => {
    mounted.dashboard.dispatch({ type: 'ui/select', selection: { site } });
    await settle();
    mounted.dashboard.flush();
  };
  return { ...mounted, select };
}

function groupsOf(groups: Record<string, ReturnType<typeof group>[]>): Pick<ComplianceReport, 'standards'> {
  return { standards: complianceReport({ groupBy: 'site', bucket: null, groups }).standards };
}

function shown(root: HTMLElement) {
  const panel = root.querySelector<HTMLElement>(`.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"]`)!;
  const chart = Chart.getChart(panel.querySelector('canvas')!)!;
  const { title } = chart.options.scales!['x'] as { title: { display: boolean; text: string } };
  return {
    subtitle: text(root, '.rs-subtitle'),
    tile: text(root, `.rs-tile[data-standard-id="${CALL_STANDARD.id}"] .rs-tile-target`),
    counts: text(root, `.rs-tile[data-standard-id="${CALL_STANDARD.id}"] .rs-tile-counts`),
    sites: text(root, '.rs-sites .rs-panel-meta'),
    chart: text(panel, '.rs-panel-meta'),
    axis: title.display ? title.text : null,
    column: texts(panel, 'thead th')[0],
    label: panel.querySelector('canvas')!.getAttribute('aria-label'),
    // The count tiles, whose number is the server's day over all sites whatever the selection.
    events: text(root, '.rs-tile--events .rs-tile-counts'),
    misses: text(root, '.rs-tile--misses .rs-tile-counts'),
  };
}

describe('whose day *Today* is', () => {
  it('over all sites, the Sites panel names the server’s day; filtered to a site in another zone, every panel names that site’s day', async () => {
    // The server's day is this device's: its tiles read "today" plainly.
    const { root, select } = await board('UTC', MIDNIGHT);
    const all = shown(root);
    expect(all.sites).toBe("today (server's day, UTC) · worst first");
    expect(all.tile).toBe('target 90 % · ≤ 2 rings · today');
    expect(all.subtitle).toBe('Service standards · today');
    expect(all.axis).toBeNull();
    expect(all.column).toBe('Time');
    expect(all.events).toBe('events judged');
    expect(all.misses).toBe('across all standards');

    root.querySelector<HTMLElement>('.rs-bar[data-key="syd"]')!.click();
    await select('syd');
    const sydney = shown(root);
    expect(sydney.counts).toBe('25 / 35 met');
    expect(sydney.tile).toBe('target 90 % · ≤ 2 rings · today in Australia/Sydney · Site 7 Sydney');
    expect(sydney.subtitle).toBe('Service standards · today in Australia/Sydney · Site 7 Sydney');
    expect(sydney.sites).toBe('today in Australia/Sydney · worst first');
    expect(sydney.chart).toContain(' · today in Australia/Sydney · Site 7 Sydney');
    // The chart's times are still this device's, and now say so.
    expect(sydney.axis).toBe(`your time (${offset})`);
    expect(sydney.column).toBe(`Time (your time, ${offset})`);
    expect(sydney.label).toContain(`; times are your time (${offset})`);
    // The count tiles beside them still count the server's day over all sites, and now say whose day that is.
    expect(sydney.events).toBe("events judged today (server's day, UTC) · all sites");
    expect(sydney.misses).toBe("today (server's day, UTC) · all sites, all standards");

    // A site whose day is the server's and this device's reads "today" as before.
    await select('lon');
    const london = shown(root);
    expect(london.tile).toBe('target 90 % · ≤ 2 rings · today · Site 1 London');
    expect(london.sites).toBe('today · worst first');
    expect(london.events).toBe('events judged (all sites)');
    expect(london.misses).toBe('all sites, all standards');
    expect(london.axis).toBeNull();
    expect(london.column).toBe('Time');
  });

  it('names the server’s day everywhere when it is not this device’s, and a site’s day when it is the device’s but not the server’s', async () => {
    const { root, select } = await board('America/New_York', MIDNIGHT + 5 * HOUR);
    const all = shown(root);
    expect(all.tile).toBe("target 90 % · ≤ 2 rings · today (server's day, America/New_York)");
    expect(all.subtitle).toBe("Service standards · today (server's day, America/New_York)");
    expect(all.sites).toBe("today (server's day, America/New_York) · worst first");
    expect(all.axis).toBe(`your time (${offset})`);
    expect(all.events).toBe("events judged today (server's day, America/New_York)");
    expect(all.misses).toBe("today (server's day, America/New_York) · across all standards");

    // London's day is this device's, not the server's: its figures differ from its bar over all sites.
    await select('lon');
    const london = shown(root);
    expect(london.tile).toBe('target 90 % · ≤ 2 rings · today in Europe/London · Site 1 London');
    expect(london.axis).toBeNull();
  });

});

// A range (7 days, 30 days, custom) is the same instants in every zone, but the server places its hour and day
// buckets in the report's zone: a configured site's once filtered to it, else the server's. The chart reads them in
// this device's clock; where that is not the buckets' clock, its heading names whose hours they are and its axis,
// table and label say the times are this device's.
describe('whose hours a range counts by', () => {
  const END = Date.parse(NOW);
  const WEEK = { from: iso(END - 7 * DAY), to: NOW };
  // This device's zone (the browser's), and one whose clock is not this device's over the week.
  const DEVICE_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zoneOffset = (zone: string, ms: number) => new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
  /** The report's `utcOffsets` as the server writes them: its zone's "+11:00" at `from` and at the last instant. */
  const utcOffsets = (zone: string, from: string, to: string) => {
    const iso8601 = (ms: number) => zoneOffset(zone, ms).replace(/^GMT$/, 'GMT+00:00').slice(3);
    return { from: iso8601(Date.parse(from)), to: iso8601(Date.parse(to) - 1) };
  };
  const OTHER_ZONE = ['Australia/Sydney', 'America/New_York'].find((z) => zoneOffset(z, END) !== zoneOffset(DEVICE_ZONE, END))!;
  const weekOffset = offsetAt(END - 7 * DAY) === offsetAt(END - 1) ? offsetAt(END) : `${offsetAt(END - 7 * DAY)} then ${offsetAt(END - 1)}`;

  /** A server in `serverZone` with its sites in `siteZones`, answering every query for the last 7 days (hourly) or a custom range (daily). */
  async function rangeBoard(serverZone: string, siteZones: Record<string, string>) {
    const answer = (request: DashboardRequest): unknown => {
      if (request.kind !== 'compliance') return answering({})(request);
      const site = request.params.site ?? null;
      const zone = site ? siteZones[site]! : serverZone;
      const range = request.params.window === '7d' ? WEEK : { from: request.params.from!, to: request.params.to! };
      const window = request.params.window ?? null;
      if (request.params.groupBy) {
        const bySite = request.params.groupBy === 'site';
        const groups = bySite ? [group('syd', 11, 16), group('lon', 95, 100)] : [group('Priya', 20, 28)];
        return { ...complianceReport({ ...range, site, groupBy: bySite ? 'site' : 'agent', bucket: null, groups: { [CALL_STANDARD.id]: groups } }), window, timeZone: zone, utcOffsets: utcOffsets(zone, range.from, range.to) };
      }
      const bucket = request.params.bucket ?? 'hour';
      return { ...complianceReport({ ...range, site, bucket, figures: [[CALL_STANDARD, 25, 35], [VISIT_STANDARD, 9, 10]], series: { [CALL_STANDARD.id]: hourSeries(24) } }), window, timeZone: zone, utcOffsets: utcOffsets(zone, range.from, range.to) };
    };
    const fake = fakeTransport(answer);
    const mounted = mount({ transport: fake.transport });
    feed(mounted.dashboard, msg.connection('connected'), msg.snapshot({ ...snapshot({ sites: SITES }), todayFrom: iso(MIDNIGHT) }));
    await settle();
    mounted.dashboard.flush();
    const select = async (selection: { window?: '7d' | 'custom'; from?: string; to?: string; site?: string | null }) => {
      mounted.dashboard.dispatch({ type: 'ui/select', selection });
      await settle();
      mounted.dashboard.flush();
    };
    await select({ window: '7d' });
    return { ...mounted, select };
  }

  it('filtered to a site in another zone, the chart names the site’s hours and says its times are this device’s', async () => {
    const { root, select } = await rangeBoard(DEVICE_ZONE, { syd: OTHER_ZONE, lon: DEVICE_ZONE });
    await select({ site: 'syd' });
    const sydney = shown(root);
    expect(sydney.chart).toContain(` · per hour in ${OTHER_ZONE} · last 7 days · Site 7 Sydney`);
    expect(sydney.axis).toBe(`your time (${weekOffset})`);
    expect(sydney.column).toBe(`Time (your time, ${weekOffset})`);
    expect(sydney.label).toContain(`compliance per hour in ${OTHER_ZONE} over last 7 days at Site 7 Sydney;`);
    expect(sydney.label).toContain(`; times are your time (${weekOffset})`);
    // A week's figure is the same instants in every zone: the tiles and the subtitle name no zone.
    expect(sydney.tile).toBe('target 90 % · ≤ 2 rings · last 7 days · Site 7 Sydney');
    expect(sydney.subtitle).toBe('Service standards · last 7 days · Site 7 Sydney');

    // More than 45 days: the site's days, whose midnights this device's clock reads at another hour.
    await select({ window: 'custom', from: iso(END - 60 * DAY), to: NOW });
    const days = shown(root);
    expect(days.chart).toContain(` · per day in ${OTHER_ZONE} · `);
    expect(days.axis).toMatch(/^your time \(UTC[+-]\d\d:\d\d( then UTC[+-]\d\d:\d\d)?\)$/);
  });

  it('says nothing more where this device, the server and the site keep one clock', async () => {
    const { root, select } = await rangeBoard(DEVICE_ZONE, { syd: OTHER_ZONE, lon: DEVICE_ZONE });
    const all = shown(root);
    expect(all.chart).toContain(' · per hour · last 7 days');
    expect(all.axis).toBeNull();
    expect(all.column).toBe('Time');
    expect(all.label).not.toContain('your time');
    expect(all.sites).toBe('last 7 days · worst first');
    await select({ site: 'lon' });
    const london = shown(root);
    expect(london.chart).toContain(' · per hour · last 7 days · Site 1 London');
    expect(london.axis).toBeNull();
    expect(london.column).toBe('Time');
    // The same board's site in another zone is named: the words above are left out, not missing.
    await select({ site: 'syd' });
    expect(shown(root).chart).toContain(` · per hour in ${OTHER_ZONE} · last 7 days · Site 7 Sydney`);
    await select({ site: 'lon' });
    expect(shown(root).axis).toBeNull();
  });

  it('over all sites, names the server’s hours where they are not this device’s', async () => {
    const { root, select } = await rangeBoard(OTHER_ZONE, { syd: DEVICE_ZONE, lon: DEVICE_ZONE });
    const all = shown(root);
    expect(all.chart).toContain(` · per hour (server's clock, ${OTHER_ZONE}) · last 7 days`);
    expect(all.axis).toBe(`your time (${weekOffset})`);
    expect(all.column).toBe(`Time (your time, ${weekOffset})`);
    expect(all.sites).toBe('last 7 days · worst first');
    // The site keeps this device's clock: its hours need no name, though the server's differ.
    await select({ site: 'syd' });
    const sydney = shown(root);
    expect(sydney.chart).toContain(' · per hour · last 7 days · Site 7 Sydney');
    expect(sydney.axis).toBeNull();
  });
});
