// What the dashboard says when the server refuses a query: each field's problem in words that read as a sentence.
// A message that already names its field (`unknown site "nosuch"`) stands alone; one that says only what the field
// must be (`must be later than from`) follows the field's name, as the API's detail writes it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProblemDetails } from '../../server/src/protocol';
import { describeRequestError, RequestError } from '../../webview/src/transport/transport';
import { socketTransport } from '../../webview/src/transport/socket';
import { mountExportButton } from '../../webview/src/views/exportButton';
import { DEFAULT_SELECTION } from '../../webview/src/selection';
import { initialState } from '../../webview/src/state';
import { CALL_STANDARD, snapshot } from './fixtures';
import { handSocket } from './handTransport';
import { mount, text, unmountAll } from './mount';

afterEach(() => {
  unmountAll();
  vi.unstubAllGlobals();
});

const UNKNOWN_SITE = 'unknown site "nosuch": no site of that name is configured or has events';

/** The server's answer to a report asked for a site it does not know (http/validate.ts). */
const unknownSiteProblem: ProblemDetails = {
  type: 'https://ringside.dev/problems/invalid-query',
  title: 'Invalid query parameter',
  status: 400,
  detail: `site ${UNKNOWN_SITE}`,
  errors: [{ path: 'site', message: UNKNOWN_SITE }],
};

const invalidQuery = (errors: ProblemDetails['errors'] & object): RequestError =>
  new RequestError({ ...unknownSiteProblem, detail: errors.map((e) => `${e.path} ${e.message}`).join('; '), errors });

describe('a refused query on the dashboard', () => {
  it('opened with &site=nosuch: says the site is unknown once, not "site unknown site"', async () => {
    const socket = handSocket();
    const fetch = async () => new Response(JSON.stringify(unknownSiteProblem), { status: 400, headers: { 'content-type': 'application/problem+json' } });
    const location = { search: '?site=nosuch', pathname: '/', hash: '' };
    const transport = socketTransport('http://127.0.0.1:4870', { token: 'rs_k', connect: socket.connect, fetch, location, history: { pushState: () => undefined, replaceState: () => undefined, state: null } });
    const { dashboard, root } = mount({ transport });
    socket.fire('connect');
    socket.fire('snapshot', snapshot());
    // The page reads the problem's body through the browser's own Response stream, which settles on tasks of its
    // own: only the dashboard's state can show when the refusal has arrived.
    await vi.waitFor(() => expect(dashboard.state().queries.report.status).toBe('error'));
    dashboard.flush();
    const tile = root.querySelector<HTMLElement>(`.rs-tile[data-standard-id="${CALL_STANDARD.id}"]`)!;
    expect(text(tile, '.rs-tile-counts')).toBe(`Could not load: Invalid query parameter (400): ${UNKNOWN_SITE}`);
  });

  it('names the field before a message that does not, and lists every problem', () => {
    expect(describeRequestError(invalidQuery([{ path: 'to', message: 'must be later than from' }]))).toBe('Invalid query parameter (400): to must be later than from');
    expect(
      describeRequestError(
        invalidQuery([
          { path: 'standard', message: 'unknown standard "x" (known: a, b)' },
          { path: 'from', message: 'cannot be combined with window' },
        ]),
      ),
    ).toBe('Invalid query parameter (400): unknown standard "x" (known: a, b); from cannot be combined with window');
    // A nested field is mentioned by its own name.
    expect(describeRequestError(invalidQuery([{ path: 'ids.0', message: 'must be a whole number' }, { path: 'body.site', message: 'unknown site "y"' }]))).toBe(
      'Invalid query parameter (400): ids.0 must be a whole number; unknown site "y"',
    );
    // A field's name inside another word is no mention of it.
    expect(describeRequestError(invalidQuery([{ path: 'to', message: 'must not be later than the end of today' }]))).toBe('Invalid query parameter (400): to must not be later than the end of today');
  });

  it('keeps the detail as written when the problem lists no fields; a refused key reads the same way', () => {
    expect(describeRequestError(new RequestError({ type: 'x', title: 'Not Found', status: 404, detail: 'no incident with id 7' }))).toBe('Not Found (404): no incident with id 7');
    expect(describeRequestError(new RequestError({ type: 'x', title: 'Forbidden', status: 403, detail: 'site key', errors: [{ path: 'site', message: 'this key may not read site "x"' }] }))).toBe(
      'The API key may not do this: this key may not read site "x"',
    );
  });
});

describe('a refused export', () => {
  it('of a site the server does not know says so once', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ ...unknownSiteProblem, title: 'Invalid query parameter' }), { status: 400, headers: { 'content-type': 'application/problem+json' } }));
    const root = document.createElement('div');
    document.body.append(root);
    try {
      const box = mountExportButton(root, 'http://127.0.0.1:4870', () => ({ ...initialState, selection: { ...DEFAULT_SELECTION, site: 'nosuch' } }), () => 'rs_k');
      box.querySelector('button')!.click();
      const status = box.querySelector('[role="status"]')!;
      // The answer's body is read through the browser's Response stream: only the status line shows it has been.
      await vi.waitFor(() => expect(status.textContent).toMatch(/^Export failed/));
      expect(status.textContent).toBe(`Export failed: ${UNKNOWN_SITE}`);
    } finally {
      root.remove();
    }
  });
});
