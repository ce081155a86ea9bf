// GET /export/{events,milestones,compliance,incidents,alerts,audit-log} (CSV, NDJSON, JSON, streamed) and /export/report (HTML).
import type { Request, Response } from 'express';
import { z } from 'zod';
import { abortExport, ClientGone, closedEarly, CONTENT_TYPES, type ExportFormat } from '../../services/exports/format';
import { EVENT_OUTCOMES, EXPORT_KINDS, EXPORT_PARAMETERS, PERIOD_MS, PERIODS, RESULT_OUTCOMES, takes, type ExportKind, type ExportQuery, type Period } from '../../services/exports/query';
import { keyIdOf, keyNameOf } from '../caller';
import { isDomainError, readFailureInWords } from '../../domain/errors';
import { preferredOffer } from '../accept';
import { domainProblem, notAcceptable, problem, sendProblem } from '../problems';
import { bucketLimit, knownSitesOf, listParam, notTakenParam, oneOfParam, refuse, siteListParam, timeParam, unknownStandardMessage, wholeNumberParam, zoneParam, type KnownSite } from '../queryParams';
import { oneOfMessage, unlessWrong } from '../../protocol/issues';
import { route, type AppContext } from '../route';
import { parseQuery } from '../validate';

const DAY = 86_400_000;
const OUTCOMES: readonly string[] = [...RESULT_OUTCOMES, ...EVENT_OUTCOMES];
const STREAMED = ['csv', 'ndjson', 'json'] as const;
const REPORT = ['html'] as const;

type Format = ExportQuery['format'];

/** The media types each format is offered as, to the Accept header. */
const MEDIA_TYPES: Record<Format, readonly string[]> = { csv: ['text/csv'], ndjson: ['application/x-ndjson', 'application/ndjson'], json: ['application/json'], html: ['text/html'] };

const offeredTypes = (formats: readonly string[]) => formats.flatMap((f) => MEDIA_TYPES[f as Format]);

/** The format ?format= does not name, as Accept prefers it among the export's (preferredOffer); null: Accept takes none. */
const formatFromAccept = (accept: string | undefined, formats: readonly string[]): Format | null =>
  preferredOffer(accept, formats.map((f) => ({ value: f as Format, types: MEDIA_TYPES[f as Format] })));

/** An export as asked: its format null when Accept (without ?format=) takes none of the export's. */
type AskedExport = Omit<ExportQuery, 'format'> & { format: Format | null };

/**
 * The export's query with its format; or, after answering 406 naming Accept, null. Accept that takes none of an
 * export's formats is refused rather than answered in the default one, which the client said it would not take
 * (RFC 9110 §15.5.7); ?format= chooses whatever Accept says.
 */
function withFormat(query: AskedExport, req: Request, res: Response, formats: readonly string[]): ExportQuery | null {
  if (query.format !== null) return { ...query, format: query.format };
  const advice = `or name one with the format parameter (${formats.map((f) => `format=${f}`).join(', ')})`;
  sendProblem(res, notAcceptable(req.headers.accept ?? '', offeredTypes(formats), advice));
  return null;
}

export interface ExportContext {
  /** The export asked for (the report: `report`). */
  kind: ExportKind | 'report';
  accept?: string | undefined;
  formats: readonly string[];
  standardIds: readonly string[];
  knownSite: KnownSite;
  serverZone: string;
  nowMs: number;
}

/** The export's query: the last 30 days unless said, filters repeatable or comma-separated, the zone `tz` or the server's. */
function exportQuery(ctx: ExportContext) {
  const known = (allowed: readonly string[], says: (v: string) => string) =>
    listParam().transform((values, zctx) => (values.forEach((v) => allowed.includes(v) || refuse(zctx, says(v))), values));
  const its = itsOwn(ctx.kind);
  const query = z
    .strictObject({
      from: its('from', timeParam()),
      to: its('to', timeParam()),
      site: its('site', siteListParam(ctx.knownSite)),
      standard: its('standard', known(ctx.standardIds, (s) => unknownStandardMessage(s, ctx.standardIds))),
      outcome: its('outcome', known(OUTCOMES, (o) => oneOfMessage(OUTCOMES, o))),
      format: its('format', oneOfParam(ctx.formats)),
      tz: its('tz', zoneParam()),
      period: its('period', oneOfParam(PERIODS)),
      proof: its('proof', oneOfParam(['chain', 'none'] as const)),
      since: its('since', wholeNumberParam(1, Number.MAX_SAFE_INTEGER)),
      asOf: its('asOf', wholeNumberParam(1, Number.MAX_SAFE_INTEGER)),
    })
    .superRefine(
      (p, zctx) => {
        const range = rangeOf(p, ctx.nowMs);
        if (range.fromMs >= range.toMs) refuse(zctx, 'must be later than from', ['to']);
        else periodLimit(ctx.kind, range, p.period ?? 'day', zctx);
      },
      // `period` refused as not applying says nothing about the range.
      unlessWrong('from', 'to', ...(takes(ctx.kind, 'period') ? ['period'] : [])),
    );
  return query.transform((p): AskedExport => {
    const { fromMs, toMs } = rangeOf(p, ctx.nowMs);
    const format = (p.format as Format | undefined) ?? formatFromAccept(ctx.accept, ctx.formats);
    return { fromMs, toMs, sites: p.site ?? [], standards: p.standard ?? [], outcomes: p.outcome ?? [], format, timeZone: p.tz ?? ctx.serverZone, period: p.period ?? 'day', proof: p.proof ?? 'chain', since: p.since ?? null, asOf: p.asOf ?? null };
  });
}

/** [from, to): the last 30 days unless said. */
function rangeOf(p: { from?: number | undefined; to?: number | undefined }, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = p.to ?? nowMs;
  return { fromMs: p.from ?? toMs - 30 * DAY, toMs };
}

/**
 * A parameter's check for this export: its own (`schema`) when the export takes it (EXPORT_PARAMETERS); else the
 * parameter is refused whenever given, naming the exports that do take it, whatever its value: ignoring it would answer
 * another question than the one asked, and the value is checked by the exports it applies to (`period=year` on the
 * events export is told that period does not apply, not which periods there are). Such a parameter is not among
 * those an unknown parameter's refusal lists as known (notTakenParam): that list is the export's own, as
 * EXPORT_PARAMETERS has it, so no parameter it names is then refused as not applying.
 */
function itsOwn(kind: ExportContext['kind']) {
  const what = kind === 'report' ? 'the report' : `the ${kind} export`;
  return <T extends z.ZodType>(name: string, schema: T) => {
    if (takes(kind, name)) return schema;
    const takers = Object.keys(EXPORT_PARAMETERS).filter((k) => takes(k as ExportContext['kind'], name));
    return notTakenParam(`does not apply to ${what} (taken by: ${takers.join(', ')})`);
  };
}

/**
 * The compliance export reads each period, the report each period and each local day of every site: a range holding
 * more of them than a request may walk (MAX_BUCKETS, as GET /compliance's buckets) is refused before anything is read.
 */
function periodLimit(kind: ExportContext['kind'], range: { fromMs: number; toMs: number }, period: Period, zctx: z.RefinementCtx): void {
  if (kind === 'compliance') bucketLimit(zctx, range, PERIOD_MS[period], `${period} periods`, ['period'], 'choose a longer period or a shorter range');
  if (kind === 'report') bucketLimit(zctx, range, PERIOD_MS.day, 'days (the report lists every day of each site)', ['to'], 'choose a shorter range');
}

/** An export's query read outside a request. */
export function parseExportQuery(raw: Record<string, unknown>, ctx: ExportContext) {
  const parsed = parseQuery(exportQuery(ctx), raw);
  return parsed.ok ? { ok: true as const, query: parsed.value } : parsed;
}

const queryFor = (kind: ExportContext['kind'], formats: readonly string[]) => ({
  schema: async (req: Request, app: AppContext) =>
    exportQuery({ kind, accept: req.headers.accept, formats, standardIds: app.core.standards.ids(), knownSite: await knownSitesOf(app.core.sites, req.query), serverZone: app.core.serverZone(), nowMs: app.now() }),
});

/** Streams one export; a HEAD answers the headers without running it. */
async function streamExport(kind: ExportKind, q: ExportQuery, res: Response, app: AppContext, head: boolean): Promise<void> {
  const format = q.format as ExportFormat;
  const stamp = new Date(app.now()).toISOString().replace(/[:.]/g, '-');
  const headers = () => fileHeaders(res, CONTENT_TYPES[format], `attachment; filename="ringside-${kind}-${stamp}.${format}"`);
  if (head) return void headers().end();
  const ended = app.exportsRunning.start(res);
  if (!ended) return;
  try {
    await app.core.exports.stream(kind, q, res, { keyId: keyIdOf(res), keyName: keyNameOf(res) }, () => headers().flushHeaders());
    res.end();
  } catch (error) {
    if (error instanceof ClientGone) return;
    if (isDomainError(error) && !res.headersSent) return sendProblem(res, domainProblem(error));
    const requestId = String(res.locals.requestId);
    app.logger.error({ err: error, reqId: requestId, export: kind, format, keyId: keyIdOf(res) }, 'export failed');
    const detail = `${failureReason(error)}; the server logged it with request id ${requestId}`;
    if (!res.headersSent) sendProblem(res, problem(500, 'export-failed', 'Export failed', detail));
    // A started export must not look complete, nor merely cut: its last line says why, and the response never ends.
    else abortExport(res, format, { code: 'export-failed', detail: `the export failed after it started: ${detail}; this file is incomplete, export it again`, requestId });
  } finally {
    ended();
  }
}

/**
 * An export's headers, the same whether it is sent or only its headers are (HEAD: a cache may freshen a stored answer
 * from them). Never kept by a browser or proxy: an export holds the period's figures and names.
 */
function fileHeaders(res: Response, contentType: string, disposition: string): Response {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', disposition);
  res.setHeader('Cache-Control', 'no-store');
  return res;
}

/** The report's answer as a document. */
const reportHeaders = (res: Response) => fileHeaders(res, 'text/html; charset=utf-8', 'inline; filename="ringside-audit-report.html"');

/** What stopped an export, in words for the client: a domain refusal as such, else readFailureInWords. */
function failureReason(error: unknown): string {
  return isDomainError(error) && error.kind !== 'unavailable' ? error.message : readFailureInWords(error);
}

export const exportRoutes = [
  ...EXPORT_KINDS.map((kind) =>
    route<unknown, AskedExport>({
      method: 'GET',
      path: `/export/${kind}`,
      scope: 'audit',
      vary: ['Accept'], // the format is chosen by Accept unless ?format= names one
      query: queryFor(kind, STREAMED),
      handle: async ({ query, req, res }, app) => {
        const q = withFormat(query, req, res, STREAMED);
        if (q) await streamExport(kind, q, res, app, req.method === 'HEAD');
      },
    }),
  ),
  route<unknown, AskedExport>({
    method: 'GET',
    path: '/export/report',
    scope: 'audit',
    vary: ['Accept'],
    query: queryFor('report', REPORT),
    handle: async ({ query: asked, req, res }, app) => {
      const query = withFormat(asked, req, res, REPORT);
      if (!query) return;
      // A HEAD answers the report's headers without reading it, logging an export or counting as one, as the streamed
      // ones do: a client checks its key and parameters so before it asks where to save.
      if (req.method === 'HEAD') return void reportHeaders(res).end();
      const ended = app.exportsRunning.start(res);
      if (!ended) return;
      const report = await app.core.exports
        .report(query, { keyId: keyIdOf(res), keyName: keyNameOf(res) }, closedEarly(res))
        .catch((error: unknown) => {
          if (error instanceof ClientGone) return null; // nobody is left to answer
          throw error;
        })
        .finally(ended);
      if (report === null) return;
      reportHeaders(res);
      // Replaces the dashboard's policy (which allows no inline style): this document's one style, by its hash.
      res.setHeader('Content-Security-Policy', report.contentSecurityPolicy);
      res.send(report.html);
    },
  }),
];
