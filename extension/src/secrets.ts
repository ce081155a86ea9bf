// API keys live in VS Code's SecretStorage (the OS keychain on desktop), one per server origin — never in settings.
import type * as vscode from 'vscode';
import { serverIdentity } from '@ringside/server/protocol/pure';

const PREFIX = 'ringside.apiKey:';

/** Keys are per server: the origin (scheme, host, port) plus any path prefix, without a trailing slash. */
export function secretName(serverUrl: string): string {
  return `${PREFIX}${serverIdentity(serverUrl)}`;
}

export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(serverUrl: string): Thenable<string | undefined> {
    return this.secrets.get(secretName(serverUrl));
  }

  set(serverUrl: string, key: string): Thenable<void> {
    return this.secrets.store(secretName(serverUrl), key);
  }

  delete(serverUrl: string): Thenable<void> {
    return this.secrets.delete(secretName(serverUrl));
  }

  /** Fires when a key of any server changes (also from another window). */
  onDidChange(listener: (serverUrl: string | undefined) => void): vscode.Disposable {
    return this.secrets.onDidChange((event) => {
      if (event.key.startsWith(PREFIX)) listener(event.key.slice(PREFIX.length));
    });
  }
}

/** A plausible key: no whitespace, printable, not absurdly long (the server checks the rest). */
export function validateApiKey(value: string): string | undefined {
  const key = value.trim();
  if (key === '') return 'Paste the API key (keys are created with `keys create` or found in <data>/admin.key)';
  if (/\s/.test(key)) return 'An API key has no spaces';
  if (key.length > 512) return 'That is too long for an API key';
  return undefined;
}
