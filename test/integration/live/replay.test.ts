// Catch-up after a disconnect: a real socket.io client asks `replay` for what it missed.
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ReplayRequest, ReplayResponse, ServerToClientEvents } from '../../../server/src/protocol';
import { answerReplay } from '../../../server/src/live/replay';
import { openTestCore } from '../support/core';
import { copyWithCorruptPages } from '../support/corruptPages';
import { captureLog } from '../support/serverLog';
import { call, removeDir, startTestServer, tempDataDir, useTestServer } from '../support/testServer';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const server = useTestServer();
const clients: Client[] = [];

async function connect(): Promise<Client> {
  const client: Client = io(server().url, { forceNew: true, reconnection: false, auth: { token: server().apiKey } });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('snapshot', () => resolve());
    client.once('connect_error', reject);
  });
  return client;
}

function replay(client: Client, request: unknown): Promise<ReplayResponse> {
  return client.timeout(5000).emitWithAck('replay', request as ReplayRequest);
}

afterAll(async () => {
  for (const client of clients) client.disconnect();
});

describe('replay over Socket.IO', () => {
  it('tells a first-time client the heads without sending history', async () => {
    await server().postEvents({ events: [call({ id: 'r-1' }), call({ id: 'r-2', rings: 5 })] });
    const client = await connect();
    const answer = await replay(client, {});
    expect(answer).toMatchObject({ ok: true, events: [], incidents: [], complete: true, headSeq: 2, headIncidentChange: 0 });
  });

  it('returns every event stored after the given seq, oldest first, with judgements', async () => {
    const client = await connect();
    const { headSeq } = (await replay(client, {})) as Extract<ReplayResponse, { ok: true }>;
    client.disconnect();
    // Posted while that client was away.
    await server().postEvents({ events: [call({ id: 'away-1' }), call({ id: 'away-2', rings: 4 }), call({ id: 'away-3' })] });
    const back = await connect();
    const answer = await replay(back, { afterSeq: headSeq, afterIncidentChange: 0 });
    if (!answer.ok) throw new Error(answer.error);
    expect(answer.events.map((j) => j.event.id)).toEqual(['away-1', 'away-2', 'away-3']);
    expect(answer.events.map((j) => j.event.seq)).toEqual([headSeq + 1, headSeq + 2, headSeq + 3]);
    expect(answer.events[1]!.judgements[0]).toMatchObject({ standardId: 'call-answer-2-rings', met: false });
    expect(answer.complete).toBe(true);
    expect(answer.headSeq).toBe(headSeq + 3);
  });

  it('refuses malformed cursors with ok: false and keeps the connection', async () => {
    const client = await connect();
    for (const bad of [{ afterSeq: -1 }, { afterSeq: 1.5 }, { afterSeq: '3' }, { afterIncidentChange: 1e300 }, 'x', null, [1]]) {
      const answer = await replay(client, bad);
      expect(answer, JSON.stringify(bad)).toMatchObject({ ok: false, code: 'invalid-replay' });
    }
    expect(client.connected).toBe(true);
    expect((await replay(client, { afterSeq: 0 })).ok).toBe(true);
  });

  it('answers a replay sent without its request, or with more than one, instead of leaving the client waiting', async () => {
    const client = await connect();
    const refusal = (given: number) => ({ ok: false, code: 'invalid-replay', error: `replay takes one request { afterSeq?, afterIncidentChange? } before its acknowledgement (got ${given})` });
    expect(await (client.timeout(5000).emitWithAck as (event: string) => Promise<unknown>)('replay')).toEqual(refusal(0));
    expect(await (client.timeout(5000).emitWithAck as (event: string, ...args: unknown[]) => Promise<unknown>)('replay', { afterSeq: 0 }, 'more')).toEqual(refusal(2));
    expect(client.connected).toBe(true);
    expect((await replay(client, { afterSeq: 0 })).ok).toBe(true);
  });

  it('refuses a field it does not know instead of answering as if the cursor were omitted', async () => {
    const client = await connect();
    expect(await replay(client, { aftreSeq: 0 })).toEqual({ ok: false, code: 'invalid-replay', error: '"aftreSeq" is not a known field (afterSeq, afterIncidentChange)' });
    expect(await replay(client, { afterSeq: 0, since: 5 })).toEqual({ ok: false, code: 'invalid-replay', error: '"since" is not a known field (afterSeq, afterIncidentChange)' });
    expect(client.connected).toBe(true);
  });
});

describe('a replay the store fails to read', () => {
  it('is answered in stable words with a code naming the connection, and logged with the request', async () => {
    const base = await startTestServer({ logLevel: 'silent' });
    await base.postEvents({ events: [call({ id: 'f-1' })] });
    await base.close();
    // The incident changes' pages overwritten: reading them fails for real (SQLITE_CORRUPT), the rest still works.
    const dataDir = copyWithCorruptPages(base.dataDir, ['incident_changes']);
    const logged = captureLog();
    const broken = await startTestServer({ dataDir, logLevel: 'error' });
    const client: Client = io(broken.url, { forceNew: true, reconnection: false, auth: { token: broken.apiKey } });
    try {
      await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('connect_error', reject));
      const answer = await client.timeout(5000).emitWithAck('replay', { afterSeq: 0, afterIncidentChange: 0 });
      expect(answer).toEqual({ ok: false, code: 'replay-failed', error: `replay failed on the server (an internal error stopped it; logged for connection ${client.id}); ask again shortly` });
      expect(JSON.stringify(answer)).not.toMatch(/malformed|SQLITE/i);
      const line = logged.lines().find((l) => l.msg === 'live replay failed');
      expect(line).toMatchObject({ socketId: client.id, keyId: 'env', request: { afterSeq: 0, afterIncidentChange: 0 }, err: { message: 'database disk image is malformed' } });
      expect(client.connected).toBe(true);
    } finally {
      logged.stop();
      client.disconnect();
      await broken.close();
      [base.dataDir, dataDir].forEach(removeDir);
    }
  });
});

describe('replay bounds', () => {
  it('answers at most the limit, says it is incomplete, and paging after the last seq gets the rest in order', async () => {
    const dataDir = tempDataDir();
    const core = await openTestCore(dataDir, { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone });
    const reads = core.store.reads;
    try {
      expect(await answerReplay(reads, { afterSeq: 0, afterIncidentChange: 0 })).toMatchObject({ ok: true, events: [], incidents: [], complete: true, headSeq: 0, headIncidentChange: 0 });
      const outcome = await core.ingest.ingest(Array.from({ length: 5 }, (_, i) => call({ id: `b-${i}` })));
      expect(outcome.kind).toBe('stored');
      const limits = { maxEvents: 2, maxIncidentChanges: 2 };
      const seqs: number[] = [];
      let after = 0;
      let pages = 0;
      for (;;) {
        const page = await answerReplay(reads, { afterSeq: after }, limits);
        if (!page.ok) throw new Error(page.error);
        pages += 1;
        expect(page.events.length).toBeLessThanOrEqual(2);
        seqs.push(...page.events.map((j) => j.event.seq));
        if (page.complete) break;
        after = page.events.at(-1)!.event.seq;
      }
      expect(pages).toBe(3);
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});
