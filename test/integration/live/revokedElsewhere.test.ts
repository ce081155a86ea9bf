// A key taken away where the server cannot hear it (the keys subcommand, another process writing the same store; a
// change made in the database itself) still cuts the live sockets using it: the server checks its sockets' keys
// against the store once a second (docs/security.md). On either backend (integration, integration-postgres).
import pg from 'pg';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { connected, type LiveClient } from '../clocks/support';
import { buildServer, mainJs, runNode } from '../support/cli';
import { byDeadline } from '../support/deadline';
import { testClock } from '../support/testClock';
import { adminHeaders, databaseUrlOf, useTestServer } from '../support/testServer';

/** The server's time: its once-a-second key check runs only when the test moves it. */
const clock = testClock();
const server = useTestServer({ clock });
beforeAll(buildServer);
const clients: LiveClient[] = [];
afterEach(() => clients.splice(0).forEach((c) => c.close()));

async function readKey(name: string): Promise<{ id: string; key: string }> {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: JSON.stringify({ name, scopes: ['read'] }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

async function live(key: string): Promise<LiveClient> {
  const { client } = await connected({ url: server().url, apiKey: key });
  clients.push(client);
  return client;
}

const disconnected = (client: LiveClient) => new Promise<string>((resolve) => client.once('disconnect', resolve));
const statusWith = async (key: string) => (await fetch(`${server().url}/api/v1/compliance`, { headers: adminHeaders(key) })).status;

/** Gives key `id` other scopes in the server's store, through a connection of the test's own, as at a database prompt. */
async function setScopesInTheDatabase(id: string, scopes: string[]): Promise<void> {
  const url = await databaseUrlOf(server().dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('UPDATE api_keys SET scopes = $1 WHERE id = $2', [JSON.stringify(scopes), id]);
    } finally {
      await client.end();
    }
    return;
  }
  const db = openDatabase(server().dataDir);
  try {
    db.prepare('UPDATE api_keys SET scopes = ? WHERE id = ?').run(JSON.stringify(scopes), id);
  } finally {
    db.close();
  }
}

it('a key revoked with the keys subcommand while the server runs: its sockets are cut at the next check, the others stay', async () => {
  const wallboard = await readKey('wallboard');
  const other = await readKey('other wallboard');
  const revokedSockets = [await live(wallboard.key), await live(wallboard.key)];
  const kept = await live(other.key);
  const cut = Promise.all(revokedSockets.map(disconnected));

  const database = await databaseUrlOf(server().dataDir);
  const run = await runNode([mainJs, 'keys', 'revoke', '--data', server().dataDir, '--id', wallboard.id, ...(database ? ['--database', database] : [])], { env: { ...process.env, RINGSIDE_API_KEY: '' } });
  expect(run.status, run.stderr).toBe(0);
  expect(await statusWith(wallboard.key)).toBe(401); // HTTP reads the key from the store on every request

  await clock.advance(1000);
  expect(await byDeadline(cut, 10_000, () => 'the sockets of the key revoked by the keys subcommand were never cut')).toEqual(['io server disconnect', 'io server disconnect']);
  // The same check passed over the other key's socket.
  expect(kept.connected).toBe(true);
});

it('a key changed in the database itself so that it may no longer read is cut at the next check', async () => {
  // Keys are not edited through the API or the CLI; a change made under them is still what counts.
  const demoted = await readKey('demoted');
  const socket = await live(demoted.key);
  const cut = disconnected(socket);
  await setScopesInTheDatabase(demoted.id, ['ingest']);
  expect(await statusWith(demoted.key)).toBe(403);

  await clock.advance(1000);
  expect(await byDeadline(cut, 10_000, () => 'the socket of the key that lost its scope read was never cut')).toBe('io server disconnect');
});
