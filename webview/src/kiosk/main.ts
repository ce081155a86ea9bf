// Bundle entry (dist/kiosk.js) of the reception kiosk served at /kiosk?site=SITE. The link printed by `keys create
// --site` carries the desk's key after '#' (never sent to the server in the address); the page keeps it on the
// device and takes it out of the address bar. Everything the desk does is saved on the device first (desk.ts) and
// sent when the network lets it (sender.ts); a service worker keeps the page itself available offline.
import type { KioskSetup } from '@ringside/server/protocol';
import { countNoun } from '@ringside/server/protocol/pure';
import { arrive, deskMilestones, finish, parseDesk, settled, tapWords, VISIT_MILESTONES, wireMilestones, withoutExpired, type DeskState } from './desk';
import { Sender, type SendStatus } from './sender';
import { createKioskView, type KioskView } from './view';

const API = 'api/v1/';
const TICK_MS = 1000;
/**
 * How often a running kiosk reads the server's clock again (from GET /kiosk). Not at every reach check: each reading
 * is the midpoint of one round trip, so reading it every 30 seconds would step the timers back and forth by up to
 * half a slow answer's time; a tablet's clock drifts far less in 10 minutes.
 */
const CLOCK_REFRESH_MS = 10 * 60_000;
/**
 * How often the kiosk makes sure the server is still there and still takes its key, and reads its setup again (GET
 * /kiosk): the page holds no connection open, so without it a quiet desk would say Online long after the server
 * went or the key was revoked or expired, until a visitor's tap failed, and would time visitors for minutes against a
 * standard the dashboard no longer judges by.
 */
const REACH_CHECK_MS = 30_000;
/**
 * How long a request to the server may take before the kiosk counts the server unreachable: a server switched off
 * behind a network that drops its packets leaves a connection attempt hanging for minutes, not refused at once.
 */
const REACH_TIMEOUT_MS = 10_000;
const LAST_SITE = 'ringside-kiosk:site';
const saved = (what: 'key' | 'desk' | 'setup' | 'offset', site: string) => `ringside-kiosk:${what}:${site}`;

interface Kiosk {
  site: string;
  key: string | null;
  desk: DeskState;
  setup: KioskSetup | null;
  /** Server time minus device time, from the last setup fetched that read the clock. */
  offsetMs: number;
  /** Whether offsetMs was read from the server since the page opened. */
  clockRead: boolean;
  view: KioskView;
  sender: Sender;
  /**
   * The line says the key or the site is refused (or the key missing): final for this tablet, so being offline does
   * not replace it.
   */
  refused: boolean;
  /**
   * Why the server refused the key, while the line says so; null otherwise. The line counts the taps kept on the
   * tablet, and nothing is sent any more to say it again: each tap redraws it with the new count.
   */
  keyRefusal: string | null;
  /** The line says Offline. */
  offline: boolean;
  /** A reach check is on its way: the next waits for it rather than pile up behind a hanging one. */
  checking: boolean;
}

/** A random id (crypto.randomUUID needs a secure context; a tablet on plain HTTP in a LAN has none). */
function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The site from the address, else the one this device last served (an installed kiosk starts at plain /kiosk). */
function siteFromAddress(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('site')?.trim();
  const site = fromUrl || localStorage.getItem(LAST_SITE);
  if (!site) return null;
  localStorage.setItem(LAST_SITE, site);
  const key = /(?:^#|&)key=([^&]+)/.exec(location.hash)?.[1];
  if (key) localStorage.setItem(saved('key', site), decodeURIComponent(key));
  if (!fromUrl || key) history.replaceState(null, '', `${location.pathname}?site=${encodeURIComponent(site)}`);
  return site;
}

/**
 * The desk as saved now. Every change starts from it, not from what this page last held: the kiosk link opened again on
 * the same tablet (a second tab, the home-screen app beside the browser) shares the saved desk, and a change made from
 * a page's own older copy would write the other page's visitors and queued taps out of it.
 */
function current(kiosk: Kiosk): DeskState {
  kiosk.desk = parseDesk(localStorage.getItem(saved('desk', kiosk.site)));
  return kiosk.desk;
}

function save(kiosk: Kiosk, desk: DeskState): void {
  localStorage.setItem(saved('desk', kiosk.site), JSON.stringify(desk));
  show(kiosk, desk);
}

function show(kiosk: Kiosk, desk: DeskState): void {
  kiosk.desk = desk;
  kiosk.view.render(desk);
  if (kiosk.keyRefusal !== null) kiosk.view.setStatus('refused', refusedKeyText(kiosk.keyRefusal, desk.outbox.length));
  tick(kiosk);
}

function tick(kiosk: Kiosk): void {
  const now = Date.now() + kiosk.offsetMs;
  // A visitor the server has closed as expired leaves the list, as their case leaves the dashboard's open clocks.
  const maxOpen = kiosk.setup?.eventType.maxOpenSeconds;
  if (maxOpen !== undefined && withoutExpired(kiosk.desk, now, maxOpen) !== kiosk.desk) return save(kiosk, withoutExpired(current(kiosk), now, maxOpen));
  kiosk.view.tick(kiosk.desk, kiosk.setup?.standards ?? [], now);
}

/** The milestones of the desk's visit type: the built-in visit's until the server has said. */
function milestonesOf(kiosk: Kiosk) {
  return kiosk.setup ? deskMilestones(kiosk.setup.eventType) : VISIT_MILESTONES;
}

function tap(kiosk: Kiosk) {
  return { site: kiosk.site, milestones: milestonesOf(kiosk), id: randomId('m-'), atMs: Date.now() + kiosk.offsetMs };
}

/** The site's zone, whose days number the visitors; the tablet's own until a server that names it has answered. */
function siteZone(kiosk: Kiosk): string {
  return kiosk.setup?.site.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function showStatus(kiosk: Kiosk, status: SendStatus): void {
  const waiting = kiosk.desk.outbox.length;
  if (status.kind === 'refused-key') {
    kiosk.refused = true;
    kiosk.keyRefusal = status.detail;
  }
  kiosk.offline = status.kind === 'offline';
  if (status.kind === 'sent') kiosk.view.setStatus('sent', 'Online · everything sent');
  else if (status.kind === 'offline') kiosk.view.setStatus('offline', `Offline · ${waiting} saved on this tablet, sent when the network returns`);
  else if (status.kind === 'refused-key') kiosk.view.setStatus('refused', refusedKeyText(status.detail, waiting));
  else kiosk.view.setStatus('dropped', `The server refused ${tapWords(status.milestone, milestonesOf(kiosk))}: ${status.detail}`);
}

/**
 * A refused key is final for this tablet: only a new link helps, which the person at the desk cannot make, so the
 * line says whom to ask and that the taps are not lost meanwhile.
 */
function refusedKeyText(detail: string, waiting: number): string {
  const kept = waiting > 0 ? ` ${waiting} ${countNoun(waiting, 'tap is', 'taps are')} saved on this tablet until then.` : '';
  return `The server refused this kiosk's key: ${detail}. Ask an administrator for a new kiosk link and open it on this tablet.${kept}`;
}

/**
 * The server refused the kiosk's site: final for this tablet, like a refused key (only a link with the right site
 * helps), so sending stops and the line says what the server said, its "did you mean", and whom to ask.
 */
function refuseSite(kiosk: Kiosk, body: unknown): void {
  const problem = body as { detail?: unknown; errors?: Array<{ path?: unknown; message?: unknown }> } | null;
  const named = problem?.errors?.find((e) => e.path === 'site')?.message;
  const why = typeof named === 'string' ? named : typeof problem?.detail === 'string' ? problem.detail : 'HTTP 400';
  kiosk.refused = true;
  kiosk.sender.stop();
  kiosk.view.setStatus('refused', `The server refused this kiosk's site "${kiosk.site}": ${why}. Ask an administrator for a kiosk link with the right site and open it on this tablet.`);
}

/** A signal that gives up on a request after REACH_TIMEOUT_MS (on the page's own timers). */
function reachTimeout(): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), REACH_TIMEOUT_MS);
  return controller.signal;
}

async function request(kiosk: Kiosk, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(API + path, { signal: reachTimeout(), ...init, cache: 'no-store', headers: { ...(init.headers as Record<string, string>), ...(kiosk.key ? { authorization: `Bearer ${kiosk.key}` } : {}) } });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** The server could not be reached: the line says Offline at once, counting the taps kept on the tablet. */
function unreachable(kiosk: Kiosk): void {
  if (!kiosk.refused) showStatus(kiosk, { kind: 'offline', retryInMs: REACH_CHECK_MS });
}

/**
 * Asks for the setup and, when the server answered and took the key, sends what is queued: the line says Online
 * again once it is all sent (with nothing queued, at once).
 */
function checkIn(kiosk: Kiosk): void {
  void fetchSetup(kiosk).then((reached) => reached && kiosk.key && kiosk.sender.flush());
}

/**
 * Whether the server still answers, and takes the key: the setup asked again (fetchSetup, which says itself Offline
 * when unreachable, or the refusal when refused); Online again once it answers after an outage, with what was kept
 * sent. Without a key there is nothing the server would not refuse, so only whether it is there (GET /health).
 */
async function checkReach(kiosk: Kiosk): Promise<void> {
  if (kiosk.checking) return;
  kiosk.checking = true;
  const wasOffline = kiosk.offline;
  if (kiosk.key) {
    if ((await fetchSetup(kiosk, wasOffline || !kiosk.clockRead)) && wasOffline) kiosk.sender.flush();
  } else if (!(await fetch(`${API}health`, { cache: 'no-store', signal: reachTimeout() }).then((r) => r.ok, () => false))) {
    unreachable(kiosk);
  }
  kiosk.checking = false;
}

/** The setup last fetched, until the server answers (or all along, offline). */
function useCachedSetup(kiosk: Kiosk): void {
  const cached = localStorage.getItem(saved('setup', kiosk.site));
  if (cached) useSetup(kiosk, JSON.parse(cached) as KioskSetup, false);
}

/**
 * The desk's standards, which arrivals they leave out and the server's time; false when the key is refused or the
 * server could not be reached (the line then says Offline). Offline, what the kiosk had stays. Asked at start, at
 * every reach check and when the network returns, so a kiosk that runs for weeks follows the standards and the
 * site's hours.
 */
async function fetchSetup(kiosk: Kiosk, readClock = true): Promise<boolean> {
  // Without a key the server can only refuse: the line keeps saying where the kiosk link comes from.
  if (!kiosk.key) return false;
  try {
    const asked = Date.now();
    const answer = await request(kiosk, `kiosk?site=${encodeURIComponent(kiosk.site)}`);
    if (answer.status === 401 || answer.status === 403) {
      showStatus(kiosk, { kind: 'refused-key', detail: (answer.body as { detail?: string } | null)?.detail ?? `HTTP ${answer.status}` });
      return false;
    }
    // The one thing GET /kiosk reads from the page is its site: a 400 refuses that (a site that differs from a stored
    // one only in letter case). Its taps would each be refused too, so none is sent, and the line says why.
    if (answer.status === 400) {
      refuseSite(kiosk, answer.body);
      return false;
    }
    if (answer.status !== 200) return true;
    const setup = answer.body as KioskSetup;
    if (readClock) {
      kiosk.offsetMs = Date.parse(setup.serverTime) - (asked + Date.now()) / 2;
      kiosk.clockRead = true;
      localStorage.setItem(saved('offset', kiosk.site), String(kiosk.offsetMs));
    }
    localStorage.setItem(saved('setup', kiosk.site), JSON.stringify(setup));
    useSetup(kiosk, setup, true);
  } catch {
    // Offline: the cached setup (if any) stays.
    unreachable(kiosk);
    return false;
  }
  return true;
}

/**
 * The server's clock as last learned, kept on the tablet: a page reopened without the network still stamps its taps on
 * the server's time. Starting from the tablet's own clock instead, a tablet 3 minutes slow would time a greeting before
 * the arrival it stamped when online, a tap the server refuses (409).
 */
function savedOffset(kiosk: Kiosk): number {
  const offset = Number(localStorage.getItem(saved('offset', kiosk.site)));
  return Number.isFinite(offset) ? offset : 0;
}

function useSetup(kiosk: Kiosk, setup: KioskSetup, fresh: boolean): void {
  kiosk.setup = setup;
  if (!fresh) kiosk.offsetMs = savedOffset(kiosk);
  kiosk.view.setTitle(setup.site.name, setup.standards);
  tick(kiosk);
}

function start(mount: HTMLElement): void {
  const site = siteFromAddress();
  const view = createKioskView(mount, {
    arrived: () => {
      const step = tap(kiosk);
      save(kiosk, arrive(current(kiosk), { ...step, caseId: randomId('kiosk-'), timeZone: siteZone(kiosk), standards: kiosk.setup?.standards ?? [] }));
      view.announce(`Visitor ${kiosk.desk.nextNumber - 1} arrived`);
      kiosk.sender.flush();
    },
    finished: (caseId, how) => {
      save(kiosk, finish(current(kiosk), caseId, how, tap(kiosk)));
      view.announce(how === 'greeted' ? 'Greeted' : 'Left');
      view.focusAfterFinish(caseId);
      kiosk.sender.flush();
    },
  });
  if (!site) return view.setStatus('refused', 'This kiosk has no site: open the kiosk link printed by "keys create --scope ingest --site SITE".');
  const key = localStorage.getItem(saved('key', site));
  const kiosk: Kiosk = { site, key, desk: parseDesk(localStorage.getItem(saved('desk', site))), setup: null, offsetMs: 0, clockRead: false, view, sender: null!, refused: !key, keyRefusal: null, offline: false, checking: false };
  kiosk.sender = new Sender({
    outbox: () => current(kiosk).outbox,
    settle: (ids) => save(kiosk, settled(current(kiosk), ids)),
    report: (status) => showStatus(kiosk, status),
    post: (milestones) => request(kiosk, 'milestones', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ milestones: wireMilestones(milestones) }) }),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number),
  });
  view.setTitle(site, []);
  save(kiosk, kiosk.desk);
  if (!kiosk.key) view.setStatus('refused', 'This kiosk has no key: open the kiosk link printed by "keys create --scope ingest --site SITE".');
  window.setInterval(() => tick(kiosk), TICK_MS);
  window.setInterval(() => void fetchSetup(kiosk), CLOCK_REFRESH_MS);
  window.setInterval(() => void checkReach(kiosk), REACH_CHECK_MS);
  window.addEventListener('online', () => checkIn(kiosk));
  // Another page of this kiosk on the tablet changed the desk: this one shows it (its taps, its sends) at once.
  window.addEventListener('storage', (event) => {
    if (event.key === saved('desk', site)) show(kiosk, parseDesk(event.newValue));
  });
  window.addEventListener('offline', () => unreachable(kiosk));
  // A refused key stays on screen; the next tap tries again (and is refused again, its milestone kept).
  useCachedSetup(kiosk);
  checkIn(kiosk);
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('kiosk-sw.js', { scope: './kiosk' }).catch(() => undefined);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start(document.getElementById('kiosk-app') ?? document.body), { once: true });
else start(document.getElementById('kiosk-app') ?? document.body);
