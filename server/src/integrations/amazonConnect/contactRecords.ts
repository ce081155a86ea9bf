// Amazon Connect contact records (CTRs), streamed through a Firehose HTTP endpoint, as finished calls. Pure.
// A voice contact that waited in a queue is a call: answered when an agent connected (the wait measured from
// Queue.EnqueueTimestamp to Agent.ConnectedToAgentTimestamp), abandoned otherwise (the wait is Queue.Duration).
// Connect delivers a record at least once and re-delivers it when it changes later (attributes, after-contact
// work); the call is keyed by ContactId and built only from fields fixed when the contact left the queue, so a
// re-delivered record maps to the same event, a duplicate.
import { nonUtf8Where } from '../../protocol/utf8';
import { isRealCalendarTime, LIMITS, malformedTextProblem, notAnRfc3339Timestamp, notARealDateTime } from '../../protocol';
import { countIgnored, MAX_CASE_ID_LENGTH, type CallEventInput, type IgnoredCounts } from '../types';
import { FirehoseDeliveryError, isObject, readFirehoseDelivery } from './firehose';

interface ContactRecordSummary {
  /** Firehose records in the request. */
  records: number;
  /** Contact records found in them (a record may hold several). */
  contactRecords: number;
  answered: number;
  abandoned: number;
  /** Contact records that are not a queued voice call, by reason. */
  ignored: IgnoredCounts;
}

export interface ContactRecordMapping {
  requestId: string;
  events: CallEventInput[];
  summary: ContactRecordSummary;
}

/** Map a parsed Firehose delivery body. All or nothing: throws FirehoseDeliveryError naming the record. */
export function mapContactRecordDelivery(body: unknown, site: string): ContactRecordMapping {
  const delivery = readFirehoseDelivery(body);
  const events: CallEventInput[] = [];
  const ignored: IgnoredCounts = {};
  let contactRecords = 0;
  // Every record is read, a bad one's problem kept, so that one answer names them all (a contact record's first
  // problem each): Firehose retries the whole delivery, and its log shows one message per try.
  const problems = [...delivery.problems];
  let firstBad: number | undefined;
  const refused = (index: number, problem: string) => {
    problems.push(problem);
    firstBad ??= index;
  };
  /** `read`, its FirehoseDeliveryError kept as record `index`'s problem instead of ending the delivery's reading. */
  const orRefused = (index: number, read: () => void) => {
    try {
      read();
    } catch (error) {
      if (!(error instanceof FirehoseDeliveryError)) throw error;
      refused(index, error.message);
    }
  };
  delivery.records.forEach((data, index) => {
    if (typeof data === 'string') return refused(index, data);
    orRefused(index, () => {
      const ctrs = contactRecordsIn(data, index);
      ctrs.forEach((ctr, n) => {
        contactRecords++;
        const where = ctrs.length > 1 ? `records[${index}] (contact record ${n + 1} of ${ctrs.length})` : `records[${index}]`;
        orRefused(index, () => {
          const result = mapContactRecord(ctr, site, where, index);
          if ('ignored' in result) countIgnored(ignored, result.ignored);
          else events.push(result.event);
        });
      });
    });
  });
  if (problems.length > 0) throw new FirehoseDeliveryError(problems.join('; '), firstBad);
  const count = (outcome: string) => events.filter((e) => e.outcome === outcome).length;
  return { requestId: delivery.requestId, events, summary: { records: delivery.records.length, contactRecords, answered: count('answered'), abandoned: count('abandoned'), ignored } };
}

/** The JSON objects in one record's data: usually one, but a producer may put several in a row (with or without newlines). */
function contactRecordsIn(data: Buffer, index: number): Record<string, unknown>[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new FirehoseDeliveryError(`records[${index}].data is not UTF-8: ${nonUtf8Where(data)}`, index);
  }
  const values = splitJsonSequence(text, index);
  if (values.length === 0) throw new FirehoseDeliveryError(`records[${index}].data holds no contact record`, index);
  return values.map((v, n) => {
    if (!isObject(v)) throw new FirehoseDeliveryError(`records[${index}].data: value ${n + 1} is not a JSON object (a contact record)`, index);
    return v;
  });
}

/**
 * Parse JSON values written one after another ("{…}{…}", "{…}\n{…}"): find where each top-level object or array
 * ends by counting brackets outside strings, then JSON.parse that slice.
 */
/** Starts each record of a JSON text sequence (RFC 7464). */
const RECORD_SEPARATOR = '\u001e';

function splitJsonSequence(text: string, index: number): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === RECORD_SEPARATOR || /\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const end = endOfValue(text, i);
    if (end === -1) throw new FirehoseDeliveryError(`records[${index}].data is not JSON: ${text[i] === '{' || text[i] === '[' ? 'a value is cut off' : `unexpected ${JSON.stringify(text[i])} at position ${i}`}`, index);
    try {
      values.push(JSON.parse(text.slice(i, end)));
    } catch (e) {
      throw new FirehoseDeliveryError(`records[${index}].data is not JSON: ${(e as Error).message}`, index);
    }
    i = end;
  }
  return values;
}

/** Index just past the object or array starting at `start`, or -1 when it does not start one or never ends. */
function endOfValue(text: string, start: number): number {
  if (text[start] !== '{' && text[start] !== '[') return -1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return -1;
}

type Mapped = { event: CallEventInput } | { ignored: string };

/** One contact record as a finished call, or the reason it is not one. */
function mapContactRecord(ctr: Record<string, unknown>, site: string, where: string, index: number): Mapped {
  const fail = (field: string, problem: string) => new FirehoseDeliveryError(`${where}: ${field} ${problem}`, index);
  const contactId = ctr.ContactId;
  if (typeof contactId !== 'string' || contactId.trim() === '') throw fail('ContactId', 'must be a non-empty string');
  if (contactId.length > MAX_CASE_ID_LENGTH) throw fail('ContactId', `must be at most ${MAX_CASE_ID_LENGTH} characters`);
  const badId = malformedTextProblem(contactId);
  if (badId) throw fail('ContactId', badId);
  if (ctr.Channel !== 'VOICE') return { ignored: `channel ${typeof ctr.Channel === 'string' ? ctr.Channel : 'missing'}` };
  const queue = ctr.Queue;
  if (queue === null || queue === undefined) return { ignored: 'no queue' };
  if (!isObject(queue)) throw fail('Queue', 'must be an object or null');
  if (queue.EnqueueTimestamp === null || queue.EnqueueTimestamp === undefined) return { ignored: 'not queued' };
  const enqueued = instant(queue.EnqueueTimestamp, 'Queue.EnqueueTimestamp', fail);
  const base = { type: 'call' as const, site, caseId: contactId, id: `ac:${contactId}`, ...text(queue.Name, 'queue', 'Queue.Name', fail) };
  const agent = ctr.Agent;
  if (agent !== null && agent !== undefined && !isObject(agent)) throw fail('Agent', 'must be an object or null');
  const connectedAt = agent?.ConnectedToAgentTimestamp;
  if (connectedAt !== null && connectedAt !== undefined) {
    const connected = afterEnqueue(instant(connectedAt, 'Agent.ConnectedToAgentTimestamp', fail), enqueued, 'Agent.ConnectedToAgentTimestamp', fail);
    const answerSeconds = (connected - enqueued) / 1000;
    return { event: { ...base, occurredAt: new Date(connected).toISOString(), outcome: 'answered', answerSeconds, ...text(agent!.Username, 'agent', 'Agent.Username', fail) } };
  }
  const duration = queue.Duration;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) throw fail('Queue.Duration', 'must be a number of seconds ≥ 0 for a contact no agent connected to');
  if (duration > LIMITS.maxSeconds) throw fail('Queue.Duration', `must be at most ${LIMITS.maxSeconds} (one day)`);
  const dequeuedAt = queue.DequeueTimestamp;
  const left = dequeuedAt === null || dequeuedAt === undefined ? enqueued + duration * 1000 : afterEnqueue(instant(dequeuedAt, 'Queue.DequeueTimestamp', fail), enqueued, 'Queue.DequeueTimestamp', fail);
  return { event: { ...base, occurredAt: new Date(left).toISOString(), outcome: 'abandoned', answerSeconds: duration } };
}

type Fail = (field: string, problem: string) => FirehoseDeliveryError;

/** A moment the contact left the queue (answered or not): never before it joined, and within a day of it. */
function afterEnqueue(at: number, enqueued: number, field: string, fail: Fail): number {
  if (at < enqueued) throw fail(field, 'is before Queue.EnqueueTimestamp');
  if (at - enqueued > LIMITS.maxSeconds * 1000) throw fail(field, `is more than ${LIMITS.maxSeconds} s (one day) after Queue.EnqueueTimestamp`);
  return at;
}

/**
 * Connect writes UTC timestamps such as 2026-03-02T08:00:00Z; one without an offset would be ambiguous, and one whose
 * fields are out of range (2026-02-30) is refused as POST /events refuses it, not rolled over to another day.
 */
function instant(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw fail(field, `${notAnRfc3339Timestamp(value)}, got ${JSON.stringify(value)}`);
  }
  if (Number.isNaN(Date.parse(value)) || !isRealCalendarTime(value)) throw fail(field, notARealDateTime(value));
  return Date.parse(value);
}

/** An optional name: absent, null or empty leave the key out. */
function text<K extends string>(value: unknown, key: K, field: string, fail: Fail): Partial<Record<K, string>> {
  if (value === null || value === undefined || value === '') return {};
  if (typeof value !== 'string') throw fail(field, 'must be a string');
  const trimmed = value.trim();
  if (trimmed.length > LIMITS.maxTextLength) throw fail(field, `must be at most ${LIMITS.maxTextLength} characters`);
  const bad = malformedTextProblem(trimmed);
  if (bad) throw fail(field, bad);
  return trimmed === '' ? {} : ({ [key]: trimmed } as Partial<Record<K, string>>);
}
