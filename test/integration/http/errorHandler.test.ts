// Anything unexpected becomes a 500 problem without internals; the details go to the log.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../../server/src/http/fallbacks';

// express and pino are the server package's dependencies: resolve them as the server does.
const requireFromServer = createRequire(new URL('../../../server/package.json', import.meta.url));
const express = requireFromServer('express') as () => {
  get(path: string, handler: () => never): void;
  use(handler: unknown): void;
  listen(port: number, host: string): import('node:http').Server;
};
const pino = requireFromServer('pino') as (options: object, stream: { write(line: string): void }) => Parameters<typeof errorHandler>[0];

describe('final error handler', () => {
  it('answers a thrown error with a 500 problem and no stack trace', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    const app = express();
    app.get('/boom', () => {
      throw new Error('secret internals at /srv/app.ts:12');
    });
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal server error' });
      expect(text).not.toMatch(/secret|app\.ts|\n\s+at /);
      expect(logged.join('')).toMatch(/secret internals/);
    } finally {
      server.close();
    }
  });
});
