// Connection URLs (a database, Redis) as logs and messages may show them: the password replaced.

/** The URL with any password shown as "***"; `what` names it when the text is not a URL at all. */
export function redactedUrl(url: string, what: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return `(an invalid ${what} URL)`;
  }
}
