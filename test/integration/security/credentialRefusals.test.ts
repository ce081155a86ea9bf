// Every refusal of a request's credentials (401, 403) names, as every other refusal does, the field at fault in
// `errors`: the header the key came in or should have come in (Authorization, Firehose's access key header, the Twilio
// signature), the origin of a refused preflight, or the field naming a site the key may not write. Type, title,
// status and WWW-Authenticate are what they always were; a request without a key is told in `detail` too how its
// route takes one (Firehose in its own header).
import { beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const clock = testClock();
const server = useTestServer({ clock });
const keys: Record<'ingest' | 'read' | 'harbour' | 'revoked' | 'expiring', string> = { ingest: '', read: '', harbour: '', revoked: '', expiring: '' };

async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { key: string; id: string };
}

beforeAll(async () => {
  keys.ingest = (await createKey({ name: 'pbx', scopes: ['ingest'] })).key;
  keys.read = (await createKey({ name: 'wallboard', scopes: ['read'] })).key;
  keys.harbour = (await createKey({ name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'] })).key;
  const revoked = await createKey({ name: 'old', scopes: ['read'] });
  keys.revoked = revoked.key;
  expect((await fetch(`${server().url}/api/v1/keys/${revoked.id}`, { method: 'DELETE', headers: adminHeaders() })).status).toBe(200);
  keys.expiring = (await createKey({ name: 'short', scopes: ['read'], expiresAt: new Date(clock.now() + 1000).toISOString() })).key;
  await clock.advance(1000);
});

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${server().url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: (await res.json()) as unknown };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`twilio:${key}`).toString('base64')}` });
const problem = (status: number, slug: string, title: string, detail: string, path: string, message: string) => ({ type: `https://ringside.dev/problems/${slug}`, title, status, detail, errors: [{ path, message }] });
const UNAUTHORIZED = 'Bearer realm="ringside"';
const TWILIO = '/api/v1/integrations/twilio/taskrouter?site=hq';
const FIREHOSE = '/api/v1/integrations/amazon-connect/firehose?site=hq';
const FIREHOSE_KEY = `"X-Amz-Firehose-Access-Key: <key>" (the access key of the Firehose stream's HTTP endpoint)`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_BODY = { 'content-type': 'application/json' };

describe('a refusal of the key names the header it came in, or should have', () => {
  it('no key: Authorization is required, or the header the route takes (Firehose), said how to send it', async () => {
    expect(await send('GET', '/api/v1/compliance', {})).toEqual({
      status: 401,
      wwwAuthenticate: UNAUTHORIZED,
      body: problem(401, 'missing-key', 'Unauthorized', 'send an API key as "Authorization: Bearer <key>"', 'Authorization', 'is required: send an API key as "Authorization: Bearer <key>"'),
    });
    // The dashboard page's first paint is asked with the key in Authorization too.
    expect((await send('GET', '/first-paint', {})).body).toMatchObject({ errors: [{ path: 'Authorization', message: 'is required: send an API key as "Authorization: Bearer <key>"' }] });
    expect(await send('POST', FIREHOSE, JSON_BODY, '{}')).toEqual({
      status: 401,
      wwwAuthenticate: UNAUTHORIZED,
      body: problem(401, 'missing-key', 'Unauthorized', `send an API key as ${FIREHOSE_KEY}`, 'X-Amz-Firehose-Access-Key', `is required: send an API key as ${FIREHOSE_KEY}`),
    });
    expect((await send('POST', TWILIO, FORM, 'a=1')).body).toMatchObject({
      detail: 'send an API key as the password of HTTP Basic credentials, "Authorization: Basic base64(any:<key>)" (Twilio sends the user:password@ of a callback URL so)',
      errors: [{ path: 'Authorization', message: 'is required: send an API key as the password of HTTP Basic credentials, "Authorization: Basic base64(any:<key>)" (Twilio sends the user:password@ of a callback URL so)' }],
    });
  });

  it('an Authorization header holding no key this server reads is named as such', async () => {
    expect(await send('GET', '/api/v1/compliance', { authorization: 'Token abc' })).toEqual({
      status: 401,
      wwwAuthenticate: UNAUTHORIZED,
      body: problem(401, 'missing-key', 'Unauthorized', 'send an API key as "Authorization: Bearer <key>"', 'Authorization', 'holds no API key this server reads: send one as "Authorization: Bearer <key>"'),
    });
    expect((await send('POST', FIREHOSE, { ...JSON_BODY, authorization: 'Token abc' }, '{}')).body).toMatchObject({
      detail: `send an API key as ${FIREHOSE_KEY}`,
      errors: [{ path: 'Authorization', message: `holds no API key this server reads: send one as ${FIREHOSE_KEY}` }],
    });
  });

  it('an unknown, revoked or expired key: the header that carried it, and why', async () => {
    const refused = (slug: string, why: string, path = 'Authorization') => ({ status: 401, wwwAuthenticate: UNAUTHORIZED, body: problem(401, slug, 'Unauthorized', `the API key ${why}`, path, `carries an API key that ${why}`) });
    expect(await send('GET', '/api/v1/compliance', bearer('rs_not-a-key-0123456789abcdef'))).toEqual(refused('key-unknown', 'is not recognised'));
    expect(await send('GET', '/api/v1/compliance', bearer(keys.revoked))).toEqual(refused('key-revoked', 'has been revoked'));
    expect(await send('GET', '/api/v1/compliance', bearer(keys.expiring))).toEqual(refused('key-expired', 'has expired'));
    expect(await send('POST', TWILIO, { ...FORM, ...basic('rs_not-a-key-0123456789abcdef') }, 'a=1')).toEqual(refused('key-unknown', 'is not recognised'));
    expect(await send('POST', FIREHOSE, { ...JSON_BODY, 'x-amz-firehose-access-key': 'rs_not-a-key-0123456789abcdef' }, '{}')).toEqual(refused('key-unknown', 'is not recognised', 'X-Amz-Firehose-Access-Key'));
  });

  it('a key without the scope: the header that carried it, the scope needed and the ones it has', async () => {
    expect(await send('GET', '/api/v1/keys', bearer(keys.read))).toEqual({
      status: 403,
      wwwAuthenticate: null,
      body: problem(403, 'insufficient-scope', 'Insufficient scope', 'GET /api/v1/keys needs a key with scope "admin" (this key has: read)', 'Authorization', 'carries a key without scope "admin", which GET /api/v1/keys needs (this key has: read)'),
    });
    expect((await send('POST', FIREHOSE, { ...JSON_BODY, 'x-amz-firehose-access-key': keys.read }, '{}')).body).toMatchObject({
      type: 'https://ringside.dev/problems/insufficient-scope',
      errors: [{ path: 'X-Amz-Firehose-Access-Key', message: 'carries a key without scope "ingest", which POST /api/v1/integrations/amazon-connect/firehose needs (this key has: read)' }],
    });
  });

  it('a key limited to sites: the field that names the other site, in the body or the address', async () => {
    const batch = JSON.stringify({ events: [call({ site: 'harbour', id: 'h-1' }), call({ site: 'airport', id: 'a-1' })] });
    expect((await send('POST', '/api/v1/events', { ...JSON_BODY, ...bearer(keys.harbour) }, batch)).body).toEqual(
      problem(403, 'site-not-allowed', 'Site not allowed for this key', 'this key may write only "harbour", not "airport"; nothing from this request was stored', 'events.1.site', 'this key may write only "harbour", not "airport"'),
    );
    expect((await send('GET', '/api/v1/kiosk?site=airport', bearer(keys.harbour))).body).toEqual(
      problem(403, 'site-not-allowed', 'Site not allowed for this key', 'this key may write only "harbour", not "airport"', 'site', 'this key may write only "harbour", not "airport"'),
    );
  });
});

describe('the other refusals of who is asking', () => {
  it('a Twilio callback on a server without the auth token names the signature it cannot verify', async () => {
    expect(await send('POST', TWILIO, { ...FORM, ...basic(keys.ingest), 'x-twilio-signature': 'c2lnbmVk' }, 'a=1')).toEqual({
      status: 403,
      wwwAuthenticate: null,
      body: problem(403, 'twilio-not-configured', 'Twilio not configured', 'this server has no Twilio auth token (RINGSIDE_TWILIO_AUTH_TOKEN), so no callback can be verified', 'X-Twilio-Signature', 'cannot be verified: this server has no Twilio auth token (RINGSIDE_TWILIO_AUTH_TOKEN)'),
    });
  });

  it('a preflight from an origin not allowed names Origin', async () => {
    const origin = 'https://evil.example.com';
    expect(await send('OPTIONS', '/api/v1/events', { origin, 'access-control-request-method': 'POST' })).toEqual({
      status: 403,
      wwwAuthenticate: null,
      body: problem(403, 'cors-origin-not-allowed', 'Origin not allowed', `cross-origin requests from ${origin} are not allowed (see --cors-origin)`, 'Origin', `is not allowed to make cross-origin requests (got ${origin}; see --cors-origin)`),
    });
  });
});
