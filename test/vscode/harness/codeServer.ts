// code-server 4.100.3 (a real VS Code, served to Chromium), installed once into the cache by scripts/ensure-code-server.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer, type CodeServerInstall } from '../../../scripts/ensure-code-server.mjs';
import { freePort, startProcess, type ManagedProcess } from './processes';

export type { CodeServerInstall };

export interface RunningCodeServer {
  port: number;
  url: string;
  process: ManagedProcess;
  close(): Promise<void>;
}

export function installedCodeServer(): CodeServerInstall {
  return ensureCodeServer();
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
};

/** Folders code-server writes to, all inside `home`, so nothing leaks into the real ~/.config or ~/.local. */
function stateDirs(home: string) {
  const dirs = { userData: join(home, 'user-data'), extensions: join(home, 'extensions'), config: join(home, 'config.yaml') };
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  // A quiet window: no welcome page or walkthrough covering the editor area the tests look at.
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  mkdirSync(dirs.extensions, { recursive: true });
  writeFileSync(dirs.config, 'auth: none\n');
  return dirs;
}

function commonArgs(home: string): string[] {
  const dirs = stateDirs(home);
  return ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--disable-telemetry', '--disable-update-check'];
}

/** Installs a packaged extension offline, the way a user would with `code-server --install-extension`. */
export function installVsix(install: CodeServerInstall, home: string, vsix: string): string {
  return execFileSync(process.execPath, [install.entry, ...commonArgs(home), '--install-extension', vsix], { encoding: 'utf8', timeout: 120_000 });
}

export async function startCodeServer(install: CodeServerInstall, home: string, workspace: string): Promise<RunningCodeServer> {
  const port = await freePort();
  const args = [install.entry, ...commonArgs(home), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', workspace];
  // XDG_* keep code-server's own state (coder.json, heartbeat) inside `home` as well.
  const server = startProcess(process.execPath, args, { env: { ...process.env, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home } });
  try {
    await server.waitForLine(/HTTP server listening on/, 60_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, process: server, close: () => server.stop() };
}
