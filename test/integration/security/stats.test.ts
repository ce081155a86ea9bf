// GET /api/v1/stats counts the requests in flight, itself included, whatever the access mode: a request is in flight
// from the moment the server receives it, not from when some middleware has finished with it.
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  server = undefined;
});

const inFlight = async (s: TestServer) => (await s.getJson('/api/v1/stats')).body.http.inFlight as number;

describe('requests in flight', () => {
  it('with keys: the stats request counts itself', async () => {
    server = await startTestServer();
    expect(await inFlight(server)).toBe(1);
  });

  it('with --no-auth: the same count', async () => {
    server = await startTestServer({ noAuth: true });
    expect(await inFlight(server)).toBe(1);
  });
});
