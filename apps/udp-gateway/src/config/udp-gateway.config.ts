import { databaseConfigSpec } from '@gridwerk/shared/data-access-database';
import { cfg, ConfigError, Env, loadConfig, serviceConfigSpec } from '@gridwerk/shared/util-config';

/** udp-gateway's variables: HTTP, logging and database like every service, no Kafka. */
export const udpGatewayConfigSpec = {
  ...serviceConfigSpec(3007),
  ...databaseConfigSpec,
  publicBaseUrl: cfg.optional(
    cfg.url(
      'UDP_PUBLIC_BASE_URL',
      'public URL the gateway is reached at (self links, DCAT catalogue); default http://127.0.0.1:<HTTP_PORT>',
      ['http', 'https'],
      undefined,
      false,
    ),
  ),
  kAnonymity: cfg.int(
    'UDP_K_ANONYMITY',
    'metering points a node needs behind it to be published (k-anonymity; 5 as the German statistics offices’ minimum case count)',
    { min: 2, max: 1000, default: 5 },
  ),
  mqttUrl: cfg.url(
    'UDP_MQTT_URL',
    'MQTT broker the live observations go to',
    ['mqtt', 'mqtts', 'ws', 'wss'],
    'mqtt://127.0.0.1:1883',
    false,
  ),
  mqttPublicUrl: cfg.optional(
    cfg.string(
      'UDP_MQTT_PUBLIC_URL',
      'MQTT URL announced to clients (serverSettings, DCAT); default UDP_MQTT_URL',
    ),
  ),
  mqttUsername: cfg.optional(cfg.string('UDP_MQTT_USERNAME', 'MQTT user name')),
  mqttPassword: cfg.optional(cfg.secret('UDP_MQTT_PASSWORD', 'MQTT password')),
  mqttTopicPrefix: cfg.string(
    'UDP_MQTT_TOPIC_PREFIX',
    'prepended to every topic (empty: the SensorThings scheme as is; set it to share a broker)',
    '',
  ),
  mqttClientId: cfg.string('UDP_MQTT_CLIENT_ID', 'MQTT client id of the publisher', 'gridwerk-udp-gateway'),
  pollMs: cfg.int('UDP_POLL_MS', 'how often the rollups are checked for new or changed quarter hours, ms', {
    min: 100,
    max: 60_000,
    default: 500,
  }),
  lookbackMinutes: cfg.int(
    'UDP_LOOKBACK_MIN',
    'how far back a late or corrected quarter hour is still announced over MQTT, minutes',
    { min: 15, max: 10_080, default: 180 },
  ),
  catalogRefreshSeconds: cfg.int('UDP_CATALOG_REFRESH_S', 'how often the topology is re-read, seconds', {
    min: 1,
    max: 86_400,
    default: 60,
  }),
  defaultTop: cfg.int('UDP_DEFAULT_TOP', 'page size without $top', { min: 1, max: 10_000, default: 100 }),
  maxTop: cfg.int('UDP_MAX_TOP', 'largest $top a client may ask for', { min: 1, max: 10_000, default: 1000 }),
  maxExpandDepth: cfg.int('UDP_MAX_EXPAND_DEPTH', 'deepest $expand nesting', { min: 1, max: 10, default: 3 }),
  maxScanRows: cfg.int(
    'UDP_MAX_SCAN_ROWS',
    'observations read into memory for a $filter the database cannot evaluate',
    { min: 1000, max: 5_000_000, default: 100_000 },
  ),
  statementTimeoutMs: cfg.int('UDP_STATEMENT_TIMEOUT_MS', 'PostgreSQL statement timeout of a read, ms', {
    min: 100,
    max: 120_000,
    default: 5_000,
  }),
  maxResponseBytes: cfg.int('UDP_MAX_RESPONSE_BYTES', 'largest response body, bytes', {
    min: 10_000,
    max: 500_000_000,
    default: 20_000_000,
  }),
  rateLimitPerMinute: cfg.int('UDP_RATE_LIMIT_PER_MIN', 'requests per client address and minute', {
    min: 1,
    max: 1_000_000,
    default: 600,
  }),
  rateLimitBurst: cfg.int('UDP_RATE_LIMIT_BURST', 'requests a client may send at once', {
    min: 1,
    max: 100_000,
    default: 60,
  }),
  trustProxy: cfg.bool(
    'UDP_TRUST_PROXY',
    'take the client address from X-Forwarded-For (behind an ingress)',
    false,
  ),
  runMigrations: cfg.bool('UDP_RUN_MIGRATIONS', 'apply pending migrations at start-up', true),
};

export function loadUdpGatewayConfig(env?: Env) {
  const c = loadConfig('udp-gateway', udpGatewayConfigSpec, env);
  if (c.defaultTop > c.maxTop)
    throw new ConfigError('udp-gateway', [
      `UDP_DEFAULT_TOP (${c.defaultTop}) must not exceed UDP_MAX_TOP (${c.maxTop})`,
    ]);
  const publicBaseUrl = (c.publicBaseUrl ?? `http://127.0.0.1:${c.httpPort}`).replace(/\/$/, '');
  return { ...c, service: 'udp-gateway', publicBaseUrl, mqttPublicUrl: c.mqttPublicUrl ?? c.mqttUrl };
}
export type UdpGatewayConfig = ReturnType<typeof loadUdpGatewayConfig>;
