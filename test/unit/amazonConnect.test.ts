import { describe, expect, it } from 'vitest';
import { mapContactRecordDelivery } from '../../server/src/integrations/amazonConnect/contactRecords';
import { FirehoseDeliveryError, firehoseResponse } from '../../server/src/integrations/amazonConnect/firehose';
import { abandoned, contactRecord, INSTANCE } from '../support/contactRecords';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function delivery(records: string[]): unknown {
  return { requestId: 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f', timestamp: 1_772_438_700_000, records: records.map((r) => ({ data: b64(r) })) };
}

function deliveryError(body: unknown): FirehoseDeliveryError {
  try {
    mapContactRecordDelivery(body, 'hq');
  } catch (e) {
    if (e instanceof FirehoseDeliveryError) return e;
    throw e;
  }
  throw new Error('expected a FirehoseDeliveryError');
}

describe('Amazon Connect contact records through Firehose', () => {
  it('maps a delivery of several records: answered, abandoned, and contacts that are not queued calls', () => {
    const chat = contactRecord('c-chat', { Channel: 'CHAT' });
    const outbound = contactRecord('c-out', { InitiationMethod: 'OUTBOUND', Queue: null });
    const notQueued = contactRecord('c-ivr', { Agent: null, Queue: { ARN: `${INSTANCE}/queue/q1`, Name: 'Support', EnqueueTimestamp: null, DequeueTimestamp: null, Duration: 0 } });
    const mapped = mapContactRecordDelivery(delivery([JSON.stringify(contactRecord('c-1')), JSON.stringify(abandoned('c-2')), JSON.stringify(chat), JSON.stringify(outbound), JSON.stringify(notQueued)]), 'hq');
    expect(mapped.requestId).toBe('ed4acda5-034f-9f42-bba1-f29aea6d7d8f');
    expect(mapped.events).toEqual([
      // Measured from EnqueueTimestamp (08:00:05) to ConnectedToAgentTimestamp (08:00:40), not Queue.Duration (33).
      { type: 'call', site: 'hq', caseId: 'c-1', id: 'ac:c-1', queue: 'Support', occurredAt: '2026-03-02T08:00:40.000Z', outcome: 'answered', answerSeconds: 35, agent: 'alice' },
      { type: 'call', site: 'hq', caseId: 'c-2', id: 'ac:c-2', queue: 'Support', occurredAt: '2026-03-02T08:01:05.000Z', outcome: 'abandoned', answerSeconds: 60 },
    ]);
    expect(mapped.summary).toEqual({ records: 5, contactRecords: 5, answered: 1, abandoned: 1, ignored: { 'channel CHAT': 1, 'no queue': 1, 'not queued': 1 } });
  });

  it('reads several contact records in one record, newline-separated or back to back', () => {
    const oneRecord = `${JSON.stringify(contactRecord('c-1'))}\n${JSON.stringify(abandoned('c-2'))}${JSON.stringify(contactRecord('c-3'))}\n`;
    const mapped = mapContactRecordDelivery(delivery([oneRecord]), 'hq');
    expect(mapped.events.map((e) => [e.caseId, e.outcome])).toEqual([
      ['c-1', 'answered'],
      ['c-2', 'abandoned'],
      ['c-3', 'answered'],
    ]);
    expect(mapped.summary).toMatchObject({ records: 1, contactRecords: 3 });
  });

  it('keeps braces and quotes inside strings out of the record boundaries', () => {
    const tricky = contactRecord('c-"}{', { Attributes: { note: 'a } b { "c" \\ d' } });
    expect(mapContactRecordDelivery(delivery([JSON.stringify(tricky) + JSON.stringify(contactRecord('c-2'))]), 'hq').events.map((e) => e.caseId)).toEqual(['c-"}{', 'c-2']);
  });

  it('maps a re-delivered record (later update, new attributes) to the very same event: a duplicate', () => {
    const first = mapContactRecordDelivery(delivery([JSON.stringify(contactRecord('c-1'))]), 'hq').events;
    const again = mapContactRecordDelivery(delivery([JSON.stringify(contactRecord('c-1', { LastUpdateTimestamp: '2026-03-02T09:00:00Z', Attributes: { survey: '5' } }))]), 'hq').events;
    expect(again).toEqual(first);
  });

  it('takes the time an abandoned contact left the queue from EnqueueTimestamp + Duration when DequeueTimestamp is absent', () => {
    const noDequeue = contactRecord('c-2', { Agent: null, Queue: { Name: 'Support', EnqueueTimestamp: '2026-03-02T08:00:05Z', Duration: 20 } });
    expect(mapContactRecordDelivery(delivery([JSON.stringify(noDequeue)]), 'hq').events[0]).toMatchObject({ occurredAt: '2026-03-02T08:00:25.000Z', answerSeconds: 20 });
  });

  it.each([
    ['data that is not base64', { data: 'not base64!' }, 'records[1].data is not valid base64'],
    ['data that is not UTF-8', { data: Buffer.from([0xff, 0xfe, 0x7b]).toString('base64') }, 'records[1].data is not UTF-8: the first bad byte is 0xFF, at line 1, column 1 (byte 1)'],
    ['data that is not JSON', { data: b64('hello') }, 'records[1].data is not JSON: unexpected "h" at position 0'],
    ['a contact record cut off', { data: b64(JSON.stringify(contactRecord('c-9')).slice(0, 200)) }, 'records[1].data is not JSON: a value is cut off'],
    ['an empty record', { data: '' }, 'records[1].data holds no contact record'],
    ['a JSON array instead of a record', { data: b64('[1,2]') }, 'records[1].data: value 1 is not a JSON object (a contact record)'],
    ['a record without data', {}, 'records[1].data must be a base64 string'],
    ['a contact without ContactId', { data: b64(JSON.stringify(contactRecord(''))) }, 'records[1]: ContactId must be a non-empty string'],
    ['an enqueue time without offset', { data: b64(JSON.stringify(contactRecord('c-9', { Queue: { Name: 'S', EnqueueTimestamp: '2026-03-02 08:00:05', Duration: 3 } }))) }, 'records[1]: Queue.EnqueueTimestamp must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00: add its offset from UTC (2026-03-02T08:00:05Z for UTC, or the local one such as +01:00), got "2026-03-02 08:00:05"'],
    ['an enqueue time on a day that does not exist', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: null, Queue: { Name: 'S', EnqueueTimestamp: '2026-02-30T00:00:00Z', Duration: 5 } }))) }, 'records[1]: Queue.EnqueueTimestamp is not a real date and time, got "2026-02-30T00:00:00Z"'],
    ['an agent connection at hour 24', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: { ConnectedToAgentTimestamp: '2026-03-02T24:00:40Z' } }))) }, 'records[1]: Agent.ConnectedToAgentTimestamp is not a real date and time, got "2026-03-02T24:00:40Z"'],
    ['a dequeue time at minute 60', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: null, Queue: { Name: 'S', EnqueueTimestamp: '2026-03-02T08:00:05Z', DequeueTimestamp: '2026-03-02T08:60:00Z', Duration: 5 } }))) }, 'records[1]: Queue.DequeueTimestamp is not a real date and time, got "2026-03-02T08:60:00Z"'],
    ['an agent connected before the contact was queued', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: { ConnectedToAgentTimestamp: '2026-03-02T08:00:00Z' } }))) }, 'records[1]: Agent.ConnectedToAgentTimestamp is before Queue.EnqueueTimestamp'],
    ['a contact that left the queue before it joined', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: null, Queue: { Name: 'S', EnqueueTimestamp: '2026-03-02T08:00:05Z', DequeueTimestamp: '2026-03-02T07:00:00Z', Duration: 5 } }))) }, 'records[1]: Queue.DequeueTimestamp is before Queue.EnqueueTimestamp'],
    ['a contact that left the queue more than a day after it joined', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: null, Queue: { Name: 'S', EnqueueTimestamp: '2026-03-02T08:00:05Z', DequeueTimestamp: '2026-03-03T08:00:06Z', Duration: 5 } }))) }, 'records[1]: Queue.DequeueTimestamp is more than 86400 s (one day) after Queue.EnqueueTimestamp'],
    ['an abandoned contact without Queue.Duration', { data: b64(JSON.stringify(contactRecord('c-9', { Agent: null, Queue: { Name: 'S', EnqueueTimestamp: '2026-03-02T08:00:05Z' } }))) }, 'records[1]: Queue.Duration must be a number of seconds ≥ 0 for a contact no agent connected to'],
  ])('refuses a delivery with %s, naming the record, and maps nothing', (_, badRecord, message) => {
    const body = { requestId: 'r-1', timestamp: 1_772_438_700_000, records: [{ data: b64(JSON.stringify(contactRecord('c-1'))) }, badRecord, { data: b64(JSON.stringify(abandoned('c-3'))) }] };
    const error = deliveryError(body);
    expect(error.message).toBe(message);
    expect(error.recordIndex).toBe(1);
  });

  it('names the contact record inside a record that holds several', () => {
    const data = `${JSON.stringify(contactRecord('c-1'))}\n${JSON.stringify(contactRecord('c-2', { Queue: { EnqueueTimestamp: 'soon' } }))}`;
    expect(deliveryError(delivery([data])).message).toBe('records[0] (contact record 2 of 2): Queue.EnqueueTimestamp must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00, got "soon"');
  });

  it.each([
    ['a body that is not an object', [], 'the body must be a JSON object (got a list): a Firehose delivery is one, with requestId, timestamp and records'],
    ['a missing requestId', { timestamp: 1, records: [] }, 'requestId is required: Firehose sends it with every delivery and expects it back'],
    ['a requestId that is a number', { requestId: 42, timestamp: 1, records: [] }, 'requestId must be text (got a number)'],
    ['an empty requestId', { requestId: '', timestamp: 1, records: [] }, 'requestId must not be empty'],
    ['a timestamp in seconds as a string', { requestId: 'r', timestamp: '1772438700', records: [] }, 'timestamp must be milliseconds since 1970'],
    ['records that are not an array', { requestId: 'r', timestamp: 1, records: {} }, 'records must be an array'],
    ['neither a timestamp nor records', { requestId: 'r' }, 'timestamp must be milliseconds since 1970; records must be an array'],
  ])('refuses %s', (_, body, message) => {
    expect(() => mapContactRecordDelivery(body, 'hq')).toThrow(new FirehoseDeliveryError(message));
    expect(deliveryError(body).recordIndex).toBeUndefined();
  });

  it('names every field and record at fault in its one message, the first bad record as recordIndex', () => {
    const body = { requestId: 'r', timestamp: 'soon', records: [{ data: b64('{}') }, { data: 'not base64!' }, {}] };
    const error = deliveryError(body);
    expect(error.message).toBe('timestamp must be milliseconds since 1970; records[0]: ContactId must be a non-empty string; records[1].data is not valid base64; records[2].data must be a base64 string');
    expect(error.recordIndex).toBe(0);
  });

  it('names what is wrong inside a record beside a record whose data cannot be decoded, and in every record, not only the first', () => {
    const late = contactRecord('c-2', { Queue: { EnqueueTimestamp: '2026-03-02T08:00:00' } });
    const records = [{ data: b64('not json') }, { data: '!!!' }, { data: b64(JSON.stringify(contactRecord('c-1'))) }, { data: b64(JSON.stringify(late)) }];
    const error = deliveryError({ requestId: 'r', timestamp: 1_772_438_700_000, records });
    expect(error.message).toMatch(/^records\[0\]\.data[^;]*; records\[1\]\.data is not valid base64; records\[3\]: Queue\.EnqueueTimestamp must be an RFC 3339 timestamp with an offset/);
    expect(error.recordIndex).toBe(0);
  });

  it('accepts a delivery with no records', () => {
    expect(mapContactRecordDelivery({ requestId: 'r', timestamp: 1, records: [] }, 'hq')).toEqual({ requestId: 'r', events: [], summary: { records: 0, contactRecords: 0, answered: 0, abandoned: 0, ignored: {} } });
  });
});

describe('Firehose response body', () => {
  const now = new Date('2026-03-02T08:05:00.123Z');

  it('acknowledges with the request id and the time in milliseconds', () => {
    expect(firehoseResponse('r-1', now)).toEqual({ requestId: 'r-1', timestamp: 1_772_438_700_123 });
  });

  it('adds the error message on failure, shortened to what Firehose keeps', () => {
    expect(firehoseResponse('r-1', now, 'records[1].data is not valid base64')).toEqual({ requestId: 'r-1', timestamp: 1_772_438_700_123, errorMessage: 'records[1].data is not valid base64' });
    const long = firehoseResponse('r-1', now, 'x'.repeat(5000)).errorMessage!;
    expect(long).toHaveLength(1000);
    expect(long.endsWith('…')).toBe(true);
  });
});
