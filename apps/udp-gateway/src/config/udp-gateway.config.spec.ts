import { ConfigError } from '@gridwerk/shared/util-config';
import { loadUdpGatewayConfig } from './udp-gateway.config';

describe('udp-gateway config', () => {
  it('defaults: k = 5, the local Mosquitto, self links on the HTTP port', () => {
    const c = loadUdpGatewayConfig({});
    expect(c).toMatchObject({
      kAnonymity: 5,
      mqttUrl: 'mqtt://127.0.0.1:1883',
      mqttPublicUrl: 'mqtt://127.0.0.1:1883',
      publicBaseUrl: 'http://127.0.0.1:3007',
      mqttTopicPrefix: '',
      maxTop: 1000,
    });
  });

  it('names every bad variable', () => {
    let err: unknown;
    try {
      loadUdpGatewayConfig({ UDP_K_ANONYMITY: '1', UDP_MQTT_URL: 'http://x', UDP_MAX_TOP: 'many' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join('\n');
    expect(text).toContain('UDP_K_ANONYMITY');
    expect(text).toContain('UDP_MQTT_URL');
    expect(text).toContain('UDP_MAX_TOP');
  });

  it('refuses a default page larger than the maximum', () => {
    expect(() => loadUdpGatewayConfig({ UDP_DEFAULT_TOP: '500', UDP_MAX_TOP: '100' })).toThrow(
      /UDP_DEFAULT_TOP/,
    );
  });
});
