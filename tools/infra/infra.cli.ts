import { InfraError } from './kafka-broker';
import { infraDown, infraStatus, infraUp } from './infra';
import { loadInfraConfig } from './infra-config';
import { keycloakCredentialsFile } from './keycloak';

const HELP = `Usage: npm run infra:<up|down|status>

  up      start a single-node Apache Kafka broker (KRaft, Java 17, jars from Maven Central),
          create every topic of libs/contracts, create the dev and test databases,
          start the local EVM node (Anvil, state kept in its state dir across restarts) and
          Keycloak (dev mode, realm gridwerk from infra/keycloak/gridwerk-realm.json)
  down    stop the broker, the EVM node and Keycloak this tool started
  status  show whether the broker, the EVM node and Keycloak run and answer (exit 0 all up, 3 otherwise)

Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_HEAP_MB (768),
GRIDWERK_CACHE (~/.cache/gridwerk: resolved jars), GRIDWERK_STATE_DIR (.gridwerk/kafka-<port>),
DATABASE_URL, TEST_DATABASE_URL, EVM_NODE_PORT (8545), EVM_CHAIN_ID (31337),
EVM_NODE_STATE_DIR (.gridwerk/evm-<port>), KEYCLOAK_PORT (8080), KEYCLOAK_HEAP_MB (512),
KEYCLOAK_STATE_DIR (.gridwerk/keycloak-<port>: server, credentials.json, keycloak.out).`;

const log = (m: string): void => {
  process.stdout.write(`[infra] ${m}\n`);
};

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  // `infra:up -- --help` must print the help, not start three servers
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (rest.length > 0) {
    process.stderr.write(
      `infra ${cmd ?? ''}: unexpected argument "${rest[0]}" (the tool takes none; configure it by environment)\n`,
    );
    return 2;
  }
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      const r = await infraUp(log);
      log(
        `${r.started ? 'Kafka started' : 'Kafka already running'} at ${r.broker} (pid ${r.pid ?? '?'}) in ${Date.now() - t0} ms`,
      );
      log(
        `${r.evmNode.started ? 'EVM node started' : 'EVM node already running'} at ${r.evmNode.rpcUrl} (chain id ${r.evmNode.chainId}, pid ${r.evmNode.pid ?? '?'})`,
      );
      if (r.keycloak) {
        log(
          `${r.keycloak.started ? 'Keycloak started' : 'Keycloak already running'} at ${r.keycloak.url} (pid ${r.keycloak.pid ?? '?'}), issuer ${r.keycloak.issuer}; demo passwords in ${keycloakCredentialsFile(loadInfraConfig())}`,
        );
      }
      return 0;
    }
    case 'down':
      if (!(await infraDown(log))) log('no broker, EVM node or Keycloak started by this tool is running');
      return 0;
    case 'status': {
      const s = await infraStatus();
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return s.kafka.running &&
        s.kafka.answering &&
        s.evmNode.running &&
        s.evmNode.answering &&
        s.keycloak.running &&
        s.keycloak.answering
        ? 0
        : 3;
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${HELP}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${cmd}"\n${HELP}\n`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg =
      err instanceof InfraError
        ? `${err.code}: ${err.message}`
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    process.stderr.write(`[infra] ${msg}\n`);
    process.exit(1);
  },
);
