// A Mosquitto broker of the test's own on a free loopback port (Debian's mosquitto package), so MQTT tests run on any
// machine that has the package, without a broker already running.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../vscode/harness/processes';
import { watchOutput } from './childOutput';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

/** Starts a broker with its config in `dir`; resolves once it listens. The caller stops `process`. */
export async function startMosquitto(dir: string): Promise<{ process: ChildProcess; url: string }> {
  if (!MOSQUITTO) throw new Error('Mosquitto is missing: the MQTT tests start their own broker from /usr/sbin/mosquitto (Debian: apt-get install -y mosquitto)');
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  const child = spawn(MOSQUITTO, ['-c', config]);
  await watchOutput(child).until('stderr', /Opening ipv4 listen socket on port \d+/);
  return { process: child, url: `mqtt://127.0.0.1:${port}` };
}
