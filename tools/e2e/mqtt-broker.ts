import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from './free-port';

export interface MqttBroker {
  url: string;
  stop(): Promise<void>;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * The MQTT broker a test publishes to: MQTT_URL when set, the Mosquitto on 127.0.0.1:1883 when it runs,
 * else a Mosquitto of our own on a free port (Debian's `mosquitto` package), stopped again by `stop()`.
 */
export async function ensureMqttBroker(): Promise<MqttBroker> {
  const configured = process.env['MQTT_URL'];
  if (configured) return { url: configured, stop: async () => undefined };
  if (await reachable('127.0.0.1', 1883))
    return { url: 'mqtt://127.0.0.1:1883', stop: async () => undefined };
  const bin = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => fs.existsSync(p));
  if (bin === undefined)
    throw new Error(
      'no MQTT broker: set MQTT_URL, run Mosquitto on 127.0.0.1:1883 or apt-get install mosquitto',
    );
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-p', String(port)], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await reachable('127.0.0.1', port))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`mosquitto did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
