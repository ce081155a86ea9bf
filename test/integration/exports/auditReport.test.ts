// The audit report an auditor hands on: a real server with a month of history made on a moving clock (a site
// configured and changed, calls live for two weeks, a void and an amendment, a call outside hours, then a standard
// relaxed on 3 Dec back to 16 Nov and the second half of the month arriving late), read back as HTML (each of those
// is shown), served with a CSP that allows exactly its style, and printed to PDF by real Chromium (A4, no blank
// page, running header and page numbers, the site named on continuation pages).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../vscode/harness/chromium';
import { pdfPages } from '../support/pdfText';
import { testClock, type TestClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { runNode } from '../support/cli';

let server: TestServer;
let clock: TestClock;
let opsKey: string;
let auditKey: string;
let html: string;
let csp: string | null;
let cacheControl: string | null;

const ZONE = 'Europe/Berlin';
const FROM = '2026-11-01T00:00:00+01:00';
const TO = '2026-12-01T00:00:00+01:00';
const WEEKDAYS_LIVE = [2, 3, 4, 5, 6, 9, 10, 11, 12, 13];
// 18 Nov (a Wednesday) has no event although the site is open; 20 Nov is a holiday.
const WEEKDAYS_LATE = [16, 17, 19, 23, 24, 25, 26, 27];
const at = (day: number, hhmm: string) => `2026-11-${String(day).padStart(2, '0')}T${hhmm}:00+01:00`;

async function api(method: string, path: string, key: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(key), 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return JSON.parse(text);
}

/** Posts each call when it happens (plus `lagMs`), moving the server's clock there first. */
async function postAsItHappens(events: Array<Record<string, unknown>>, lagMs: number): Promise<void> {
  for (const e of events) {
    const due = Date.parse(e.occurredAt as string) + lagMs;
    if (due > clock.now()) await clock.skipTo(due);
    expect((await server.postEvents({ events: [e] })).status).toBe(201);
  }
}

const dayCalls = (day: number) => [
  call({ id: `c${day}a`, site: 'harbour', occurredAt: at(day, '10:00'), rings: 1 }),
  call({ id: `c${day}b`, site: 'harbour', occurredAt: at(day, '11:00'), rings: 3 }),
];

async function seedHistory(): Promise<void> {
  opsKey = (await api('POST', '/keys', server.apiKey, { name: 'ops lead', scopes: ['admin'] })).key;
  auditKey = (await api('POST', '/keys', server.apiKey, { name: 'auditor 2026', scopes: ['audit'] })).key;
  await api('POST', '/sites', opsKey, { id: 'harbour', name: 'Harbour Clinic', timeZone: ZONE, ringCycleSeconds: 5, hours: { mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'] }, holidays: [] });
  await postAsItHappens([...dayCalls(2), ...dayCalls(3), call({ id: 'evening', site: 'harbour', occurredAt: at(4, '20:00'), rings: 1 }), ...WEEKDAYS_LIVE.slice(2).flatMap(dayCalls)].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt)), 20_000);
  await api('PUT', '/sites/harbour', opsKey, { name: 'Harbour Clinic', timeZone: ZONE, ringCycleSeconds: 5, hours: { mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'] }, holidays: ['2026-11-20'] });
  await api('POST', '/events/c3b/void', opsKey, { reason: 'test call by the PBX technician' });
  await api('POST', '/events/c5b/amend', opsKey, { reason: 'PBX misreported the rings', changes: { rings: 1 } });
  // 3 Dec: the standard is relaxed to three rings, applying from 16 Nov (nothing after 15 Nov was judged yet).
  await clock.skipTo(Date.parse('2026-12-03T10:00:00+01:00'));
  const current = await api('GET', '/standards/call-answer-2-rings', opsKey);
  await api('PUT', '/standards/call-answer-2-rings', opsKey, { ...current, name: 'Calls answered within 3 rings', threshold: 3, target: 0.8, shortAbandonSeconds: 5, validFrom: at(16, '00:00') });
  // The feed catches up: the second half of November arrives now, after the period ended.
  await clock.skipTo(Date.parse('2026-12-03T10:05:00+01:00'));
  const late = [...WEEKDAYS_LATE.flatMap(dayCalls), call({ id: 'hangup', site: 'harbour', occurredAt: at(17, '12:00'), outcome: 'abandoned', rings: undefined, answerSeconds: 3 })];
  expect((await server.postEvents({ events: late })).status).toBe(201);
}

beforeAll(async () => {
  clock = testClock(Date.parse('2026-10-30T09:00:00Z'));
  server = await startTestServer({ logLevel: 'error', clock, organisation: 'Northwind Clinics' });
  await seedHistory();
  const res = await fetch(`${server.url}/api/v1/export/report?from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}&tz=${ZONE}&period=week&site=harbour`, { headers: adminHeaders(auditKey) });
  expect(res.status).toBe(200);
  html = await res.text();
  csp = res.headers.get('content-security-policy');
  cacheControl = res.headers.get('cache-control');
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

/** The document's visible text, tags removed and entities of the report decoded, whitespace collapsed. */
const text = (part: string) =>
  part.replace(/<[^>]+>/g, ' ').replace(/&nbsp;|\u00a0/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');
const section = (n: number) => text(html.slice(html.indexOf(`<h2>${n}.`), html.indexOf(`<h2>${n + 1}.`) > 0 ? html.indexOf(`<h2>${n + 1}.`) : undefined));

describe('the audit report shows what an auditor asks', () => {
  it('a cover: organisation, scope, period in local time and UTC, preparer, requester, report id, software', () => {
    const cover = text(html.slice(0, html.indexOf('<h2>1.')));
    expect(cover).toContain('Northwind Clinics');
    expect(cover).toContain('Harbour Clinic (harbour) · Europe/Berlin');
    // The standard by the names of both versions in force in the period, not the newest alone.
    expect(cover).toContain('Calls answered within 2 rings → Calls answered within 3 rings (call-answer-2-rings)');
    expect(cover).toContain('1 Nov 2026 00:00 GMT+01:00 (2026-10-31 23:00 UTC) to 1 Dec 2026 00:00 GMT+01:00 (2026-11-30 23:00 UTC)');
    expect(cover).toMatch(/Requested by auditor 2026 \(key [\w-]+\)/);
    expect(cover).toMatch(/Prepared by Ringside instance [0-9a-f-]{36} for Northwind Clinics/);
    expect(cover).toMatch(/Report id [0-9a-f]{16}/);
    expect(cover).toMatch(/Software ringside\/\d/);
  });

  it('the relaxed standard: created 3 Dec by the ops lead, valid from 16 Nov, flagged retroactive, each version with its own figures', () => {
    const versions = section(2);
    expect(versions).toContain('v1 Calls answered within 2 rings');
    expect(versions).toMatch(/v2 Calls answered within 3 rings rings <= 3, formula F3; abandons within 5 s not counted 80\.0 % 3 Dec 2026 10:00 GMT\+01:00 \(2026-12-03 09:00 UTC\) by ops lead \([\w-]+\) 16 Nov 2026 00:00 GMT\+01:00 \(2026-11-15 23:00 UTC\) Retroactive ?: applies from 16 Nov 2026 00:00 GMT\+01:00, 17 day\(s\) before it was created/);
    // v1 judged 2–13 Nov: 20 calls, the void leaves 19 counted, the evening call is not counted; met: 10 + the amended one.
    expect(versions).toContain('Harbour Clinic (harbour): 11 / 19 = 57.8 % breached');
    // v2 judged 16–27 Nov: 16 calls within 3 rings, the short hang-up not counted.
    expect(versions).toContain('Harbour Clinic (harbour): 16 / 16 = 100.0 % met');
  });

  it('the chart marks where v2 takes effect and does not give one threshold for the whole period', () => {
    const charts = html.slice(html.indexOf('<h2>3.'), html.indexOf('<h2>4.'));
    expect(charts).toMatch(/<text[^>]*>v2 \(retroactive\)<\/text>/);
    expect(text(charts)).toContain('call-answer-2-rings: compliance per week, versions v1, v2 (see legend)');
    expect(text(charts)).toContain('v1 “Calls answered within 2 rings”, target 90.0 %, from the start of the period until 16 Nov 2026 00:00 GMT+01:00');
    expect(text(charts)).toContain('v2 “Calls answered within 3 rings”, target 80.0 %, from 16 Nov 2026 00:00 GMT+01:00 retroactive');
    expect(text(charts)).toContain('w/c 16 Nov');
  });

  it('site configuration and its history: name, zone, hours, the holiday added, who changed it', () => {
    const sites = section(5);
    expect(sites).toContain('Harbour Clinic Europe/Berlin mon 08:00-18:00; tue 08:00-18:00; wed 08:00-18:00; thu 08:00-18:00; fri 08:00-18:00; sat closed; sun closed 2026-11-20 5 s');
    expect(sites).toMatch(/created by ops lead \([\w-]+\) Harbour Clinic Europe\/Berlin .* none 5 s/);
    expect(sites).toMatch(/13 Nov 2026 11:00 GMT\+01:00 \(2026-11-13 10:00 UTC\) updated by ops lead/);
  });

  it('the corrections register: before and after, reason, who, when, effect; exclusions counted by reason', () => {
    const register = section(6);
    expect(register).toMatch(/c3b Harbour Clinic \(harbour\), 3 Nov 2026 11:00 GMT\+01:00 \(2026-11-03 10:00 UTC\) void outcome answered rings 3 answerSeconds 10 voided: counts nowhere test call by the PBX technician ops lead \([\w-]+\) 13 Nov 2026 11:00 GMT\+01:00 .* call-answer-2-rings v1: missed → voided \(not counted\)/);
    expect(register).toMatch(/c5b Harbour Clinic \(harbour\), 5 Nov 2026 11:00 GMT\+01:00 \(2026-11-05 10:00 UTC\) amend outcome answered rings 3 answerSeconds 10 rings 1 PBX misreported the rings ops lead .* call-answer-2-rings v1: missed → met/);
    expect(register).toContain('Harbour Clinic (harbour) call-answer-2-rings v1 outside business hours (the site was closed) 1 21');
    expect(register).toContain('Harbour Clinic (harbour) call-answer-2-rings v1 voided by a correction 1 21');
    expect(register).toContain('Harbour Clinic (harbour) call-answer-2-rings v2 short abandon (gave up within the short-abandon or threshold time) 1 17');
  });

  it('timeliness: late arrivals disclosed, the lag distribution, closed days apart from open days without data', () => {
    const timeliness = section(7);
    expect(timeliness).toContain('38 events occurred in the period. 17 of them arrived after the period ended (Harbour Clinic (harbour): 17)');
    expect(timeliness).toMatch(/under 1 minute 21 55\.3 %/);
    expect(timeliness).toMatch(/1 to 7 days 3 7\.9 % over 7 days 14 36\.8 %/);
    expect(timeliness).toContain('20 Nov 2026 closed (holiday) 0');
    expect(timeliness).toContain('14 Nov 2026 closed (no opening hours that weekday) 0');
    expect(timeliness).toContain('18 Nov 2026 open, no events 0');
    expect(timeliness).toContain('10 closed by hours or holidays, 2 open without any event (18 Nov 2026, 30 Nov 2026: no traffic or a feed outage');
  });

  it('methodology, verification and a sign-off block', () => {
    expect(section(8)).toContain('Compliance = the number of met judgements divided by the number of counted judgements');
    expect(section(8)).toContain('The corrected view.');
    expect(section(9)).toContain('intact up to record');
    expect(text(html.slice(html.indexOf('<h2>10.')))).toMatch(/Prepared by.*Reviewed by.*Approved by/);
  });

  it('is served with a CSP that allows its one style by hash, and nothing inline otherwise', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|\sstyle="|<link|src=|href="http/i);
  });

  it('is never cached, as every other export is: its figures and names stay off the browser\'s disk', () => {
    expect(cacheControl).toBe('no-store');
  });

  it('keeps its signed manifest: the offline verifier accepts the file and refuses an edited figure', async () => {
    const dir = join(server.dataDir, 'out');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const key = join(dir, 'key.json');
    writeFileSync(key, JSON.stringify(await (await fetch(`${server.url}/api/v1/audit/public-key`)).json()));
    const script = join(process.cwd(), 'scripts', 'verify-export.mjs');
    const ok = await runNode([script, file, '--public-key', key]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    writeFileSync(file, html.replace('16 / 16 = 100.0', '16 / 15 = 100.0'));
    expect((await runNode([script, file, '--public-key', key])).status).not.toBe(0);
  });

  it('names months as a reader does on the axis ("Nov 2026")', async () => {
    const res = await fetch(`${server.url}/api/v1/export/report?from=${encodeURIComponent('2026-09-01T00:00:00+02:00')}&to=${encodeURIComponent(TO)}&tz=${ZONE}&period=month&site=harbour`, { headers: adminHeaders(auditKey) });
    const monthly = await res.text();
    expect(monthly).toMatch(/<text[^>]*>Nov 2026<\/text>/);
    expect(monthly).toMatch(/<text[^>]*>Sep 2026<\/text>/);
    expect(monthly).not.toMatch(/>\d\d-\d\d<\/text>/);
    // One bar for November, v2's marker inside it at the 16th, and the heading names both versions.
    expect(monthly).toMatch(/<text[^>]*>v2 \(retroactive\)<\/text>/);
    expect(monthly).toContain('<h3>Calls answered within 2 rings → Calls answered within 3 rings <small>(call-answer-2-rings)</small></h3>');
  });
});

describe('printed by Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('prints to A4 with a running header and page numbers on every page, no blank page, the site named on continuation pages', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && refused.push(m.text())));
    // Opened from the server's URL, under its CSP: the style must apply (a refused style prints unstyled).
    await page.route('**/report', (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp! }, body: html }));
    await page.goto(`${server.url}/report`);
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('th')!).backgroundColor)).toBe('rgb(238, 238, 238)');
    expect(refused).toEqual([]);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    const pages = pdfPages(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.length).toBeLessThan(20);
    for (const [i, p] of pages.entries()) {
      expect(p, `page ${i + 1}`).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(p, `page ${i + 1}`).toContain('Northwind Clinics · service standards audit');
      // Beyond the margins (header, footer: 4 lines), a page has a body.
      const body = p.split('\n').filter((line) => line.trim() && !/^(Page \d+ of \d+|Northwind Clinics · service standards audit|Report [0-9a-f]{16}|2026-10-31 23:00 UTC – 2026-11-30 23:00 UTC)$/.test(line.trim()));
      expect(body.length, `page ${i + 1} has a body`).toBeGreaterThan(5);
    }
    expect(pages[0]).toContain('Service standards audit report');
    // The days table runs over a page: its head, naming the site, is printed again on the next.
    const continued = pages.filter((p) => p.includes('Harbour Clinic: days'));
    expect(continued.length).toBeGreaterThanOrEqual(2);
    if (process.env.RINGSIDE_REPORT_IMAGES) await saveImages(browser, page, pages.length);
    await page.close();
  });
});

/**
 * docs/images/report-page-N.png (RINGSIDE_REPORT_IMAGES=1): each printed page alone, rendered by Chromium from a
 * one-page PDF of it (page.pdf's pageRanges), shown in its PDF viewer at the page's size.
 */
async function saveImages(browser: Browser, page: Page, count: number): Promise<void> {
  const dir = join(process.cwd(), 'docs', 'images');
  const viewer = await browser.newPage();
  await viewer.setViewportSize({ width: 900, height: 1240 });
  for (let n = 1; n <= Math.min(count, 3); n += 1) {
    const file = join(server.dataDir, `page-${n}.pdf`);
    writeFileSync(file, await page.pdf({ preferCSSPageSize: true, printBackground: true, pageRanges: String(n) }));
    await viewer.goto(`file://${file}#toolbar=0&view=FitH`);
    // The viewer paints the page some time after it loads and says nothing when done: shoot until the picture stands still.
    let previous: Buffer = Buffer.alloc(0);
    for (let shot = await viewer.screenshot(); !shot.equals(previous) || shot.length < 20_000; shot = await viewer.screenshot()) previous = shot;
    writeFileSync(join(dir, `report-page-${n}.png`), previous);
  }
  await viewer.close();
}
