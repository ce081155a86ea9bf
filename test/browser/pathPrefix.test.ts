// The dashboard page behind a reverse proxy's path prefix (https://host/ringside/, code-server's /proxy/4870/):
// its socket, its queries and its export downloads all go below the prefix, never to the bare origin.
// (test/e2e/pathPrefix.test.ts proves the same through a real nginx.)
import { afterEach, describe, expect, it } from 'vitest';
import { serverUrlOfPage } from '../../server/src/protocol/pure';
import { openSocket, socketTransport, type DashboardSocket } from '../../webview/src/transport/socket';
import { exportUrl } from '../../webview/src/views/exportButton';

const opened: DashboardSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.disconnect();
});

/** The real socket.io-client socket the transport opens (to a port nothing listens on), kept for inspection. */
function recordingConnect(url: string, token: string | null): DashboardSocket {
  const socket = openSocket(url, token);
  socket.io.reconnection(false);
  opened.push(socket);
  return socket;
}

describe('a page served under a path prefix', () => {
  const page = 'http://127.0.0.1:9/ringside/?token=rs_k&site=harbour';
  const server = serverUrlOfPage(page);

  it('connects Socket.IO at PREFIX/socket.io on the default namespace', () => {
    const transport = socketTransport(server, { token: 'rs_k', connect: recordingConnect });
    const stop = transport.start(() => undefined);
    try {
      const [socket] = opened;
      expect(socket).toBeDefined();
      // Not the namespace "/ringside" (what io('http://host/ringside') means), but the path below the prefix.
      expect((socket as unknown as { nsp: string }).nsp).toBe('/');
      expect(socket!.io.opts.path).toBe('/ringside/socket.io');
      expect(socket!.auth).toEqual({ token: 'rs_k' });
    } finally {
      stop();
    }
  });

  it('queries PREFIX/api/v1 with the page’s key', async () => {
    const urls: string[] = [];
    const transport = socketTransport(server, {
      token: 'rs_k',
      connect: recordingConnect,
      fetch: async (input) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return new Response(JSON.stringify({ from: 'f', to: 't', site: null, standards: [], bucket: null }), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    await transport.request!({ kind: 'compliance', params: { window: 'today', groupBy: 'site' } });
    expect(urls).toEqual(['http://127.0.0.1:9/ringside/api/v1/compliance?window=today&groupBy=site']);
  });

  it('downloads exports from PREFIX/api/v1/export', () => {
    const url = new URL(exportUrl(server, { id: 'report', label: 'Audit report (HTML)', path: 'report', format: 'html', ext: 'html' }, { from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', zone: 'UTC' }, { site: 'harbour', standard: null }));
    expect(url.pathname).toBe('/ringside/api/v1/export/report');
    expect(url.searchParams.get('site')).toBe('harbour');
  });
});
