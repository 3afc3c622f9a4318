import mqtt, { MqttClient } from 'mqtt';
import type { ObservationPublisher } from './live-observations';

export interface MqttSettings {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
}

/** mqtt.js client publishing with QoS 1; reconnects on its own, publish fails fast while disconnected. */
export class MqttObservationPublisher implements ObservationPublisher {
  private readonly client: MqttClient;

  constructor(s: MqttSettings) {
    this.client = mqtt.connect(s.url, {
      clientId: s.clientId,
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.password !== undefined ? { password: s.password } : {}),
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      clean: true,
      queueQoSZero: false,
    });
    this.client.on('error', () => undefined); // surfaced through `connected` on /health
  }

  get connected(): boolean {
    return this.client.connected;
  }

  async publish(messages: readonly { topic: string; payload: string }[]): Promise<void> {
    if (!this.client.connected) throw new Error('MQTT broker not connected');
    await Promise.all(messages.map((m) => this.client.publishAsync(m.topic, m.payload, { qos: 1 })));
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
