// A route of the API as data: method, path, the scope it needs, the schemas of its input, and a handler that only
// turns the validated input into a service call. The tables (http/routes/) are mounted by http/mount.ts, the access
// policy (http/scopes.ts) is derived from them, and a test checks that both agree with what Express serves.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Scope } from '../domain/keys';
import type { Core } from '../services/core';
import type { Committer } from '../services/ingest/groupCommit';
import type { RunningExports } from './exportLimit';

/**
 * What a request needs: no key at all ('public'), a key of any scope ('any-key': a path no route serves, or a method
 * its path does not take, a 404 or 405 whatever the key may do) or a key with the given scope.
 */
export type Requirement = 'public' | 'any-key' | Scope;

/**
 * Where a route's senders carry their key: the request header, and how to send it (said when a request has none).
 * Most send "Authorization: Bearer <key>" (BEARER); a door for a system that cannot set that header says its own.
 */
export interface KeyPlace {
  header: string;
  /** How to send the key, after "send an API key as": `"Authorization: Bearer <key>"`. */
  as: string;
}

export const BEARER: KeyPlace = { header: 'Authorization', as: '"Authorization: Bearer <key>"' };

/** Amazon Data Firehose sends the access key configured on its HTTP endpoint in a header of its own. */
export const FIREHOSE_ACCESS_KEY: KeyPlace = { header: 'X-Amz-Firehose-Access-Key', as: `"X-Amz-Firehose-Access-Key: <key>" (the access key of the Firehose stream's HTTP endpoint)` };

/** Twilio cannot set Bearer: it sends the user:password of a callback URL as HTTP Basic credentials. */
export const BASIC_PASSWORD: KeyPlace = { header: 'Authorization', as: 'the password of HTTP Basic credentials, "Authorization: Basic base64(any:<key>)" (Twilio sends the user:password@ of a callback URL so)' };

/** 'ALL' answers every method (a resource that is gone); HEAD is served by GET. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ALL';

/** What the handlers of every table share: the services and the adapters' own few things. */
export interface AppContext {
  core: Core;
  logger: Logger;
  version: string;
  now: () => number;
  /** The security counters of GET /stats. */
  stats: () => unknown;
  /** The server's own figures (GET /metrics: http/metrics.ts). */
  metrics: { exposition(): Promise<{ contentType: string; text: string }> };
  /** Concurrent POST /events share one transaction. */
  commit: Committer;
  /** The exports each caller is running (http/exportLimit.ts). */
  exportsRunning: RunningExports;
  integrations: IntegrationSettings;
}

/** What the integration endpoints need from the server's configuration. */
export interface IntegrationSettings {
  /** The Twilio auth token TaskRouter callbacks are signed with; unset refuses them all. */
  twilioAuthToken?: string;
  /** The server's public origin (no trailing slash), when a proxy changes what the request shows. */
  publicUrl?: string;
}

/**
 * A schema, or one built per request (when it needs the clock, the configured standards or a site's zone, or what a
 * check reads from the store, so that its problem is named beside the others).
 */
export type SchemaOf<T> = z.ZodType<T> | ((req: Request, app: AppContext) => z.ZodType<T> | Promise<z.ZodType<T>>);

/** The problem type and title an invalid part of the request is answered with. */
export interface InvalidAnswer {
  slug: string;
  title: string;
}

export interface BodySpec<B> {
  schema: SchemaOf<B>;
  /**
   * The parser's size limit ('64kb'). Any JSON value is parsed (a scalar is valid JSON, not malformed): the schema
   * says what the body must be.
   */
  limit: string;
  /**
   * 'required': a body that is not JSON is refused (415) before anything in it is read; 'when-present': only a body
   * that is there must be JSON (415 otherwise), no body reads as {}.
   */
  media: 'required' | 'when-present';
  /**
   * The body's media type: JSON (the default), plain text (a log's lines) or an HTML form, as systems that are
   * not Ringside clients post them. Text and form bodies are read as UTF-8 only, like JSON.
   */
  format?: 'json' | 'text' | 'form';
  /** What to send, as the 415 answer and the answer to a request without a body name it: "send <what> as application/json". */
  what: string;
  /**
   * What the body lists, where it is a batch a sender can split ("events", "lines"): a 413 for a body over the limit
   * then says how many requests to split it into. Absent for one object, which splitting cannot help.
   */
  items?: string;
  invalid?: InvalidAnswer;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Below /api/v1, in Express syntax ("/standards/:id"). */
  path: string;
  scope: Requirement;
  /** Where its senders carry the key, when not as BEARER: a refusal of a request without one names it. */
  key?: KeyPlace;
  params?: { schema: z.ZodType<P>; invalid?: InvalidAnswer };
  query?: { schema: SchemaOf<Q>; invalid?: InvalidAnswer };
  body?: BodySpec<B>;
  /**
   * A liveness probe: its query string is not read, so any parameter is ignored rather than refused (a route without
   * `query` refuses every parameter). Load balancers and uptime monitors add their own (cache-busting `?_=1712…`), and
   * a refusal would report a live server as down. Asked that often, its successful answers are logged at debug
   * (http/httpHardening.ts, requestLog).
   */
  probe?: true;
  /**
   * Served straight off node:http ahead of Express (http/direct.ts): the routes every PBX posts to once per call.
   * Such a route has no path parameters and no query, and its handler reads only the request's headers, the body
   * and `res.locals`.
   */
  direct?: true;
  /** The status of a JSON answer (200 unless said). */
  status?: number;
  /**
   * Request headers the answer is chosen by (`Accept` for an export negotiated on it): named in `Vary` on every answer
   * of the route, refusals too, so a cache does not give one client's answer to a request that asks otherwise
   * (RFC 9110 §12.5.5).
   */
  vary?: readonly string[];
  /**
   * Every answer of the route carries `Cache-Control: no-store`, its refusals of the path, query and body too (set
   * before they are read): what it answers (a key's description, the node's counters) is kept off disks and caches.
   */
  noStore?: true;
  /**
   * Returns the JSON answer, or undefined when it answered itself (a stream, a file, a status that depends on
   * the outcome). Throws DomainError for what the services refuse; the error handler answers it.
   */
  handle(input: RouteInput<P, Q, B>, app: AppContext): unknown;
}

/** Declares one route with its input types inferred from its schemas. */
export function route<P = Record<string, string>, Q = undefined, B = undefined>(definition: Route<P, Q, B>): Route {
  return definition;
}
