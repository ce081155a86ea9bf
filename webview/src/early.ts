// Imported first by the bundle's entry, so that it runs before the rest of the bundle (Chart.js and the views) is
// evaluated. In a browser page whose server wrote the first paint into it, it hands that to the transport. Where the
// page's key is one the server did not see (after '#' in the link the server prints, or kept by this tab), it asks the
// server for the same data with that key at once (GET first-paint, the key in a header), and the page is started
// with its answer as if it had been written into it. Otherwise (or for what the page lacks) it opens the socket and
// asks the hourly report at once. Either way the server works on it while the page's script is still evaluating. The
// dashboard mounted afterwards takes this transport (main.ts → boot): the socket's messages wait for it, and its
// first request for the same report takes the answer already on its way.
// Only the bundle's entry imports this module: importing it is what starts the connection.
import { serverUrlOfPage } from '@ringside/server/protocol/pure';
import { planQueries } from './queries';
import { sanitizeSelection } from './selection';
import { pageAddressSources } from './transport/addressKey';
import { readPage, socketTransport, type EarlySocketTransport } from './transport/socket';
import { markTiming, TIMING } from './timing';

function startEarly(): EarlySocketTransport | null {
  // VS Code's webview has its own transport; tests and other hosts import the modules, not the bundle's entry.
  if (typeof document === 'undefined' || typeof acquireVsCodeApi === 'function') return null;
  const serverUrl = serverUrlOfPage(location.href);
  // What the server wrote into the page: the snapshot and the first report. With them the page draws at once and
  // opens its socket after that (socket.ts, startPainted); nothing here waits on the network.
  // Or, instead, that the server would refuse the page's key (none in its address, or a bad one): then nothing is
  // sent that would only be refused; the page asks for a key (views/keyEntry.ts) and connects with it.
  // The key leaves the address bar here, before anything else runs (transport/addressKey.ts).
  // For a key the server did not see (after '#'), readPage has asked for its answer (pageAnswer): the socket waits
  // for it as a painted page's does for its frame, and the query asked below takes its report.
  const page = readPage(document, serverUrl, pageAddressSources());
  const { firstPaint, keyRefused, pageAnswer } = page;
  const transport = socketTransport(serverUrl, page);
  if (keyRefused) return transport;
  // The request the query controller makes for this selection once the page says it is connecting (queries.ts).
  if (!firstPaint?.report) transport.askNow(planQueries(sanitizeSelection(transport.loadSelection?.() ?? null), serverUrl).report.request);
  if (!firstPaint && !pageAnswer) transport.connectNow();
  return transport;
}

markTiming(TIMING.script);
export const earlyTransport = startEarly();
