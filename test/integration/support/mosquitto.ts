// A Mosquitto broker of the test's own on a free loopback port (Debian's mosquitto package), so MQTT tests run on any
// machine that has the package, without a broker already running.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../vscode/harness/processes';
import { watchOutput } from './childOutput';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

/**
 * Starts a broker with its config in `dir`; resolves once it listens. The caller stops `process`. With `persistence`
 * it keeps its sessions in `dir` across a restart (started again with the same `port`), as a production broker does.
 */
export async function startMosquitto(dir: string, options: { port?: number; persistence?: boolean } = {}): Promise<{ process: ChildProcess; url: string }> {
  if (!MOSQUITTO) throw new Error('Mosquitto is missing: the MQTT tests start their own broker from /usr/sbin/mosquitto (Debian: apt-get install -y mosquitto)');
  const port = options.port ?? (await freePort());
  const config = join(dir, 'mosquitto.conf');
  // Run as root, Mosquitto drops to user mosquitto, which may not write its database in `dir`: it stays this user.
  const persistence = options.persistence ? `persistence true\npersistence_location ${dir}/\nuser ${userInfo().username}\n` : 'persistence false\n';
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\n${persistence}log_dest stderr\n`);
  const child = spawn(MOSQUITTO, ['-c', config]);
  // Listening once it says it runs (it says it opens the socket before it binds it).
  await watchOutput(child).until('stderr', /mosquitto version \S+ running/);
  return { process: child, url: `mqtt://127.0.0.1:${port}` };
}
