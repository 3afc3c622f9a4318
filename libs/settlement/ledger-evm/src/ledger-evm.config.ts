import fs from 'node:fs';
import { isAddress, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { cfg, ConfigError, type ConfigOf, type FieldSpec } from '@gridwerk/shared/util-config';

/**
 * DEV ONLY: the well-known public test mnemonic of the local node (tools/infra/evm-node.ts funds its
 * accounts from it). Its keys are public knowledge: `ledgerSignerKey` uses account 0 only when
 * `SETTLEMENT_DEV_SIGNER=true` and the endpoint is a loopback dev node.
 */
export const DEV_ONLY_MNEMONIC = 'test test test test test test test test test test test junk';
/** Chain ids of local dev nodes (Anvil/Hardhat 31337, Ganache 1337): the only ones the dev key may sign for. */
export const DEV_CHAIN_IDS: readonly number[] = [31337, 1337];

function address(env: string, description: string): FieldSpec<Hex> {
  return {
    env,
    description,
    parse(raw) {
      const v = raw.trim();
      if (!isAddress(v, { strict: false }))
        throw new Error(`must be a 0x-prefixed 20-byte address, got "${raw}"`);
      return v;
    },
  };
}

/** The ledger's fragment of a service config spec (spread it into the app's spec). */
export const ledgerEvmConfigSpec = {
  evmRpcUrl: cfg.url(
    'EVM_RPC_URL',
    'JSON-RPC endpoint of the settlement chain (any EVM node; the local dev node by default)',
    ['http', 'https'],
    'http://127.0.0.1:8545',
    false,
  ),
  evmChainId: cfg.int('EVM_CHAIN_ID', 'chain id the endpoint must report (checked at start and in /health)', {
    min: 1,
    default: 31337,
  }),
  settlementContractAddress: cfg.optional(
    address('SETTLEMENT_CONTRACT_ADDRESS', 'address of the deployed SettlementLedger contract'),
  ),
  signerKeyFile: cfg.optional(
    cfg.string(
      'SETTLEMENT_SIGNER_KEY_FILE',
      "file holding the committer's private key (hex), e.g. a Kubernetes Secret mounted as a file",
    ),
  ),
  devSigner: cfg.bool(
    'SETTLEMENT_DEV_SIGNER',
    'DEV ONLY: sign with the public deterministic key of the local dev node (refused on other chains)',
    false,
  ),
  evmConfirmations: cfg.int(
    'EVM_CONFIRMATIONS',
    'blocks (including its own) until a commit counts as final',
    {
      min: 1,
      max: 256,
      default: 1,
    },
  ),
  evmReceiptTimeoutMs: cfg.int('EVM_RECEIPT_TIMEOUT_MS', 'how long one commit waits for its confirmations', {
    min: 1_000,
    max: 3_600_000,
    default: 120_000,
  }),
  evmPollIntervalMs: cfg.int('EVM_POLL_INTERVAL_MS', 'how often receipts and blocks are polled', {
    min: 10,
    max: 60_000,
    default: 250,
  }),
  evmRpcRetries: cfg.int('EVM_RPC_RETRIES', 'retries (exponential back-off) of a call failing transiently', {
    min: 0,
    max: 20,
    default: 6,
  }),
  evmGasHeadroomPct: cfg.int('EVM_GAS_HEADROOM_PCT', 'added to the estimated gas limit, in percent', {
    min: 0,
    max: 200,
    default: 20,
  }),
};

export type LedgerEvmConfig = ConfigOf<typeof ledgerEvmConfigSpec>;

const KEY_RE = /^(0x)?[0-9a-fA-F]{64}$/;

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** DEV ONLY: key of account 0 of `DEV_ONLY_MNEMONIC`. */
export function devOnlySignerKey(): Hex {
  const key = mnemonicToAccount(DEV_ONLY_MNEMONIC).getHdKey().privateKey;
  if (!key) throw new Error('cannot derive the dev key');
  return `0x${Buffer.from(key).toString('hex')}`;
}

/**
 * The committer's private key: read from `SETTLEMENT_SIGNER_KEY_FILE`, or the dev key when
 * `SETTLEMENT_DEV_SIGNER=true` against a loopback dev chain. Throws `ConfigError` naming the variable;
 * never echoes key material.
 */
export function ledgerSignerKey(
  config: Pick<LedgerEvmConfig, 'signerKeyFile' | 'devSigner' | 'evmRpcUrl' | 'evmChainId'>,
  service = 'settlement',
  readFile: (path: string) => string = (p) => fs.readFileSync(p, 'utf8'),
): Hex {
  if (config.signerKeyFile !== undefined && config.devSigner) {
    throw new ConfigError(service, [
      'SETTLEMENT_SIGNER_KEY_FILE and SETTLEMENT_DEV_SIGNER=true exclude each other: choose one signer',
    ]);
  }
  if (config.devSigner) {
    if (!DEV_CHAIN_IDS.includes(config.evmChainId) || !isLoopback(config.evmRpcUrl)) {
      throw new ConfigError(service, [
        `SETTLEMENT_DEV_SIGNER=true is only allowed against a local dev node (loopback EVM_RPC_URL, EVM_CHAIN_ID ${DEV_CHAIN_IDS.join(' or ')}); set SETTLEMENT_SIGNER_KEY_FILE instead`,
      ]);
    }
    return devOnlySignerKey();
  }
  if (config.signerKeyFile === undefined) {
    throw new ConfigError(service, [
      'SETTLEMENT_SIGNER_KEY_FILE is missing: file holding the committer key (or SETTLEMENT_DEV_SIGNER=true on a local dev node)',
    ]);
  }
  let text: string;
  try {
    text = readFile(config.signerKeyFile);
  } catch (err) {
    const why =
      err instanceof Error && 'code' in err ? String((err as NodeJS.ErrnoException).code) : 'unreadable';
    throw new ConfigError(service, [
      `SETTLEMENT_SIGNER_KEY_FILE ${config.signerKeyFile} cannot be read (${why})`,
    ]);
  }
  const key = text.trim();
  if (!KEY_RE.test(key)) {
    throw new ConfigError(service, [
      `SETTLEMENT_SIGNER_KEY_FILE ${config.signerKeyFile} must hold one hex private key (32 bytes), nothing else`,
    ]);
  }
  const hex = (key.startsWith('0x') ? key : `0x${key}`).toLowerCase() as Hex;
  if (
    hex === devOnlySignerKey() &&
    !(DEV_CHAIN_IDS.includes(config.evmChainId) && isLoopback(config.evmRpcUrl))
  ) {
    throw new ConfigError(service, [
      `SETTLEMENT_SIGNER_KEY_FILE ${config.signerKeyFile} holds the public dev key: refused on a non-dev chain`,
    ]);
  }
  return hex;
}
