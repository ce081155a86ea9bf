// A server started again on the port it had, the address its clients know, on a machine where other test files
// start servers side by side.
import { expect } from 'vitest';

/** Whether a start failed because its port is taken: the in-process server's error, or the built CLI's words (startCli). */
const portTaken = (error: unknown): boolean =>
  ((error as Error).cause as { code?: string } | undefined)?.code === 'EADDRINUSE' || /\(EADDRINUSE\)/.test((error as Error).message);

/**
 * `start(port)` until it starts. While the port was free another program may have taken it (a server of another test
 * file that asked for any free port can be given it): a start refused for that is tried again until the port is free
 * again (`onTaken` sees each such refusal); any other failure ends the wait and fails the test.
 */
export async function startOnPort<T>(port: number, start: (port: number) => Promise<T>, onTaken?: (error: unknown) => void): Promise<T> {
  const last: { server?: T; error?: unknown } = {};
  const attempt = async () => {
    try {
      last.server = await start(port);
    } catch (error) {
      if (portTaken(error)) onTaken?.(error);
      else last.error = error;
    }
    return last.server ?? last.error ?? null;
  };
  await expect.poll(attempt, { timeout: 15_000, message: `port ${port} stayed taken by another program` }).not.toBeNull();
  if (!last.server) throw last.error;
  return last.server;
}
