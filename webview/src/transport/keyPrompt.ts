// The browser page's key prompt: when the server refuses the live feed for want of a key, ask for one.
// Minimal on purpose: a key given here lives only in this page's memory (never in storage); `?token=` in the
// page URL avoids the prompt (wallboards).

/** Socket.IO's connect_error message from the server's key check (server/src/live/socketAuth.ts). */
export function needsKey(message: string): boolean {
  return /^(unauthorized|forbidden)\b/.test(message);
}

export type AskKey = (reason: string) => string | null;

/** window.prompt where there is one; null (give up) elsewhere. */
export const promptForKey: AskKey = (reason) => {
  if (typeof window === 'undefined' || typeof window.prompt !== 'function') return null;
  const answer = window.prompt(`${reason}\nPaste an API key with scope "read" (it stays in this page only; add ?token=<key> to the address to skip this question):`);
  const key = answer?.trim();
  return key ? key : null;
};
