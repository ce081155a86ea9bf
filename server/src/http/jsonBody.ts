// The body parsers of the API: JSON (the one for every Ringside client: UTF-8 only (bodyText.ts), nesting bounded
// (jsonDepth.ts)), and plain text and forms for the integrations that post other systems' formats (UTF-8 only).
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { bodyError, rejectNonUtf8, spellUtf8Charset } from './bodyText';
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
  const parser = bodyParserJson(limit);
  const max = limitBytes(limit);
  return (req, res, next) => {
    const length = plainJsonLength(req, max);
    if (length === null) return parser(req, res, next);
    readPlainJson(req, length, next);
  };
}

function bodyParserJson(limit: string): RequestHandler {
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

/** '64kb', '1mb': a route's limit in bytes, as body-parser reads it (1 kb = 1,024 bytes). */
function limitBytes(limit: string): number {
  const m = /^([1-9]\d*)(kb|mb)$/.exec(limit);
  if (!m) throw new Error(`body limit "${limit}": write it as <n>kb or <n>mb`);
  return Number(m[1]) * (m[2] === 'kb' ? 1024 : 1024 * 1024);
}

/**
 * The plain form of a JSON request, as integrations send it: `Content-Type: application/json` (UTF-8 or no charset),
 * a `Content-Length` within the limit, nothing compressed or chunked. Such a body is read without body-parser, whose
 * content negotiation and streaming decoder cost ~12 µs per request on the single-event path (test/bench/NOTES.md
 * 18.AQ); with the same checks and the same errors. Its length, or null for every other request (body-parser's).
 */
function plainJsonLength(req: IncomingMessage, max: number): number | null {
  const { 'content-type': type, 'content-length': length, 'content-encoding': encoding, 'transfer-encoding': chunked } = req.headers;
  if (encoding !== undefined || chunked !== undefined || type === undefined || length === undefined) return null;
  if (!PLAIN_JSON_TYPES.has(type.toLowerCase()) || !/^[1-9]\d{0,9}$/.test(length)) return null;
  const bytes = Number(length);
  return bytes <= max ? bytes : null;
}

const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);
const UTF8_BOM = 0xfeff;

/** Reads a plain JSON body whole, then checks and parses it as the JSON parser's `verify` hooks and body-parser do. */
function readPlainJson(req: IncomingMessage, length: number, next: (err?: unknown) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const settle = (err?: unknown) => {
    if (settled) return;
    settled = true;
    req.off('data', onData).off('end', onEnd).off('error', onAborted).off('close', onAborted);
    next(err);
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  };
  const onAborted = () => settle(bodyError(400, 'request.aborted', 'request aborted'));
  const onEnd = () => {
    if (received !== length) return settle(bodyError(400, 'request.size.invalid', 'request size did not match content length'));
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    try {
      rejectNonUtf8(req, undefined, body, null);
      rejectDeepJson(req, undefined, body);
    } catch (error) {
      return settle(error);
    }
    const text = body.toString('utf8');
    try {
      // body-parser's decoder drops a byte order mark; JSON.parse would not.
      (req as IncomingMessage & { body?: unknown }).body = JSON.parse(text.charCodeAt(0) === UTF8_BOM ? text.slice(1) : text);
    } catch {
      return settle(bodyError(400, 'entity.parse.failed', 'the request body is not valid JSON'));
    }
    settle();
  };
  req.on('data', onData).on('end', onEnd).on('error', onAborted).on('close', onAborted);
}

/** The most parameters a form body may carry (body-parser's parameterLimit); more is refused as 413 too-many-parameters. */
export const MAX_FORM_PARAMETERS = 1000;

export function bodyParser(spec: BodySpec<unknown>): RequestHandler {
  const parse = parserOf(spec);
  return (req, res, next) => {
    spellUtf8Charset(req);
    parse(req, res, (err?: unknown) => next(err === undefined ? err : withItems(err, spec.items)));
  };
}

/** A body over its limit, with what the route's body lists (BodySpec.items), which the 413 needs to say how to split it. */
export interface TooLargeBody {
  type: 'entity.too.large';
  limit?: number;
  length?: number;
  items?: string;
}

function withItems(err: unknown, items: string | undefined): unknown {
  if (items !== undefined && (err as { type?: unknown } | null)?.type === 'entity.too.large') (err as TooLargeBody).items = items;
  return err;
}

function parserOf(spec: BodySpec<unknown>): RequestHandler {
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
