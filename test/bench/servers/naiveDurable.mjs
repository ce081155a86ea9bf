// Baseline for single-event ingest: the naive durable route. Express with `express.json()`, and per request one
// SQLite INSERT of the posted event committed on its own (WAL, synchronous = FULL: one fsync per request, as a
// route without group commit would pay), answering 201 with the stored row's seq. No auth, no validation beyond
// JSON, no judgement, no audit chain: what "write it down durably, then answer" costs at the least.
// argv[2]: the folder for its database file.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Packages resolve from server/, as in bareExpress.mjs.
const fromServer = createRequire(join(import.meta.dirname, '../../../server/package.json'));
const express = fromServer('express');
const Database = fromServer('better-sqlite3');

const db = new Database(join(process.argv[2], 'naive.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, occurred_at TEXT NOT NULL, content TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO events (site, occurred_at, content) VALUES (?, ?, ?)');

const app = express();
app.disable('x-powered-by');
app.post('/api/v1/events', express.json({ limit: '1mb' }), (req, res) => {
  const e = req.body;
  // Autocommit: each run() is its own transaction, so its own fsync of the WAL before the answer.
  const seq = Number(insert.run(String(e.site), String(e.occurredAt), JSON.stringify(e)).lastInsertRowid);
  res.status(201).json({ results: [{ seq, ok: true }] });
});
const server = createServer(app);
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    db.close();
    process.exit(0);
  });
});
