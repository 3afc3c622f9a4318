import os from 'node:os';
import path from 'node:path';

/**
 * Settings of the local, real infrastructure (dev, demo, CI). Read once from the environment here;
 * everything else receives this typed object.
 */
export interface InfraConfig {
  /** Repository root (where infra/kafka/pom.xml lives). */
  repoRoot: string;
  kafkaVersion: string;
  /** Jars resolved from Maven Central are copied here: outside the repo, reused across clones. */
  jarsDir: string;
  /** Pid file, logs and the KRaft data directory. */
  stateDir: string;
  host: string;
  brokerPort: number;
  controllerPort: number;
  heapMb: number;
  databaseUrl: string;
  testDatabaseUrl: string;
  /** Local EVM node (tools/infra/evm-node.ts): JSON-RPC port, chain id, state dir (survives restarts). */
  evmNodePort: number;
  evmChainId: number;
  evmStateDir: string;
  /** Local Keycloak (tools/infra/keycloak.ts): version, HTTP port, state dir (server, credentials, logs). */
  keycloakVersion: string;
  keycloakPort: number;
  keycloakCacheDir: string;
  keycloakStateDir: string;
  keycloakHeapMb: number;
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return n;
}

function evmNodeConfig(repoRoot: string): Pick<InfraConfig, 'evmNodePort' | 'evmChainId' | 'evmStateDir'> {
  const evmNodePort = port('EVM_NODE_PORT', 8545);
  const rawChainId = process.env['EVM_CHAIN_ID'] || '31337';
  const evmChainId = Number(rawChainId);
  if (!/^\d+$/.test(rawChainId) || !Number.isSafeInteger(evmChainId) || evmChainId < 1) {
    throw new Error(`EVM_CHAIN_ID must be a positive integer chain id, got "${rawChainId}"`);
  }
  const evmStateDir =
    process.env['EVM_NODE_STATE_DIR'] || path.join(repoRoot, '.gridwerk', `evm-${evmNodePort}`);
  return { evmNodePort, evmChainId, evmStateDir };
}

function keycloakConfig(
  repoRoot: string,
  cacheRoot: string,
): Pick<
  InfraConfig,
  'keycloakVersion' | 'keycloakPort' | 'keycloakCacheDir' | 'keycloakStateDir' | 'keycloakHeapMb'
> {
  const keycloakVersion = '26.4.5';
  const keycloakPort = port('KEYCLOAK_PORT', 8080);
  return {
    keycloakVersion,
    keycloakPort,
    keycloakCacheDir: path.join(cacheRoot, `keycloak-${keycloakVersion}`),
    keycloakStateDir:
      process.env['KEYCLOAK_STATE_DIR'] || path.join(repoRoot, '.gridwerk', `keycloak-${keycloakPort}`),
    keycloakHeapMb: Number(process.env['KEYCLOAK_HEAP_MB'] || 512),
  };
}

export function loadInfraConfig(): InfraConfig {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const cacheRoot = process.env['GRIDWERK_CACHE'] || path.join(os.homedir(), '.cache', 'gridwerk');
  const kafkaVersion = '3.9.1';
  const brokerPort = port('KAFKA_PORT', 9092);
  const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/gridwerk';
  return {
    repoRoot,
    kafkaVersion,
    jarsDir: path.join(cacheRoot, `kafka-${kafkaVersion}`, 'libs'),
    stateDir: process.env['GRIDWERK_STATE_DIR'] || path.join(repoRoot, '.gridwerk', `kafka-${brokerPort}`),
    host: '127.0.0.1',
    brokerPort,
    controllerPort: port('KAFKA_CONTROLLER_PORT', brokerPort + 1),
    heapMb: Number(process.env['KAFKA_HEAP_MB'] || 768),
    databaseUrl,
    testDatabaseUrl: process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/gridwerk_test',
    ...evmNodeConfig(repoRoot),
    ...keycloakConfig(repoRoot, cacheRoot),
  };
}

export function brokerAddress(cfg: InfraConfig): string {
  return `${cfg.host}:${cfg.brokerPort}`;
}
