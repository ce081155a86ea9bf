// The dashboard page's first script, in its head (dist/dashboard-prefetch.js, loaded before the stylesheet): for a key
// the server did not see (after '#' in the link it prints, or kept by this tab), it asks for the page's first paint
// at once, so the server reads it while the dashboard's script downloads and evaluates (transport/socket.ts takes
// the answer). It reads the address and changes nothing: the dashboard's script takes the key out of the address.
import { serverUrlOfPage } from '@ringside/server/protocol/pure';
import { pageAddressSources, readAddressKey } from './transport/addressKey';
import { firstPaintUrl, startFirstPaintRequest } from './transport/firstPaintRequest';

function prefetch(): void {
  const serverUrl = serverUrlOfPage(location.href);
  const { key, seenByServer } = readAddressKey(serverUrl, pageAddressSources());
  if (key && !seenByServer) startFirstPaintRequest(firstPaintUrl(serverUrl, location.search), key, (input, init) => fetch(input, init));
}

prefetch();
