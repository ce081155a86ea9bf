// Connection URLs (a database, Redis) as logs and messages may show them: the password replaced.

/** The URL with any password shown as "***"; `what` names it when the text is not a URL at all. */
export function redactedUrl(url: string, what: string): string {
  try {
    const u = new URL(url);
    // "user:secret@host/db" parses as a URL of scheme "user:" whose path holds the password: shown as no URL at all.
    if (u.host === '' && url.includes('@')) return `(an invalid ${what} URL)`;
    if (u.password) u.password = '***';
    // libpq and node-postgres also take a password as a query parameter (?password=…).
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return `(an invalid ${what} URL)`;
  }
}
