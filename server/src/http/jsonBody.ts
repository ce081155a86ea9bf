// The body parsers of the API: JSON (the one for every Ringside client: UTF-8 only (bodyText.ts), nesting bounded
// (jsonDepth.ts)), and plain text and forms for the integrations that post other systems' formats (UTF-8 only).
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { rejectNonUtf8 } from './bodyText';
import { checkFormEncoding } from './percentEncoding';
import { rejectDeepJson } from './jsonDepth';
import type { BodySpec } from './route';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** The media type each body format is read from. */
export const BODY_TYPES = { json: JSON_TYPES, text: ['text/plain'], form: ['application/x-www-form-urlencoded'] } as const;

/**
 * Requests whose body arrived with no bytes (`Content-Length: 0`, a chunked body of no chunks, a compressed body of
 * nothing). The parsers read such a body as {} or '', which a schema could not tell from a body that was sent.
 */
const arrivedEmpty = new WeakSet<object>();

function noteEmpty(req: object, body: Buffer): void {
  if (body.length === 0) arrivedEmpty.add(req);
}

/** True when the request carries no body: none announced, or one of no bytes (once its route's parser has read it). */
export function hasNoBody(req: IncomingMessage): boolean {
  const announced = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return !announced || arrivedEmpty.has(req);
}

function jsonBody(limit: string): RequestHandler {
  return express.json({
    limit,
    // A scalar is valid JSON: each route's schema refuses it by name, rather than the parser as malformed.
    strict: false,
    type: JSON_TYPES,
    verify: (req, res, body, encoding) => {
      noteEmpty(req, body);
      rejectNonUtf8(req, res, body, encoding);
      rejectDeepJson(req, res, body);
    },
  });
}

/** The most parameters a form body may carry (body-parser's parameterLimit); more is refused as 413 too-many-parameters. */
export const MAX_FORM_PARAMETERS = 1000;

export function bodyParser(spec: BodySpec<unknown>): RequestHandler {
  const format = spec.format ?? 'json';
  if (format === 'json') return jsonBody(spec.limit);
  if (format === 'text') {
    return express.text({
      limit: spec.limit,
      type: [...BODY_TYPES.text],
      verify: (req, res, body, encoding) => {
        noteEmpty(req, body);
        rejectNonUtf8(req, res, body, encoding);
      },
    });
  }
  // extended: false keeps a repeated name as an array of strings and never builds nested objects.
  return express.urlencoded({
    limit: spec.limit,
    extended: false,
    parameterLimit: MAX_FORM_PARAMETERS,
    type: [...BODY_TYPES.form],
    verify: (req, res, body, encoding) => {
      noteEmpty(req, body);
      rejectNonUtf8(req, res, body, encoding);
      checkFormEncoding(req, body);
    },
  });
}
