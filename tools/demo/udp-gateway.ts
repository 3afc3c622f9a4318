import net from 'node:net';
import { freePort } from '../e2e/free-port';
import { ensureMqttBroker } from '../e2e/mqtt-broker';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * The demo's urban data platform: the udp-gateway on the demo's database and the local Mosquitto (or one it
 * starts), with its URL, an example query and the MQTT subscription printed. One call from demo.ts.
 */
export async function startUdpGatewayDemo<C>(h: {
  start: (name: string, script: string, args: string[], env: NodeJS.ProcessEnv, critical: boolean) => C;
  waitHealthy: (child: C, url: string, timeoutMs: number) => Promise<void>;
  env: NodeJS.ProcessEnv;
  say: (line: string) => void;
}): Promise<void> {
  const port = (await portFree(3007)) ? 3007 : await freePort();
  const broker = await ensureMqttBroker();
  const base = `http://127.0.0.1:${port}`;
  const gw = h.start(
    'udp-gateway',
    'apps/udp-gateway/src/main.ts',
    [],
    { ...h.env, HTTP_PORT: String(port), UDP_MQTT_URL: broker.url, UDP_PUBLIC_BASE_URL: base },
    false,
  );
  await h.waitHealthy(gw, `${base}/health`, 120_000);
  const mqtt = new URL(broker.url);
  h.say(`  Open data:     ${base}/v1.1  (OGC SensorThings API, public)`);
  h.say(`                 ${base}/v1.1/Things?$filter=properties/type%20eq%20'substation'`);
  h.say(`                 ${base}/catalog  (DCAT-AP.de)`);
  h.say(
    `  Live (MQTT):   mosquitto_sub -h ${mqtt.hostname} -p ${mqtt.port || 1883} -t 'v1.1/Observations' -v`,
  );
}
