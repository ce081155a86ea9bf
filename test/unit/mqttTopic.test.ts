// The MQTT forwarder's topic syntax (`+site` names the level that carries the site) and how one message becomes
// the body it posts: what it fills in, what the message itself keeps, and what it refuses.
import { describe, expect, it } from 'vitest';
import { milestonesBody, parseTopic, type TopicPattern } from '../../server/src/cli/forward/mqttTopic';

const receivedAt = new Date('2026-06-01T09:00:00Z');
const pattern = parseTopic('ringside/+site/+/button') as TopicPattern;
const body = (payload: unknown, defaults = {}) => milestonesBody(pattern, 'ringside/north/desk-1/button', Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), { receivedAt, ...defaults });

describe('parseTopic', () => {
  it('subscribes to +site as + and remembers its level', () => {
    expect(pattern).toEqual({ filter: 'ringside/+/+/button', siteLevel: 1 });
    expect(parseTopic('doors/#')).toEqual({ filter: 'doors/#', siteLevel: null });
  });

  it('refuses what MQTT or the syntax does not allow, saying why', () => {
    expect(parseTopic('a/+room')).toMatch(/a level is "\+", "\+site" or a name without "\+", got "\+room"/);
    expect(parseTopic('+site/+site')).toMatch(/may name only one level/);
    expect(parseTopic('a/#/b')).toMatch(/"#" must be the last level/);
    expect(parseTopic('a/b#')).toMatch(/"#" must be a whole level/);
    expect(parseTopic('')).toMatch(/must not be empty/);
  });
});

describe('milestonesBody', () => {
  it('fills site from the topic, type from --type and at from the time received, keeping what the message says', () => {
    expect(body({ caseId: 'v1', milestone: 'arrived' }, { type: 'visit' })).toEqual({ milestones: [{ site: 'north', type: 'visit', at: '2026-06-01T09:00:00.000Z', caseId: 'v1', milestone: 'arrived' }] });
    expect(body([{ caseId: 'v2', milestone: 'arrived', site: 'annex', at: '2026-06-01T08:59:00Z', type: 'call' }], { type: 'visit' })).toEqual({ milestones: [{ site: 'annex', type: 'call', at: '2026-06-01T08:59:00Z', caseId: 'v2', milestone: 'arrived' }] });
    expect(body({ milestones: [{ caseId: 'v3' }, { caseId: 'v4' }] })).toMatchObject({ milestones: [{ caseId: 'v3', site: 'north' }, { caseId: 'v4', site: 'north' }] });
  });

  it('uses --site only when the topic names no site', () => {
    const plain = parseTopic('doors/+') as TopicPattern;
    expect(milestonesBody(plain, 'doors/front', Buffer.from('{"caseId":"d1"}'), { receivedAt, site: 'hq' })).toMatchObject({ milestones: [{ site: 'hq' }] });
    expect(body({ caseId: 'd2' }, { site: 'hq' })).toMatchObject({ milestones: [{ site: 'north' }] });
  });

  it('says why a message cannot be posted', () => {
    expect(body('door open')).toBe('is not JSON');
    expect(body([])).toBe('holds no milestone');
    expect(body(42)).toBe('the message is not a JSON object');
    expect(body([{ caseId: 'a' }, 'b'])).toBe('item 1 is not a JSON object');
  });

  it('refuses bytes that are not UTF-8, naming the first bad one, rather than posting U+FFFD in their place', () => {
    const latin1 = Buffer.concat([Buffer.from('{"caseId":"t'), Buffer.from([0xe9]), Buffer.from('","milestone":"arrived"}')]);
    expect(milestonesBody(pattern, 'ringside/north/desk-1/button', latin1, { receivedAt })).toBe('is not UTF-8: the first bad byte is 0xE9, at line 1, column 13 (byte 13)');
    expect(body({ caseId: 'té' })).toMatchObject({ milestones: [{ caseId: 'té' }] });
  });
});
