// Alerts, pure parts: bands, burn rates, the state machine, evaluation, backoff, webhook configuration.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Standard } from '../../server/src/protocol';
import { bandDecision, bandsOf } from '../../server/src/domain/alerts/bands';
import { burnDecision, burnRate, ruleStatus } from '../../server/src/domain/alerts/burnRate';
import type { ScopedCounts, WindowCounts } from '../../server/src/domain/alerts/counts';
import { observe } from '../../server/src/domain/alerts/evaluate';
import { BURN_RULES, DEFAULT_POLICY, HOUR_MS, MINUTE_MS, policyWindows } from '../../server/src/domain/alerts/policy';
import { DEFAULT_WEBHOOK_RETRY, parseWebhookUrls, redactUrl, retryAfterMs, webhookOrigin, webhooksFromEnv, withUrlsHidden } from '../../server/src/services/alerts/config';
import { backoffDelay } from '../../server/src/services/alerts/webhooks';
import { parseCli } from '../../server/src/cli/options';

const c = (counted: number, met: number): WindowCounts => ({ counted, met });
const policy = { minSample: 10, hysteresis: 0.01 };
const std = (over: Partial<Standard> = {}): Standard => ({
  id: 'call-answer-2-rings',
  version: 1,
  name: 'Calls answered within 2 rings',
  eventType: 'call',
  measure: 'rings',
  operator: '<=',
  threshold: 2,
  target: 0.9,
  formula: 'F3',
  ...over,
});

describe('band boundaries', () => {
  it('defaults to amber below target and red below target − 5 points', () => {
    expect(bandsOf({ target: 0.9 })).toEqual({ amberBelow: 0.9, redBelow: expect.closeTo(0.85, 12) });
    expect(bandsOf({ target: 0.03 })).toEqual({ amberBelow: 0.03, redBelow: 0 });
  });
  it("reads the standard's configured bands {green, amber}", () => {
    expect(bandsOf({ target: 0.9, bands: { green: 0.92, amber: 0.8 } })).toEqual({ amberBelow: 0.92, redBelow: 0.8 });
  });
});

describe('bandDecision', () => {
  const bands = bandsOf({ target: 0.9 });
  it('holds below the minimum sample: one early miss pages nobody', () => {
    expect(bandDecision(c(1, 0), bands, policy, null)).toBe('hold');
    expect(bandDecision(c(9, 0), bands, policy, null)).toBe('hold');
    expect(bandDecision(c(0, 0), bands, policy, 'red')).toBe('hold');
    expect(bandDecision(c(10, 0), bands, policy, null)).toBe('red');
  });
  it('judges the boundaries exactly: at target is green, at target − 5 points is amber', () => {
    expect(bandDecision(c(20, 18), bands, policy, null)).toBeNull(); // 90 %
    expect(bandDecision(c(20, 17), bands, policy, null)).toBe('amber'); // 85 %, despite 0.9 − 0.05 = 0.8500000000000001
    expect(bandDecision(c(100, 84), bands, policy, null)).toBe('red');
  });
  it('worsens at once and improves only past the boundary + hysteresis', () => {
    expect(bandDecision(c(100, 84), bands, policy, 'amber')).toBe('red');
    expect(bandDecision(c(100, 85), bands, policy, 'red')).toBe('red'); // 85 % < 85 % + 1
    expect(bandDecision(c(100, 86), bands, policy, 'red')).toBe('amber');
    expect(bandDecision(c(1000, 905), bands, policy, 'amber')).toBe('amber'); // 90.5 % < 91 %
    expect(bandDecision(c(100, 91), bands, policy, 'amber')).toBeNull();
    expect(bandDecision(c(100, 95), bands, policy, 'red')).toBeNull();
    expect(bandDecision(c(1000, 905), bands, policy, 'red')).toBe('amber');
  });
});

describe('burn rates', () => {
  it('is (1 − compliance) / (1 − target)', () => {
    expect(burnRate(c(100, 90), 0.9)).toBeCloseTo(1, 12);
    expect(burnRate(c(100, 40), 0.9)).toBeCloseTo(6, 12);
    expect(burnRate(c(100, 100), 0.99)).toBe(0);
    expect(burnRate(c(0, 0), 0.9)).toBeNull();
    expect(burnRate(c(10, 0), 1)).toBeNull(); // no budget
  });
  const [page1h, page6h, ticket1d, ticket3d] = BURN_RULES as [any, any, any, any];
  it('uses the SRE workbook pairs', () => {
    expect(BURN_RULES.map((r) => [r.severity, r.factor, r.long.name, r.short.name])).toEqual([
      ['page', 14.4, '1h', '5m'],
      ['page', 6, '6h', '30m'],
      ['ticket', 3, '1d', '2h'],
      ['ticket', 1, '3d', '6h'],
    ]);
  });
  it('fires a rule only when both windows burn faster than its factor', () => {
    const p = { burnMinSample: 10 };
    // target 99 %: budget 1 %; 14.4× needs more than 14.4 % errors.
    expect(ruleStatus(page1h, c(1000, 850), c(100, 85), 0.99, p)).toBe('fire');
    expect(ruleStatus(page1h, c(1000, 850), c(100, 90), 0.99, p)).toBe('clear'); // short window recovered
    expect(ruleStatus(page1h, c(1000, 900), c(100, 80), 0.99, p)).toBe('clear'); // long window below
    expect(ruleStatus(ticket3d, c(100, 90), c(10, 9), 0.9, p)).toBe('clear'); // exactly 1×: on target
    expect(ruleStatus(ticket3d, c(100, 89), c(10, 8), 0.9, p)).toBe('fire');
    expect(ruleStatus(page6h, c(9, 0), c(9, 0), 0.9, p)).toBe('unknown'); // long window under the sample
    expect(ruleStatus(page6h, c(50, 0), c(0, 0), 0.9, p)).toBe('unknown'); // nothing in the short window
    expect(ruleStatus(ticket1d, c(50, 0), c(5, 0), 1, p)).toBe('clear'); // 100 % target: no budget, no burn alerts
  });
  const s = (status: 'fire' | 'clear' | 'unknown', rule: any) => ({ rule, status });
  it('takes the highest firing severity, and goes down only when nothing higher lacks data', () => {
    expect(burnDecision([s('fire', page6h), s('fire', ticket3d)], null)).toBe('page');
    expect(burnDecision([s('clear', page6h), s('fire', ticket3d)], null)).toBe('ticket');
    expect(burnDecision([s('clear', page6h), s('fire', ticket3d)], 'page')).toBe('ticket');
    expect(burnDecision([s('unknown', page6h), s('fire', ticket3d)], 'page')).toBe('hold');
    expect(burnDecision([s('unknown', page6h), s('fire', ticket3d)], 'ticket')).toBe('ticket');
    expect(burnDecision([s('clear', page6h), s('clear', ticket3d)], 'ticket')).toBeNull();
    expect(burnDecision([s('clear', page6h), s('unknown', ticket3d)], 'ticket')).toBe('hold');
    expect(burnDecision([s('unknown', page6h), s('unknown', ticket3d)], null)).toBeNull();
  });
});

describe('observations', () => {
  const windows = policyWindows(DEFAULT_POLICY);
  const at = (counts: Record<string, WindowCounts>): WindowCounts[] => windows.map((w) => counts[w.name] ?? c(0, 0));
  const uniform = (counted: number, met: number) => windows.map(() => c(counted, met));
  const none = { memory: new Map(), openSites: new Map() };
  it('measures 7 distinct windows, shortest first', () => {
    expect(windows.map((w) => w.name)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  });
  it('judges each site on its own: band and burn rate together want one severity', () => {
    const scoped: ScopedCounts[] = [
      { standardId: 'call-answer-2-rings', site: 'a', counts: uniform(20, 20) },
      { standardId: 'call-answer-2-rings', site: 'b', counts: uniform(10, 7) },
    ];
    const observed = observe({ standards: [std()], policy: DEFAULT_POLICY, windows, scoped, ...none });
    expect(observed.map((o) => [o.key, o.memory, o.wanted])).toEqual([
      ['call-answer-2-rings|a', { band: null, burn: null }, null],
      // 70 %: red band; 3× burn: above 1× over 3d & 6h, not above 3× over 1d & 2h → a slow burn (amber)
      ['call-answer-2-rings|b', { band: 'red', burn: 'ticket' }, 'red'],
    ]);
    expect(observed[1]!.band).toEqual({ window: { name: '1h', durationMs: HOUR_MS, counted: 10, met: 7, compliance: 0.7, versions: [] }, amberBelow: 0.9, redBelow: 0.85, severity: 'red' });
    expect(observed[1]!.burnRates.map((b) => [b.long.name, b.short.name, b.factor, b.severity, b.status])).toEqual([
      ['1h', '5m', 14.4, 'red', 'clear'],
      ['6h', '30m', 6, 'red', 'clear'],
      ['1d', '2h', 3, 'amber', 'clear'],
      ['3d', '6h', 1, 'amber', 'fire'],
    ]);
  });
  it('pages on the 1h/5m pair when a 99 % standard burns above 14.4×', () => {
    const scoped: ScopedCounts[] = [{ standardId: 'x', site: 'a', counts: at({ '5m': c(20, 15), '30m': c(50, 45), '1h': c(100, 80), '2h': c(100, 80), '6h': c(100, 80), '1d': c(100, 80), '3d': c(100, 80) }) }];
    const [o] = observe({ standards: [std({ id: 'x', target: 0.99 })], policy: DEFAULT_POLICY, windows, scoped, ...none });
    expect(o!.memory).toEqual({ band: 'red', burn: 'page' }); // 1h 20× & 5m 25× (above 14.4×); 6h 20× & 30m 10× (above 6×)
    expect(o!.burnRates.slice(0, 2).map((b) => [b.long.name, Math.round(b.long.burnRate! * 10) / 10, b.short.name, Math.round(b.short.burnRate! * 10) / 10, b.status])).toEqual([
      ['1h', 20, '5m', 25, 'fire'],
      ['6h', 20, '30m', 10, 'fire'],
    ]);
  });
});

describe('webhook configuration and backoff', () => {
  it('doubles from the base delay with bounded jitter, capped', () => {
    const retry = { ...DEFAULT_WEBHOOK_RETRY, jitter: 0 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, retry, Math.random))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(20, retry, Math.random)).toBe(900_000);
    // The default schedule outlives an outage of an hour: the delays between its attempts add up to more.
    const span = Array.from({ length: retry.maxAttempts - 1 }, (_, i) => backoffDelay(i + 1, retry, Math.random)).reduce((a, b) => a + b, 0);
    expect(span).toBeGreaterThan(3_600_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (n, r) => {
        const nominal = Math.min(900_000, 1000 * 2 ** (n - 1));
        const d = backoffDelay(n, DEFAULT_WEBHOOK_RETRY, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
        expect(d).toBeLessThanOrEqual(Math.ceil(nominal * 1.2));
      }),
    );
  });
  it('accepts http(s) URLs from --webhook and RINGSIDE_WEBHOOKS, refusing anything else by name', () => {
    expect(parseWebhookUrls(['http://127.0.0.1:9/hook', 'https://x.example/a?token=s', 'http://127.0.0.1:9/hook'], '--webhook')).toEqual({
      ok: true,
      urls: ['http://127.0.0.1:9/hook', 'https://x.example/a?token=s'],
    });
    expect(parseWebhookUrls(['ftp://x'], '--webhook')).toEqual({ ok: false, message: '--webhook: "ftp://x" must be an http or https URL' });
    expect(webhooksFromEnv({ RINGSIDE_WEBHOOKS: 'http://a.example/1, http://b.example/2,' })).toEqual({ ok: true, urls: ['http://a.example/1', 'http://b.example/2'] });
    expect(webhooksFromEnv({})).toEqual({ ok: true, urls: [] });
    expect(webhooksFromEnv({ RINGSIDE_WEBHOOKS: 'nope' })).toMatchObject({ ok: false, message: expect.stringContaining('RINGSIDE_WEBHOOKS') });
    expect(redactUrl('https://user:pw@hooks.example/x/y?token=secret')).toBe('https://hooks.example/x/y?…');
  });
  it('refuses a webhook URL with credentials over http to another machine, naming the source and without the credentials', () => {
    expect(parseWebhookUrls(['http://pager:s3cret@10.0.0.5:8080/alerts'], '--webhook')).toEqual({
      ok: false,
      message: '--webhook: "http://10.0.0.5:8080/alerts" carries credentials, which would cross the network unencrypted over http to 10.0.0.5:8080: use https',
    });
    expect(webhooksFromEnv({ RINGSIDE_WEBHOOKS: 'http://u:p@hooks.example/x' })).toMatchObject({ ok: false, message: expect.stringMatching(/^RINGSIDE_WEBHOOKS: .*use https$/) });
    expect(parseWebhookUrls(['https://u:p@hooks.example/x', 'http://u:p@127.0.0.1:9/x', 'http://u:p@localhost:9/x', 'http://10.0.0.5:8080/alerts'], '--webhook')).toMatchObject({ ok: true });
    // A URL refused for another reason does not print its credentials either.
    expect(parseWebhookUrls(['https://pager:s3cret@hooks example/x'], '--webhook')).toEqual({ ok: false, message: '--webhook: "https://***@hooks example/x" is not an absolute URL' });
    expect(parseWebhookUrls(['ftp://pager:s3cret@files.example/x'], '--webhook')).toEqual({ ok: false, message: '--webhook: "ftp://***@files.example/x" must be an http or https URL' });
    // Nor a URL whose scheme was left out (its user reads as the scheme), nor a token in a refused URL's query.
    expect(parseWebhookUrls(['pager:s3cret@hooks.example/x'], '--webhook')).toEqual({ ok: false, message: '--webhook: "***@hooks.example/x" must be an http or https URL' });
    expect(parseWebhookUrls(['https://hooks example/x?token=abc'], '--webhook')).toEqual({ ok: false, message: '--webhook: "https://hooks example/x?…" is not an absolute URL' });
  });
  it('refuses at start a URL whose credentials fetch could never send (bad percent-encoding), without them', () => {
    const refused = parseWebhookUrls(['https://us%zzer:pw@hooks.example/x'], '--webhook');
    expect(refused).toEqual({ ok: false, message: '--webhook: "https://hooks.example/x" has a user name or password that is not valid percent-encoding (%XX): encode it again' });
  });
  it('reads Retry-After as seconds or an HTTP date, and nothing looser', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 11:00:00 GMT', now)).toBe(0); // past: at once
    for (const junk of ['x 2030', 'Mon 5', '-1', '1.5', '', 'soon']) expect(retryAfterMs(junk, now), junk).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
  it('shows a webhook URL to a read key as its origin only, in errors too', () => {
    expect(webhookOrigin('https://hooks.slack.com/services/T0/B0/s3cret')).toBe('https://hooks.slack.com/…');
    expect(webhookOrigin('https://user:pw@relay.example:8443/?token=s3cret')).toBe('https://relay.example:8443/…');
    expect(webhookOrigin('https://relay.example/')).toBe('https://relay.example/');
    expect(withUrlsHidden('Request cannot be constructed from a URL that includes credentials: https://user:tok3n@example.invalid/hook?x=1')).toBe(
      'Request cannot be constructed from a URL that includes credentials: https://example.invalid/…',
    );
    expect(withUrlsHidden('HTTP 500')).toBe('HTTP 500');
  });
  it('parses repeatable --webhook on the command line', () => {
    expect(parseCli(['--webhook', 'http://127.0.0.1:1/a', '--webhook', 'https://h.example/b'])).toMatchObject({
      kind: 'run',
      options: { alerts: { webhooks: ['http://127.0.0.1:1/a', 'https://h.example/b'] } },
    });
    expect(parseCli([])).toMatchObject({ kind: 'run' });
    expect((parseCli([]) as { options: object }).options).not.toHaveProperty('alerts');
    expect(parseCli(['--webhook', 'not a url'])).toEqual({ kind: 'error', message: '--webhook: "not a url" is not an absolute URL' });
  });
  it('parses the hold times in seconds', () => {
    expect(parseCli(['--open-after', '0', '--recover-after', '60'])).toMatchObject({ kind: 'run', options: { alerts: { policy: { openAfterMs: 0, recoverAfterMs: 60_000, deescalateAfterMs: 60_000 } } } });
    expect(parseCli(['--open-after', '30'])).toMatchObject({ options: { alerts: { policy: { openAfterMs: 30_000 } } } });
    expect(parseCli(['--open-after', 'soon'])).toEqual({ kind: 'error', message: '--open-after must be a whole number of seconds from 0 to 86400 (got "soon")' });
    expect(parseCli(['--recover-after', '1.5'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--recover-after') });
  });
});

it('policy constants are what the docs say', () => {
  expect(DEFAULT_POLICY).toMatchObject({ bandWindow: { name: '1h', durationMs: HOUR_MS }, minSample: 10, hysteresis: 0.01, burnMinSample: 10, openAfterMs: 2 * MINUTE_MS, escalateAfterMs: 0, deescalateAfterMs: 5 * MINUTE_MS, recoverAfterMs: 5 * MINUTE_MS });
  expect(BURN_RULES[0]!.short.durationMs).toBe(5 * MINUTE_MS);
});
