// Text from the server (site and standard names, ids, problem messages, the server's address) shown inside a
// vscode.MarkdownString: escaped, so a name with `*`, `[`, `<` reads as typed instead of turning bold, into a link or
// into HTML.

/** `text` with every character Markdown gives a meaning escaped by a backslash. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
