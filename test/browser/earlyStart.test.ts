// The page's transport set going before the dashboard is mounted (webview/src/early.ts): the socket opened while the
// bundle is still evaluating holds its messages for the dashboard, and the report asked then is fetched once.
import { afterEach, describe, expect, it } from 'vitest';
import { planQueries } from '../../webview/src/queries';
import { DEFAULT_SELECTION } from '../../webview/src/selection';
import { socketTransport } from '../../webview/src/transport/socket';
import { settle, snapshot } from './fixtures';
import { countingFetch, handSocket } from './handTransport';
import { mount, unmountAll } from './mount';

afterEach(unmountAll);

const SERVER = 'http://127.0.0.1:4870';

describe('a transport started before the dashboard', () => {
  it('holds what the socket delivered until the dashboard starts it, then hands it over in order', () => {
    const socket = handSocket();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: socket.connect, fetch: countingFetch().fetch });
    transport.connectNow();
    socket.fire('connect');
    socket.fire('snapshot', snapshot());
    const { dashboard } = mount({ transport });
    expect(dashboard.state().hasSnapshot).toBe(true);
    expect(dashboard.state().connection).toEqual({ state: 'connected', serverUrl: SERVER, error: null });
    // Later messages go straight to the dashboard.
    socket.fire('connect_error', new Error('xhr poll error'));
    expect(dashboard.state().connection.state).toBe('disconnected');
  });

  it('fetches the report asked before mounting once: the dashboard’s request for it takes that answer', async () => {
    const socket = handSocket();
    const { asked, fetch } = countingFetch();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: socket.connect, fetch });
    const selection = { ...DEFAULT_SELECTION, window: '7d' as const };
    transport.askNow(planQueries(selection, SERVER).report.request);
    transport.connectNow();
    expect(asked).toEqual(['/api/v1/compliance?window=7d&bucket=hour']);
    const { dashboard } = mount({ transport, selection });
    socket.fire('connect');
    socket.fire('snapshot', snapshot());
    await settle();
    await settle();
    expect(dashboard.state().queries.report.status).toBe('ok');
    expect(asked).toEqual(['/api/v1/compliance?window=7d&bucket=hour', '/api/v1/distribution?window=7d', '/api/v1/compliance?window=7d&groupBy=site']);
    // Taken once: the next request for the same report is fetched again.
    await transport.request!(planQueries(selection, SERVER).report.request);
    expect(asked.filter((a) => a.includes('bucket=hour'))).toHaveLength(2);
  });

  it('keeps an early answer only for the first request: one for another query discards it', async () => {
    const { asked, fetch } = countingFetch();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: handSocket().connect, fetch });
    const report = planQueries({ ...DEFAULT_SELECTION, window: '7d' }, SERVER).report.request;
    transport.askNow(report);
    await transport.request!({ kind: 'distribution', params: { window: '7d' } });
    await transport.request!(report);
    expect(asked).toEqual(['/api/v1/compliance?window=7d&bucket=hour', '/api/v1/distribution?window=7d', '/api/v1/compliance?window=7d&bucket=hour']);
  });
});
