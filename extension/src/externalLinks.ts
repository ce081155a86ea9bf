// Pure helpers for what leaves VS Code (no `vscode`): the dashboard's address for the user's browser, and an
// exported report shown inside VS Code.

/**
 * The address `asExternalUri` gave, with the page's folder kept (a trailing "/": the page loads its files relative
 * to it) and the query put back: a rewrite to a tunnel or code-server's /proxy/PORT/ can drop it. A key goes after
 * '#' (`#token=`), which the browser never sends: no proxy on the way (code-server's, a tunnel's) logs it.
 */
export function externalAddress(external: string, query: URLSearchParams, key: string | null = null): string {
  const url = new URL(external);
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  for (const [name, value] of query) url.searchParams.set(name, value);
  if (key) url.hash = new URLSearchParams({ token: key }).toString();
  return url.toString();
}

/** A CSP for an exported report shown in a webview: its own inline styles and data: images, nothing else. */
export function withReportPolicy(html: string): string {
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => `${head}${csp}`) : `${csp}${html}`;
}
