// Baseline for single-event ingest: a bare Express route on the same setup (child process, node:http,
// 127.0.0.1, keep-alive, JSON body parsing) that answers 201 without doing anything.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const express = createRequire(join(import.meta.dirname, '../../../server/package.json'))('express');
const app = express();
app.disable('x-powered-by');
app.post('/api/v1/events', express.json({ limit: '1mb' }), (req, res) => {
  res.status(201).json({ results: [{ ok: true }] });
});
const server = createServer(app);
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)) && server.closeAllConnections());
