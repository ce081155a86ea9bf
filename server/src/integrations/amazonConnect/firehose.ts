// Amazon Data Firehose (formerly Kinesis Data Firehose) HTTP endpoint delivery, protocol version 1.0: the
// request body Firehose posts and the response body it expects back. Pure.
//   request:  {"requestId": "…", "timestamp": <ms>, "records": [{"data": "<base64>"}, …]}
//   response: {"requestId": "<the same>", "timestamp": <ms>} with 200, or the same plus "errorMessage" with an
//             error status; Firehose retries the whole request on anything but 200 with a well-formed body.
// Firehose sends the request id with every delivery, as text (the X-Amz-Firehose-Request-Id header's value), and
// takes an answer that does not carry the same id back as a failed delivery.
import { notAnObjectMessage, wrongTypeMessage } from '../../protocol/issues';
import type { FieldProblem } from '../../protocol/problem';

/** A delivery as far as it can be read (readFirehoseDelivery). */
export interface FirehoseDelivery {
  requestId: string;
  /** When Firehose sent the request, milliseconds since 1970 (meaningless when `problems` names it). */
  timestamp: number;
  /** Each record's data, base64-decoded, or why it is not usable. */
  records: Array<Buffer | string>;
  /** What is wrong with the delivery itself (its timestamp, its records list). */
  problems: string[];
}

export interface FirehoseResponseBody {
  requestId: string;
  timestamp: number;
  errorMessage?: string;
}

/** A delivery that cannot be read; `recordIndex` is the 0-based index in `records` when one record is at fault. */
export class FirehoseDeliveryError extends Error {
  constructor(
    message: string,
    readonly recordIndex?: number,
  ) {
    super(message);
    this.name = 'FirehoseDeliveryError';
  }
}

/** Firehose logs a truncated response body; a short message survives the truncation. */
const MAX_ERROR_MESSAGE = 1000;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The request id an answer in Firehose's format must echo, or, for a body that has none to echo (so was not sent by
 * Firehose), what is wrong: the body (not a JSON object) or requestId (missing, not text, empty).
 */
export function firehoseRequestId(body: unknown): { requestId: string } | FieldProblem {
  if (!isObject(body)) return { path: '(body)', message: `${notAnObjectMessage(body)}: a Firehose delivery is one, with requestId, timestamp and records` };
  const { requestId } = body;
  if (requestId === undefined) return { path: 'requestId', message: 'is required: Firehose sends it with every delivery and expects it back' };
  if (typeof requestId !== 'string') return { path: 'requestId', message: wrongTypeMessage('string', requestId) };
  if (requestId === '') return { path: 'requestId', message: 'must not be empty' };
  return { requestId };
}

/**
 * A delivery as far as it can be read, for a caller that goes on to read its good records (so that one answer names
 * what is wrong in them too): the delivery's own problems (timestamp, records), and each record's data or why it is
 * not usable. Throws FirehoseDeliveryError only for a body without a request id to echo.
 */
export function readFirehoseDelivery(body: unknown): FirehoseDelivery {
  const id = firehoseRequestId(body);
  if (!('requestId' in id)) throw new FirehoseDeliveryError(`${id.path === '(body)' ? 'the body' : id.path} ${id.message}`);
  const { timestamp, records } = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) problems.push('timestamp must be milliseconds since 1970');
  if (!Array.isArray(records)) problems.push('records must be an array');
  return { requestId: id.requestId, timestamp: timestamp as number, records: Array.isArray(records) ? records.map(recordData) : [], problems };
}

/** A record's data, or why it is not usable. */
function recordData(record: unknown, index: number): Buffer | string {
  const data = isObject(record) ? record.data : undefined;
  if (typeof data !== 'string') return `records[${index}].data must be a base64 string`;
  if (!BASE64.test(data)) return `records[${index}].data is not valid base64`;
  return Buffer.from(data, 'base64');
}

/** The response body Firehose expects; pass errorMessage (with a non-200 status) to make Firehose retry. */
export function firehoseResponse(requestId: string, now: Date, errorMessage?: string): FirehoseResponseBody {
  return {
    requestId,
    timestamp: now.getTime(),
    ...(errorMessage === undefined ? {} : { errorMessage: errorMessage.length > MAX_ERROR_MESSAGE ? `${errorMessage.slice(0, MAX_ERROR_MESSAGE - 1)}…` : errorMessage }),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
