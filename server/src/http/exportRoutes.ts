// GET /api/v1/export/{events,compliance,incidents,alerts,audit-log} (CSV, NDJSON, JSON, streamed) and /export/report (HTML).
// Scope: audit (http/scopes.ts).
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Core } from '../services/core';
import { EXPORT_KINDS } from '../services/exports';
import { ClientGone, CONTENT_TYPES, type ExportFormat } from '../services/exports/format';
import type { ExportQuery } from '../services/exports/query';
import { keyIdOf } from './auth';
import { parseExportQuery } from './exportQuery';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

/** The export's query, or null after answering 400 naming each bad parameter. */
function queryOf(core: Core, now: () => number, req: Request, res: Response, formats: readonly string[]): ExportQuery | null {
  const parsed = parseExportQuery(req.query as Record<string, unknown>, { accept: req.headers.accept, formats, standardIds: core.standards.ids(), serverZone: core.serverZone(), nowMs: now() });
  if (parsed.ok) return parsed.query;
  sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', parsed.errors.map((e) => `${e.path} ${e.message}`).join('; '), parsed.errors));
  return null;
}

export function exportRouter(core: Core, now: () => number, logger: Logger): express.Router {
  const router = express.Router();
  for (const kind of EXPORT_KINDS) {
    router
      .route(`/export/${kind}`)
      .get(async (req, res) => {
        const q = queryOf(core, now, req, res, ['csv', 'ndjson', 'json']);
        if (!q) return;
        const format = q.format as ExportFormat;
        if (req.method === 'HEAD') return void res.status(200).type(CONTENT_TYPES[format]).end(); // no body: do not run the export
        const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
        const headers = () => {
          res.status(200);
          res.setHeader('Content-Type', CONTENT_TYPES[format]);
          res.setHeader('Content-Disposition', `attachment; filename="ringside-${kind}-${stamp}.${format}"`);
          res.setHeader('Cache-Control', 'no-store');
          res.flushHeaders();
        };
        try {
          await core.exports.stream(kind, q, res, keyIdOf(res), headers);
          res.end();
        } catch (error) {
          if (error instanceof ClientGone) return;
          logger.error({ err: error }, 'export failed');
          if (!res.headersSent) sendProblem(res, problem(500, 'export-failed', 'Export failed', (error as Error).message));
          else res.destroy(error as Error); // a truncated export must not look complete: no trailing manifest
        }
      })
      .all(methodNotAllowed(['GET']));
  }
  router
    .route('/export/report')
    .get(async (req, res) => {
      const q = queryOf(core, now, req, res, ['html']);
      if (!q) return;
      const html = await core.exports.report(q, keyIdOf(res));
      res.status(200).type('text/html; charset=utf-8').setHeader('Content-Disposition', `inline; filename="ringside-audit-report.html"`);
      res.send(html);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
