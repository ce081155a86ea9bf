// A live-feed connection request whose key is refused takes a token from its address's rate-limit bucket, the one an
// HTTP request refused for its key takes from: one WebSocket could send thousands of connection requests a second,
// a guessed key each, none limited. Past the burst they are refused 429 rate-limited, HTTP from that address too;
// a key that is accepted is not counted. A real server on 127.0.0.1:0 on a test clock (the buckets do not refill).
import { io } from 'socket.io-client';
import { expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { adminHeaders, useTestServer } from '../support/testServer';

const server = useTestServer({ rateLimit: { perSecond: 1, burst: 3 }, clock: testClock(), logLevel: 'silent' });

/** One connection request with `token`: "connected", or the refusal's reason and status. */
const connect = (token: string) =>
  new Promise<string>((resolve) => {
    const socket = io(server().url, { transports: ['websocket'], auth: { token }, reconnection: false });
    socket.on('connect', () => (socket.close(), resolve('connected')));
    socket.on('connect_error', (error: Error & { data?: { reason?: string; status?: number } }) => (socket.close(), resolve(`${error.data?.status} ${error.data?.reason}`)));
  });

it('refuses guessed keys 429 once the address has used its burst, over HTTP too, and still takes a valid key', async () => {
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await connect(`rs_guess-${i}`));
  expect(answers).toEqual(['401 key-unknown', '401 key-unknown', '401 key-unknown', '429 rate-limited', '429 rate-limited']);

  const http = await fetch(`${server().url}/api/v1/compliance`);
  expect([http.status, http.headers.get('retry-after')]).toEqual([429, '1']);

  expect(await connect(server().apiKey)).toBe('connected');
  expect((await fetch(`${server().url}/api/v1/compliance`, { headers: adminHeaders(server().apiKey) })).status).toBe(200);
});
