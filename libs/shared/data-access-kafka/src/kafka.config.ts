import fs from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { cfg, ConfigError } from '@gridwerk/shared/util-config';

/** Kafka connection fields every service shares; spread into the app's config spec. */
export const kafkaConfigSpec = {
  kafkaBrokers: cfg.list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', ['127.0.0.1:9092']),
  kafkaClientId: cfg.optional(
    cfg.string('KAFKA_CLIENT_ID', 'Kafka client id (defaults to the service name)'),
  ),
  kafkaSsl: cfg.bool('KAFKA_SSL', 'connect with TLS', false),
  kafkaSslCaFile: cfg.optional(
    cfg.string('KAFKA_SSL_CA_FILE', 'PEM file of the CA that signed the brokers’ certificates'),
  ),
  kafkaSaslMechanism: cfg.optional(
    cfg.oneOf('KAFKA_SASL_MECHANISM', 'SASL mechanism', ['plain', 'scram-sha-256', 'scram-sha-512'] as const),
  ),
  kafkaSaslUsername: cfg.optional(cfg.string('KAFKA_SASL_USERNAME', 'SASL user name')),
  kafkaSaslPassword: cfg.optional(cfg.secret('KAFKA_SASL_PASSWORD', 'SASL password')),
};

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sslCaFile?: string | undefined;
  sasl?:
    | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
    | undefined;
}

interface KafkaConfigFields {
  kafkaBrokers: string[];
  kafkaClientId: string | undefined;
  kafkaSsl: boolean;
  kafkaSslCaFile: string | undefined;
  kafkaSaslMechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  kafkaSaslUsername: string | undefined;
  kafkaSaslPassword: string | undefined;
}

/** Turns the flat config fields into settings, checking the combinations a flat spec cannot. */
export function kafkaSettingsFrom(service: string, c: KafkaConfigFields): KafkaSettings {
  const problems: string[] = [];
  let sasl: KafkaSettings['sasl'];
  if (c.kafkaSaslMechanism) {
    if (!c.kafkaSaslUsername)
      problems.push('KAFKA_SASL_USERNAME is missing: required when KAFKA_SASL_MECHANISM is set');
    if (!c.kafkaSaslPassword)
      problems.push('KAFKA_SASL_PASSWORD is missing: required when KAFKA_SASL_MECHANISM is set');
    sasl = {
      mechanism: c.kafkaSaslMechanism,
      username: c.kafkaSaslUsername ?? '',
      password: c.kafkaSaslPassword ?? '',
    };
  }
  if (c.kafkaSslCaFile && !fs.existsSync(c.kafkaSslCaFile))
    problems.push(`KAFKA_SSL_CA_FILE does not exist: ${c.kafkaSslCaFile}`);
  for (const b of c.kafkaBrokers)
    if (!/^[^:\s]+:\d{1,5}$/.test(b)) problems.push(`KAFKA_BROKERS entry "${b}" is not host:port`);
  if (problems.length > 0) throw new ConfigError(service, problems);
  return {
    brokers: c.kafkaBrokers,
    clientId: c.kafkaClientId ?? service,
    ssl: c.kafkaSsl,
    sslCaFile: c.kafkaSslCaFile,
    sasl,
  };
}

function saslOptions(s: NonNullable<KafkaSettings['sasl']>): SASLOptions {
  switch (s.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username: s.username, password: s.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: s.username, password: s.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: s.username, password: s.password };
  }
}

/** kafkajs client configuration from settings (shared by the Nest transport, producers and tools). */
export function kafkaClientConfig(s: KafkaSettings): KafkaConfig {
  const ssl = s.ssl ? (s.sslCaFile ? { ca: [fs.readFileSync(s.sslCaFile, 'utf8')] } : true) : false;
  return {
    clientId: s.clientId,
    brokers: s.brokers,
    ssl,
    ...(s.sasl ? { sasl: saslOptions(s.sasl) } : {}),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8 },
  };
}
