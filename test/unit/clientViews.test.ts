// What the clients (extension, dashboard page) share from the protocol's zod-free entry: how every view orders and
// counts the server's incidents, the short standard labels, where a page finds its server behind a proxy prefix,
// and the plain wording of a failed connection.
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/protocol';
import {
  countIncidents,
  countsPhrase,
  describeConnectionProblem,
  keyOf,
  needsApiKey,
  openIncidentsOf,
  parseServerAddress,
  serverUrlOfPage,
  siteLabel,
  siteTitle,
  snapshotSiteNames,
  socketAddress,
  standardShortLabel,
  withSiteNames,
} from '../../server/src/protocol/pure';

let nextId = 1;
function incident(fields: Partial<Incident> = {}): Incident {
  const severity = fields.severity ?? 'red';
  return {
    id: nextId++,
    standardId: 'calls',
    standardVersion: 1,
    site: 'harbour',
    siteName: 'Harbour',
    standardLabel: 'Calls ≤ 2 rings',
    target: 0.9,
    state: 'open',
    severity,
    peakSeverity: severity,
    openedAt: '2026-12-01T10:00:00Z',
    changedAt: '2026-12-01T10:00:00Z',
    recoveredAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgedSeverity: null,
    summary: 'Harbour calls: 73.0 % answered within 2 rings in the last hour — target 90 %',
    detail: { band: { window: { name: '1h', durationMs: 3_600_000, counted: 100, met: 73, compliance: 0.73 }, amberBelow: 0.9, redBelow: 0.85, severity }, burnRates: [], burnSeverity: null, lines: [] },
    lastChangeSeq: 1,
    ...fields,
  };
}

describe("the server's incidents, ordered and counted one way", () => {
  it('keeps the open ones, red before amber, unacknowledged before acknowledged, oldest first', () => {
    const ordered = openIncidentsOf([
      incident({ site: 'airport', severity: 'amber', openedAt: '2026-12-01T09:00:00Z' }),
      incident({ site: 'north', openedAt: '2026-12-01T09:30:00Z', acknowledgedAt: '2026-12-01T09:31:00Z', acknowledgedBy: 'ana', acknowledgedSeverity: 'red' }),
      incident({ site: 'harbour', openedAt: '2026-12-01T09:45:00Z' }),
      incident({ site: 'downtown', state: 'recovered', recoveredAt: '2026-12-01T09:50:00Z' }),
    ]);
    expect(ordered.map((i) => keyOf(i))).toEqual(['calls|harbour', 'calls|north', 'calls|airport']);
  });

  it('lists incidents opened at the same moment by site name as people read it ("Site 2" before "Site 10"), then standard, never by id', () => {
    const at = '2026-12-01T10:00:00Z';
    const ordered = openIncidentsOf([
      incident({ site: 's10', siteName: 'Site 10', openedAt: at }),
      incident({ site: 's2', siteName: 'Site 2', openedAt: at, standardId: 'visits', standardLabel: 'Visits ≤ 30 s' }),
      incident({ site: 's2', siteName: 'Site 2', openedAt: at }),
      // A site without a display name reads as its id.
      incident({ site: 'site 3', siteName: ' ', openedAt: at }),
    ]);
    expect(ordered.map((i) => keyOf(i))).toEqual(['calls|s2', 'visits|s2', 'calls|site 3', 'calls|s10']);
  });

  it('counts the same way everywhere: open, by level, and unacknowledged red for the badge', () => {
    const counts = countIncidents([
      incident({ site: 'a' }),
      incident({ site: 'b' }),
      incident({ site: 'c', acknowledgedAt: 'x', acknowledgedSeverity: 'red' }),
      incident({ site: 'd', severity: 'amber' }),
    ]);
    expect(counts).toEqual({ open: 4, red: 3, amber: 1, unacknowledged: 3, unacknowledgedRed: 2 });
    expect(countsPhrase(counts)).toBe('3 red · 1 amber');
    expect(countsPhrase({ red: 0, amber: 2 })).toBe('2 amber');
    expect(countsPhrase({ red: 0, amber: 0 })).toBe('');
  });
});

describe('short standard labels', () => {
  const standard = (eventType: string, measure: string, operator: string, threshold: number) => ({ name: 'Full name', eventType, measure, operator, threshold });

  it('reads what is measured and the threshold', () => {
    expect(standardShortLabel(standard('call', 'rings', '<=', 2))).toBe('Calls ≤ 2 rings');
    expect(standardShortLabel(standard('call', 'rings', '<', 1))).toBe('Calls < 1 ring');
    expect(standardShortLabel(standard('visit', 'greetSeconds', '<=', 30))).toBe('Visits ≤ 30 s');
    expect(standardShortLabel(standard('call', 'answerSeconds', '<=', 180))).toBe('Calls ≤ 3 min');
    expect(standardShortLabel(standard('complaint', 'resolveSeconds', '<=', 7200))).toBe('Complaints ≤ 2 h');
    expect(standardShortLabel(standard('email-reply', 'replySeconds', '<=', 172_800))).toBe('Email replies ≤ 2 d');
    expect(standardShortLabel(standard('call', 'rings', '~', 2))).toBe('Full name');
  });
});

describe('site names, one rule for the dashboard and the extension', () => {
  it('names a site by its display name, by its id when it has none, with the id in the tooltip', () => {
    const names = new Map([['harbour', 'Harbour Street'], ['blank', ' ']]);
    expect(siteLabel('harbour', names)).toBe('Harbour Street');
    expect(siteLabel('north', names)).toBe('north');
    expect(siteLabel('blank', names)).toBe('blank');
    expect(siteTitle('harbour')).toBe('site id: harbour');
  });

  it('takes the names from the snapshot’s sites, else from its incidents, then from each incident change', () => {
    const incidents = [incident({ site: 'harbour', siteName: 'Harbour (old)' }), incident({ site: 'south', siteName: 'South' })];
    // The snapshot's list is the whole truth about configured sites: an incident's older name does not win.
    const fromSites = snapshotSiteNames([{ id: 'harbour', name: 'Harbour Street' }], incidents);
    expect([...fromSites]).toEqual([['harbour', 'Harbour Street']]);
    // A server that sends no `sites` still names its incidents' sites.
    expect([...snapshotSiteNames(undefined, incidents)]).toEqual([['harbour', 'Harbour (old)'], ['south', 'South']]);
    const renamed = withSiteNames(fromSites, [{ id: 'harbour', name: 'Harbour Quay' }]);
    expect(renamed.get('harbour')).toBe('Harbour Quay');
    expect(fromSites.get('harbour')).toBe('Harbour Street');
    // Nothing new: the same map, so a view can tell it need not redraw.
    expect(withSiteNames(renamed, [{ id: 'harbour', name: 'Harbour Quay' }])).toBe(renamed);
  });
});

describe('server address', () => {
  it('finds the server of a page served under a reverse-proxy prefix', () => {
    expect(serverUrlOfPage('https://ops.example/ringside/?token=k&site=harbour#x')).toBe('https://ops.example/ringside');
    expect(serverUrlOfPage('https://ops.example/ringside/index.html')).toBe('https://ops.example/ringside');
    expect(serverUrlOfPage('http://127.0.0.1:4870/')).toBe('http://127.0.0.1:4870');
    expect(serverUrlOfPage('http://127.0.0.1:8080/proxy/4870/?site=a')).toBe('http://127.0.0.1:8080/proxy/4870');
  });

  it('reads a pasted dashboard link or API base as the server\'s address, with the key apart', () => {
    // The link the server prints at start: the key must not stay in the address (it would be stored in a setting).
    expect(parseServerAddress(' http://127.0.0.1:4870/#token=rs_abc ')).toEqual({ serverUrl: 'http://127.0.0.1:4870', key: 'rs_abc' });
    expect(parseServerAddress('https://ops.example/ringside/?window=7d&site=harbour')).toEqual({ serverUrl: 'https://ops.example/ringside', key: null });
    // The older ?token=, and '#' winning over it as on the page.
    expect(parseServerAddress('http://127.0.0.1:4870/?token=old#token=new')).toEqual({ serverUrl: 'http://127.0.0.1:4870', key: 'new' });
    // The README's $RS: the API's base, not the server's address.
    expect(parseServerAddress('http://127.0.0.1:4870/api/v1')).toEqual({ serverUrl: 'http://127.0.0.1:4870', key: null });
    expect(parseServerAddress('https://ops.example/ringside/api/v1/events')).toEqual({ serverUrl: 'https://ops.example/ringside', key: null });
    // Anything else as given.
    expect(parseServerAddress('https://ops.example/ringside/')).toEqual({ serverUrl: 'https://ops.example/ringside/', key: null });
    expect(parseServerAddress('127.0.0.1:4870')).toEqual({ serverUrl: '127.0.0.1:4870', key: null });
  });

  it('puts Socket.IO under the prefix (a path, not a namespace)', () => {
    expect(socketAddress('http://127.0.0.1:4870')).toEqual({ origin: 'http://127.0.0.1:4870', path: '/socket.io' });
    expect(socketAddress('https://ops.example/ringside/')).toEqual({ origin: 'https://ops.example', path: '/ringside/socket.io' });
    expect(() => socketAddress('ringside.local:4870')).toThrow();
  });
});

describe('connection problems in plain words', () => {
  const url = 'http://127.0.0.1:4870';
  it('never passes socket.io-client’s transport wording on', () => {
    for (const raw of ['xhr poll error', 'websocket error', 'timeout', 'connect ECONNREFUSED 127.0.0.1:4870']) {
      expect(describeConnectionProblem(url, raw)).toEqual({ kind: 'unreachable', text: 'Cannot reach the Ringside server at http://127.0.0.1:4870: is it running?' });
    }
    for (const raw of ['transport close', 'ping timeout', 'forced close']) {
      expect(describeConnectionProblem(url, raw)).toMatchObject({ kind: 'lost', text: expect.stringContaining('reconnecting') });
    }
  });

  it('says which key problem it is, without the handshake’s technical terms', () => {
    const missing = describeConnectionProblem(url, 'unauthorized: an API key with scope "read" is required (auth: { token })');
    expect(missing).toEqual({ kind: 'needs-key', text: 'The Ringside server at http://127.0.0.1:4870 needs an API key.' });
    expect(missing.text).not.toContain('auth');
    // A route's 401 missing-key (GET first-paint's, its Authorization header dropped on the way) needs a key too.
    expect(describeConnectionProblem(url, 'unauthorized: send an API key as "Authorization: Bearer <key>"')).toEqual(missing);
    expect(describeConnectionProblem(url, 'unauthorized: the API key is revoked')).toMatchObject({ kind: 'key-refused', text: expect.stringContaining('(it is revoked)') });
    // A route's 401 in the same words (the page's GET first-paint): "has been revoked", "has expired".
    expect(describeConnectionProblem(url, 'unauthorized: the API key has been revoked').text).toContain('(it is revoked)');
    expect(describeConnectionProblem(url, 'unauthorized: the API key has expired').text).toContain('(it is expired)');
    expect(describeConnectionProblem(url, 'forbidden: the live feed needs a key with scope "read"').kind).toBe('forbidden');
    expect(needsApiKey('key-refused')).toBe(true);
    expect(needsApiKey('unreachable')).toBe(false);
  });
});
