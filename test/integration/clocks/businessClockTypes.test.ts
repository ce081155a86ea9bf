// A business clock times what is measured between milestones (complaints, the standards file's own types). A call's
// or visit's wait is judged as posted, in wall-clock seconds, so a business clock on it is refused at every door:
// the board would count open time while the verdict counted wall time.
import { describe, expect, it } from 'vitest';
import { parseStandardsConfig } from '../../../server/src/services/standardsFile';
import { useTestServer } from '../support/testServer';
import { sendJson } from './support';

const server = useTestServer();

const send = (method: 'POST' | 'PATCH', path: string, body: unknown) => sendJson(server(), method, `/api/v1${path}`, body);

const wallOnly = (type: string) => ({
  path: 'clock',
  message: `must be "wall" for a ${type}: its wait is judged in wall-clock seconds as posted (countOutsideHours: false leaves out the ${type}s that start while the site is closed)`,
});

describe('a business clock', () => {
  it('is refused on a call or visit standard, naming clock, and nothing is stored', async () => {
    const call = { id: 'biz-call', name: 'Calls in 20 business seconds', eventType: 'call', measure: 'answerSeconds', threshold: 20, target: 0.8, clock: 'business' };
    const visit = { id: 'biz-visit', name: 'Visitors in 30 business seconds', eventType: 'visit', measure: 'greetSeconds', threshold: 30, target: 0.9, clock: 'business' };
    for (const [def, type] of [[call, 'call'], [visit, 'visit']] as const) {
      const res = await send('POST', '/standards', def);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([wallOnly(type)]);
      expect((await server().getJson(`/api/v1/standards/${def.id}`)).status).toBe(404);
    }
  });

  it('is refused when a PATCH would put a call standard on it, and the standard stays as it was', async () => {
    const before = await server().getJson('/api/v1/standards/call-answer-2-rings');
    const res = await send('PATCH', '/standards/call-answer-2-rings', { clock: 'business' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([wallOnly('call')]);
    expect((await server().getJson('/api/v1/standards/call-answer-2-rings')).body).toEqual(before.body);
  });

  it('is taken for a complaint standard', async () => {
    const res = await send('POST', '/standards', { id: 'biz-ack', name: 'Complaints acknowledged in 4 business hours', eventType: 'complaint', measure: 'acknowledgeSeconds', threshold: 14_400, target: 0.9, clock: 'business' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ clock: 'business', version: 1 });
  });

  it('is refused in a standards file, naming the standard', () => {
    const parsed = parseStandardsConfig(['standards:', '  - {id: biz, name: Biz, eventType: visit, measure: greetSeconds, threshold: 30, target: 0.9, clock: business}'].join('\n'), 'yaml');
    expect(parsed).toEqual({ ok: false, problems: [{ ...wallOnly('visit'), path: 'standards.0.clock' }] });
  });
});
