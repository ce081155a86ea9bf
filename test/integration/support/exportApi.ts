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
  /** A new version of standard `id`: its current definition with `changes`, through PUT; must be taken (200). */
  async function newVersion(id: string, changes: Record<string, unknown>): Promise<void> {
    const current = (await (await get(`/standards/${id}`)).json()) as Record<string, unknown>;
    const { version: _v, validFrom: _f, validTo: _t, createdAt: _c, retired: _r, ...definition } = current;
    const put = await send('PUT', `/standards/${id}`, { ...definition, ...changes });
    expect(put.status, await put.text()).toBe(200);
  }
  return { get, send, text, newVersion };
}

export const manifestOf = (csv: string) => JSON.parse(/# manifest (.*)\r\n$/.exec(csv)![1]!) as Record<string, any>;
export const firstLineOf = (csv: string) => JSON.parse(/^# ringside-export (.*)\r\n/.exec(csv)![1]!) as Record<string, any>;
