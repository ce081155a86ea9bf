// Requests an audit test makes as an admin, and the provenance lines of a CSV export.
import { expect } from 'vitest';
import { adminHeaders, type TestServer } from './testServer';

/** GET, a JSON request, and a GET whose body must be a 200's, against the server `current()` returns. */
export function adminApi(current: () => TestServer) {
  const get = (path: string) => fetch(`${current().url}/api/v1${path}`, { headers: adminHeaders(current().apiKey) });
  const send = (method: string, path: string, body: unknown) =>
    fetch(`${current().url}/api/v1${path}`, { method, headers: { ...adminHeaders(current().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  async function text(path: string): Promise<string> {
    const res = await get(path);
    expect(res.status, path).toBe(200);
    return res.text();
  }
  return { get, send, text };
}

export const manifestOf = (csv: string) => JSON.parse(/# manifest (.*)\r\n$/.exec(csv)![1]!) as Record<string, any>;
export const firstLineOf = (csv: string) => JSON.parse(/^# ringside-export (.*)\r\n/.exec(csv)![1]!) as Record<string, any>;
