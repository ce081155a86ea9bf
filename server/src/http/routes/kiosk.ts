// GET /kiosk (ingest): what the reception kiosk page (/kiosk?site=…) needs to time visitors, asked with the desk's
// ingest key. A key limited to other sites is refused before this runs (http/auth.ts).
import { z } from 'zod';
import { LIMITS, siteId, wellFormedString } from '../../protocol';
import type { KioskSetup } from '../../protocol/kiosk';
import { route } from '../route';

// The site the kiosk will post visits for: a site id as every write names one (NFC, no comma).
const kioskQuery = z.strictObject({
  site: siteId(wellFormedString().trim().min(1, 'must not be empty').max(LIMITS.maxTextLength, `must be at most ${LIMITS.maxTextLength} characters`)),
});

export const kioskRoutes = [
  route<Record<string, string>, z.infer<typeof kioskQuery>>({
    method: 'GET',
    path: '/kiosk',
    scope: 'ingest',
    query: { schema: kioskQuery },
    handle: ({ query, res }, app): Promise<KioskSetup> => {
      res.setHeader('Cache-Control', 'no-store');
      return app.core.clocks.kioskSetup(query.site);
    },
  }),
];
