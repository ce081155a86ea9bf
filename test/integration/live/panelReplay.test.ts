// A dashboard panel opened in VS Code while the extension host's connection is lost and retrying: the host replays
// what it holds (currentMessages) and the page must read it as figures kept from before, not as a live connection.
import { afterEach, expect, it } from 'vitest';
import { RingsideConnection } from '../../../extension/src/connection';
import { initialState, reduce } from '../../../webview/src/state';
import { nextCatchUp } from '../support/liveClients';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  if (server) removeDir(server.dataDir);
  server = undefined;
});

it('a panel opened while the connection is lost shows the kept figures as reconnecting, not live', async () => {
  server = await startTestServer();
  const connection = new RingsideConnection();
  cleanups.push(() => connection.dispose());
  const first = nextCatchUp(connection);
  connection.connect(server.url, server.apiKey);
  await first;
  const lost = new Promise<void>((resolve) => {
    const subscription = connection.onMessage((m) => {
      if (m.type === 'connection' && m.state === 'connecting') {
        subscription.dispose();
        resolve();
      }
    });
  });
  await server.close();
  await lost;
  expect(connection.state).toBe('connecting');

  const page = connection.currentMessages().reduce(reduce, initialState);
  expect(page.hasSnapshot).toBe(true);
  expect(page.connection.state).toBe('connecting');
  // Retrying after a loss, with figures from before it: what the page shows as "Reconnecting…" and their age.
  expect(page.connectionSettled).toBe(true);
});
