import { spawn } from 'node:child_process';
import { loadInfraConfig, brokerAddress } from './infra-config';
import { infraDown, infraUp } from './infra';
import { evmNodeRpcUrl } from './evm-node';
import { keycloakCredentialsFile, keycloakUrl } from './keycloak';

/**
 * Runs a command with the real infrastructure up: starts the broker, the EVM node and Keycloak (unless
 * ours already run), runs the command with KAFKA_BROKERS / TEST_DATABASE_URL / EVM_RPC_URL /
 * KEYCLOAK_URL set, and stops what it started again, also on Ctrl-C.
 *   ts-node tools/infra/with-infra.ts -- nx run-many -t test
 */
async function main(): Promise<number> {
  const sep = process.argv.indexOf('--');
  const argv = sep >= 0 ? process.argv.slice(sep + 1) : process.argv.slice(2);
  const [cmd, ...args] = argv;
  if (!cmd) {
    process.stderr.write('usage: with-infra -- <command> [args...]\n');
    return 2;
  }
  const cfg = loadInfraConfig();
  const log = (m: string): void => {
    process.stdout.write(`[infra] ${m}\n`);
  };
  const t0 = Date.now();
  const up = await infraUp(log, cfg);
  log(`Kafka ${up.started ? 'started' : 'already running'} at ${up.broker} in ${Date.now() - t0} ms`);
  log(`EVM node ${up.evmNode.started ? 'started' : 'already running'} at ${up.evmNode.rpcUrl}`);
  log(`Keycloak ${up.keycloak?.started ? 'started' : 'already running'} at ${keycloakUrl(cfg)}`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await infraDown(log, cfg, up);
  };
  const child = spawn(cmd, args, {
    stdio: 'inherit',
    shell: false,
    env: {
      ...process.env,
      KAFKA_BROKERS: brokerAddress(cfg),
      TEST_DATABASE_URL: cfg.testDatabaseUrl,
      EVM_RPC_URL: evmNodeRpcUrl(cfg),
      KEYCLOAK_URL: keycloakUrl(cfg),
      KEYCLOAK_CREDENTIALS_FILE: keycloakCredentialsFile(cfg),
      GRIDWERK_INFRA_MANAGED: '1',
    },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      child.kill(sig);
    });
  }
  const code = await new Promise<number>((resolve) => {
    child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0)));
    child.on('error', (e) => {
      process.stderr.write(`[infra] could not run ${cmd}: ${e.message}\n`);
      resolve(127);
    });
  });
  await stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[infra] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
