// The connection to PostgreSQL lost after a write's COMMIT was sent and before its answer came back: the database
// may have committed it, and here it has. The answer must not say "nothing from this request was stored" (a client
// that believed it would be wrong, and one that sent it without ids would store it twice): it says the outcome is
// unknown and to send the same request again, which then answers the stored original as a duplicate. The loss is a
// TCP proxy of the test's own between the node and the database, which passes the COMMIT on and then closes both
// sides before the answer, once.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabases } from '../support/postgres';
import { call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const databases = testDatabases('ringside_commit_lost');
let proxy: Server;
let server: TestServer;
/** Set to an event id: the next connection that sends it has its following COMMIT passed on, then is cut. */
let cutAfterCommitOf: string | null = null;
let cuts = 0;

function startProxy(target: URL): Promise<number> {
  proxy = createServer((client: Socket) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    let sawEvent = false;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (cutAfterCommitOf !== null && text.includes(cutAfterCommitOf)) sawEvent = true;
      upstream.write(chunk);
      if (sawEvent && /\bCOMMIT\b/.test(text)) {
        cutAfterCommitOf = null;
        sawEvent = false;
        cuts += 1;
        upstream.end(); // the COMMIT reaches the database, which commits; its answer reaches no one
        client.destroy();
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port)));
}

beforeAll(async () => {
  const url = new URL(await databases.create());
  const port = await startProxy(url);
  const through = new URL(url);
  through.host = `127.0.0.1:${port}`;
  server = await startTestServer({ databaseUrl: through.toString(), logLevel: 'silent' });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  await new Promise((resolve) => proxy?.close(resolve));
  await databases.dropAll();
});

it('says a write whose commit was not confirmed may have been stored, and its retry finds it stored once', async () => {
  const event = call({ id: 'commit-lost-1' });
  cutAfterCommitOf = 'commit-lost-1';
  const lost = await server.postEvents(event);
  expect(cuts).toBe(1);
  expect(lost.status).toBe(503);
  expect(lost.body.type).toMatch(/\/commit-unknown$/);
  expect(lost.body.detail).toMatch(/^the connection to the database was lost while it committed this request, so it may or may not have been stored: send it again as it was \(the same ids\)/);
  expect(lost.body.detail).not.toMatch(/nothing from this request was stored/);

  const retried = await server.postEvents(event);
  expect(retried.status).toBe(200);
  expect(retried.body.results[0]).toMatchObject({ id: 'commit-lost-1', duplicate: true });
  const verify = await server.getJson('/api/v1/audit/verify');
  expect(verify.body).toMatchObject({ intact: true });
});
