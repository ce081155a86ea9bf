// What the clients (extension, dashboard page) share from the protocol's zod-free entry: the alert → incident
// mapping every view counts with, the short standard labels, where a page finds its server behind a proxy prefix,
// and the plain wording of a failed connection.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../server/src/protocol';
import {
  countIncidents,
  countsPhrase,
  describeConnectionProblem,
  incidentsOf,
  needsApiKey,
  serverUrlOfPage,
  socketAddress,
  standardShortLabel,
} from '../../server/src/protocol/pure';

let nextId = 1;
function alert(fields: Partial<Alert> = {}): Alert {
  const standardId = fields.standardId ?? 'calls';
  const site = fields.site === undefined ? 'harbour' : fields.site;
  const kind = fields.kind ?? 'band';
  return {
    id: nextId++,
    key: `${kind}:${standardId}:${site ?? '*'}`,
    kind,
    severity: 'red',
    state: 'firing',
    standardId,
    standardVersion: 1,
    site,
    target: 0.9,
    previousId: null,
    at: '2026-12-01T10:00:00Z',
    startedAt: '2026-12-01T10:00:00Z',
    endedAt: null,
    windows: [{ name: '1h', durationMs: 3_600_000, counted: 100, met: 73, compliance: 0.73 }],
    message: `${standardId} at ${site ?? 'all sites'}: ${fields.severity ?? 'red'}`,
    acknowledgedAt: null,
    acknowledgedBy: null,
    ...fields,
  };
}

describe('incidents: one per standard and site', () => {
  it('folds the band and burn-rate records of a standard at a site into one incident, the band line first', () => {
    const band = alert({ severity: 'amber', message: 'Calls at harbour 86.0 % over 1h (target 90 %): amber' });
    const burn = alert({ kind: 'burn-rate', severity: 'page', message: 'page — error budget burning 15× over 1h' });
    const [incident, ...rest] = incidentsOf([band, burn]);
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({ key: 'calls|harbour', level: 'red', severity: 'page', line: band.message, details: [burn.message], acknowledged: false });
    expect(incident!.unacknowledgedIds.sort()).toEqual([band.id, burn.id].sort());
    expect(incident!.figure).toEqual({ ratio: 0.73, window: '1h' });
  });

  it('keeps sites (and all sites) apart, drops recovered and ended records, and sorts red, then open, then oldest first', () => {
    const incidents = incidentsOf([
      alert({ site: 'airport', severity: 'amber', startedAt: '2026-12-01T09:00:00Z' }),
      alert({ site: null, severity: 'red', startedAt: '2026-12-01T09:30:00Z', acknowledgedAt: '2026-12-01T09:31:00Z', acknowledgedBy: 'ana' }),
      alert({ site: 'harbour', severity: 'red', startedAt: '2026-12-01T09:45:00Z' }),
      alert({ site: 'downtown', state: 'recovered' }),
      alert({ site: 'north', endedAt: '2026-12-01T09:50:00Z' }),
    ]);
    expect(incidents.map((i) => i.key)).toEqual(['calls|harbour', 'calls|*', 'calls|airport']);
    expect(incidents[1]).toMatchObject({ acknowledged: true, acknowledgedBy: 'ana', unacknowledgedIds: [] });
  });

  it('counts the same way everywhere: open, by level, and unacknowledged red for the badge', () => {
    const counts = countIncidents(
      incidentsOf([
        alert({ site: 'a', severity: 'red' }),
        alert({ site: 'b', severity: 'page', kind: 'burn-rate' }),
        alert({ site: 'c', severity: 'red', acknowledgedAt: 'x' }),
        alert({ site: 'd', severity: 'ticket', kind: 'burn-rate' }),
      ]),
    );
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

describe('server address', () => {
  it('finds the server of a page served under a reverse-proxy prefix', () => {
    expect(serverUrlOfPage('https://ops.example/ringside/?token=k&site=harbour#x')).toBe('https://ops.example/ringside');
    expect(serverUrlOfPage('https://ops.example/ringside/index.html')).toBe('https://ops.example/ringside');
    expect(serverUrlOfPage('http://127.0.0.1:4870/')).toBe('http://127.0.0.1:4870');
    expect(serverUrlOfPage('http://127.0.0.1:8080/proxy/4870/?site=a')).toBe('http://127.0.0.1:8080/proxy/4870');
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
    expect(describeConnectionProblem(url, 'transport close')).toMatchObject({ kind: 'lost', text: expect.stringContaining('reconnecting') });
  });

  it('says which key problem it is, without the handshake’s technical terms', () => {
    const missing = describeConnectionProblem(url, 'unauthorized: an API key with scope "read" is required (auth: { token })');
    expect(missing).toEqual({ kind: 'needs-key', text: 'The Ringside server at http://127.0.0.1:4870 needs an API key.' });
    expect(missing.text).not.toContain('auth');
    expect(describeConnectionProblem(url, 'unauthorized: the API key is revoked')).toMatchObject({ kind: 'key-refused', text: expect.stringContaining('(it is revoked)') });
    expect(describeConnectionProblem(url, 'forbidden: the live feed needs a key with scope "read"').kind).toBe('forbidden');
    expect(needsApiKey('key-refused')).toBe(true);
    expect(needsApiKey('unreachable')).toBe(false);
  });
});
