// GET /audit/verify recounts the whole chain (seconds on a large store): requests that arrive while a recount runs
// share the next one, so a burst of them costs at most two recounts instead of holding the CPU with one each, and
// every answer still covers what was stored before its request arrived. A real server on 127.0.0.1:0 (SQLite).
import { afterEach, expect, it, vi } from 'vitest';
import { AuditService } from '../../../server/src/services/audit';
import { adminHeaders, call, chainHead, useTestServer } from '../support/testServer';

/** The real recount, for the spies below to run after their own step. */
const recount = Object.getOwnPropertyDescriptor(AuditService.prototype, 'recount')!.value as (this: AuditService) => ReturnType<AuditService['recount']>;

const server = useTestServer({ rateLimit: false, logLevel: 'silent' });
afterEach(() => vi.restoreAllMocks());

const verify = async () => {
  const res = await fetch(`${server().url}/api/v1/audit/verify`, { headers: adminHeaders() });
  return { status: res.status, body: (await res.json()) as { intact: boolean; headSeq: number } };
};

/** Requests the server has received and not yet answered, this one excluded. */
const inFlight = async () => ((await server().getJson('/api/v1/stats')).body as { http: { inFlight: number } }).http.inFlight - 1;

it('runs one recount at a time: ten requests during one share the next, which sees what was stored before they came', async () => {
  expect((await server().postEvents({ events: [call({ id: 'before' })] })).status).toBe(201);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const recounts = vi.spyOn(AuditService.prototype, 'recount').mockImplementation(async function (this: AuditService) {
    await gate; // no recount ends before every request has arrived
    return recount.call(this);
  });

  const first = verify();
  await vi.waitFor(() => expect(recounts).toHaveBeenCalledTimes(1));
  expect((await server().postEvents({ events: [call({ id: 'during' })] })).status).toBe(201);
  const head = await chainHead(server());
  const later = Array.from({ length: 10 }, () => verify());
  await vi.waitFor(async () => expect(await inFlight()).toBe(11));
  release();

  const answers = await Promise.all([first, ...later]);
  expect(answers.map((a) => a.status)).toEqual(Array(11).fill(200));
  expect(recounts).toHaveBeenCalledTimes(2);
  for (const answer of answers.slice(1)) expect(answer.body).toMatchObject({ intact: true, headSeq: head.seq });
});

it('starts a fresh recount for a request after the last one ended, and a failed one fails only its own callers', async () => {
  const recounts = vi.spyOn(AuditService.prototype, 'recount').mockImplementationOnce(() => Promise.reject(new Error('disk went away')));
  expect((await verify()).status).toBe(500);
  recounts.mockImplementation(function (this: AuditService) {
    return recount.call(this);
  });
  expect((await verify()).body).toMatchObject({ intact: true });
  expect((await verify()).body).toMatchObject({ intact: true });
  expect(recounts).toHaveBeenCalledTimes(3);
});
