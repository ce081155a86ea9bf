// HTTP for issue #6: /export/{events,compliance,alerts,audit-log,report}, /audit/verify, /audit/head,
// POST /events/:id/void and /events/:id/amend. Scopes: audit for /export/* and /audit/* (auth/scopes.ts),
// admin for corrections (unmapped POST paths need admin).
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { wellFormedString } from '../protocol';
import type { Logger } from 'pino';
import { callerOf } from '../auth/httpAuth';
import { readSecret } from '../audit/auditStore';
import { verifyChain } from '../audit/verify';
import { serverTimeZone } from '../domain/zonedTime';
import { methodNotAllowed } from '../http/fallbacks';
import { jsonBody } from '../http/jsonBody';
import { domainProblem, problem, sendProblem } from '../http/problems';
import { DomainError } from '../domain/errors';
import type { Store } from '../store/store';
import { ringsSchema, secondsSchema } from '../protocol';
import { alertsExport, auditLogExport, complianceExport, eventsExport, type ExportContext } from './exports';
import { ClientGone, CONTENT_TYPES, streamExport, type ExportFormat } from './format';
import { parseExportQuery, type ExportQuery } from './query';
import { auditReport } from './report';

export const keyIdOf = (res: Response): string => {
  const caller = res.locals.caller as ReturnType<typeof callerOf> | undefined;
  return caller?.key?.id ?? 'anonymous';
};

type Kind = 'events' | 'compliance' | 'alerts' | 'audit-log';
const BODIES = { events: eventsExport, compliance: complianceExport, alerts: alertsExport, 'audit-log': auditLogExport } as const;

export function exportRouter(store: Store, version: string, now: () => number, logger?: Logger): express.Router {
  const router = express.Router();
  const parse = (req: Request, res: Response, formats: readonly string[]): ExportQuery | null => {
    const parsed = parseExportQuery(req.query as Record<string, unknown>, {
      accept: req.headers.accept,
      formats,
      standardIds: store.standards.ids(),
      serverZone: serverTimeZone(),
      nowMs: now(),
    });
    if (!parsed.ok) {
      sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', parsed.errors.map((e) => `${e.path} ${e.message}`).join('; '), parsed.errors));
      return null;
    }
    return parsed.query;
  };

  for (const kind of Object.keys(BODIES) as Kind[]) {
    router
      .route(`/export/${kind}`)
      .get(async (req, res) => {
        const q = parse(req, res, ['csv', 'ndjson', 'json']);
        if (!q) return;
        const format = q.format as ExportFormat;
        if (req.method === 'HEAD') {
          res.status(200).type(CONTENT_TYPES[format]).end(); // no body: do not run the export
          return;
        }
        const reader = store.audit.openReader();
        const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
        try {
          reader.exec('BEGIN'); // one snapshot for rows, links and head
          const ctx: ExportContext = { reader, serverVersion: version, nowMs: now(), format };
          const body = BODIES[kind](q, ctx) as Parameters<typeof streamExport>[2];
          store.audit.log({ keyId: keyIdOf(res), action: `export.${kind}`, target: null, details: { format, filters: { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), sites: q.sites, standards: q.standards, outcomes: q.outcomes, tz: q.timeZone, period: q.period } } });
          res.status(200);
          res.setHeader('Content-Type', CONTENT_TYPES[format]);
          res.setHeader('Content-Disposition', `attachment; filename="ringside-${kind}-${stamp}.${format}"`);
          res.setHeader('Cache-Control', 'no-store');
          res.flushHeaders();
          await streamExport(res, format, body);
          res.end();
        } catch (error) {
          if (error instanceof ClientGone) return;
          logger?.error({ err: error }, 'export failed');
          if (!res.headersSent) sendProblem(res, problem(500, 'export-failed', 'Export failed', (error as Error).message));
          else res.destroy(error as Error); // a truncated export must not look complete: no trailing manifest
        } finally {
          try {
            if (reader.inTransaction) reader.exec('COMMIT');
          } finally {
            reader.close();
          }
        }
      })
      .all(methodNotAllowed(['GET']));
  }

  router
    .route('/export/report')
    .get((req, res) => {
      const q = parse(req, res, ['html']);
      if (!q) return;
      const reader = store.audit.openReader();
      try {
        reader.exec('BEGIN');
        store.audit.log({ keyId: keyIdOf(res), action: 'export.report', target: null, details: { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), sites: q.sites, standards: q.standards, tz: q.timeZone, period: q.period } });
        const html = auditReport(q, { reader, serverVersion: version, nowMs: now(), format: 'csv' });
        res.status(200).type('text/html; charset=utf-8').setHeader('Content-Disposition', `inline; filename="ringside-audit-report.html"`);
        res.send(html);
      } finally {
        if (reader.inTransaction) reader.exec('COMMIT');
        reader.close();
      }
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/audit/verify')
    .get((_req, res) => {
      const reader = store.audit.openReader();
      try {
        reader.exec('BEGIN');
        const result = verifyChain(reader, readSecret(store.audit.dataDir, false));
        res.status(200).json(result);
      } finally {
        if (reader.inTransaction) reader.exec('COMMIT');
        reader.close();
      }
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/audit/head')
    .get((_req, res) => {
      res.json(store.audit.head());
    })
    .all(methodNotAllowed(['GET']));

  const json = jsonBody({ limit: '64kb', strict: true });
  const reason = wellFormedString().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');
  const voidBody = z.object({ reason }).strict();
  const amendBody = z
    .object({
      reason,
      changes: z
        .object({
          outcome: z.enum(['answered', 'abandoned', 'greeted', 'left']).optional(),
          // The limits of ingest: a correction cannot store what a PBX could not have posted.
          rings: ringsSchema.optional(),
          answerSeconds: secondsSchema.optional(),
          greetSeconds: secondsSchema.optional(),
        })
        .strict()
        .refine((c) => Object.keys(c).length > 0, { message: 'must change at least one of outcome, rings, answerSeconds, greetSeconds' }),
    })
    .strict();
  for (const action of ['void', 'amend'] as const) {
    router
      .route(`/events/:id/${action}`)
      .post(json, (req, res) => {
        const parsed = (action === 'void' ? voidBody : amendBody).safeParse(req.body ?? {});
        if (!parsed.success) {
          const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
          sendProblem(res, problem(400, 'invalid-body', 'Invalid request body', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors));
          return;
        }
        try {
          const result = store.audit.correct(
            req.params.id!,
            { action, ...parsed.data } as never,
            keyIdOf(res),
            (id) => store.standards.versions(id),
            (site) => store.sites.ringCycleSeconds(site),
          );
          res.status(201).json(result);
        } catch (error) {
          if (error instanceof DomainError) {
            sendProblem(res, domainProblem(error));
            return;
          }
          throw error;
        }
      })
      .all(methodNotAllowed(['POST']));
  }
  return router;
}

/** Audit log of configuration changes: every successful write to /standards* or /sites* (issue #6). */
export function auditTrail(store: Store): express.RequestHandler {
  return (req, res, next) => {
    const m = /^\/api\/v1\/(standards|sites)(?:\/([^/]+))?(?:\/.*)?$/i.exec(req.path);
    if (!m || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return next();
    res.on('finish', () => {
      if (res.statusCode < 200 || res.statusCode >= 300) return;
      const kind = m[1]!.toLowerCase() === 'standards' ? 'standard' : 'site';
      const verb = req.method === 'POST' ? 'create' : req.method === 'DELETE' ? 'retire' : 'update';
      const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
      const target = m[2] ? decodeURIComponent(m[2]) : typeof body.id === 'string' ? body.id : null;
      try {
        store.audit.log({ keyId: keyIdOf(res), action: `${kind}.${verb}`, target, details: { method: req.method, path: req.path, status: res.statusCode, body } });
      } catch {
        /* the store may be closing; the change itself is chained anyway */
      }
    });
    next();
  };
}
