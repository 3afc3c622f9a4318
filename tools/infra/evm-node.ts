import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mnemonicToAccount } from 'viem/accounts';
import { InfraConfig } from './infra-config';
import { InfraError, isAlive, isPortOpen, Log } from './kafka-broker';

/**
 * A real local EVM node for dev, demo and tests: Foundry's Anvil from npm (`@foundry-rs/anvil`, whose
 * platform package ships the binary). Chain state is kept on disk (`--state`: loaded at start, dumped
 * every second and on exit), so a restarted node has the same blocks, receipts and contract storage.
 * Hardhat 2's node keeps state in memory only, and Hardhat 3 needs Node 22.
 */

/**
 * DEV ONLY. The well-known public test mnemonic of Hardhat/Anvil/Foundry: every key derived from it is
 * public knowledge. It funds the local node's accounts and signs in dev mode; never use it on a real
 * chain (the settlement config refuses it unless dev mode is switched on explicitly).
 */
export const DEV_ONLY_MNEMONIC = 'test test test test test test test test test test test junk';
const DEV_ACCOUNT_COUNT = 10;
const DEV_BALANCE_ETH = 10_000;

export interface DevOnlyAccount {
  readonly address: `0x${string}`;
  readonly privateKey: `0x${string}`;
}

/** DEV ONLY: the node's funded accounts, derived from `DEV_ONLY_MNEMONIC` (m/44'/60'/0'/0/i). */
export const DEV_ONLY_ACCOUNTS: readonly DevOnlyAccount[] = Array.from(
  { length: DEV_ACCOUNT_COUNT },
  (_, i) => {
    const account = mnemonicToAccount(DEV_ONLY_MNEMONIC, { addressIndex: i });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error('cannot derive a dev account key');
    return { address: account.address, privateKey: `0x${Buffer.from(key).toString('hex')}` };
  },
);

const PID_FILE = 'node.pid';
const LOG_FILE = 'node.log';
const STATE_FILE = 'state.json';
const META_FILE = 'node.json';
const MAX_LOG_BYTES = 50 * 1024 * 1024;

export function evmNodeRpcUrl(cfg: Pick<InfraConfig, 'host' | 'evmNodePort'>): string {
  return `http://${cfg.host}:${cfg.evmNodePort}`;
}

/** Path of the Anvil binary in its platform package (installed by `npm ci` as an optional dependency). */
export function anvilBinary(): string {
  const platforms: Record<string, string> = {
    'linux-x64': 'linux-amd64',
    'linux-arm64': 'linux-arm64',
    'darwin-x64': 'darwin-amd64',
    'darwin-arm64': 'darwin-arm64',
    'win32-x64': 'win32-amd64',
  };
  const suffix = platforms[`${process.platform}-${process.arch}`];
  if (!suffix) {
    throw new InfraError(
      'INFRA.EVM_NODE_UNSUPPORTED',
      `no Anvil build for ${process.platform}-${process.arch}; point EVM_RPC_URL at another EVM JSON-RPC node`,
    );
  }
  const pkg = `@foundry-rs/anvil-${suffix}`;
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    const bin = path.join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    fs.accessSync(bin, fs.constants.X_OK);
    return bin;
  } catch {
    throw new InfraError(
      'INFRA.EVM_NODE_MISSING',
      `the local EVM node (${pkg}, an optional dependency of @foundry-rs/anvil) is not installed: run npm ci`,
    );
  }
}

function readPid(cfg: InfraConfig): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(cfg.evmStateDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function rpc<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 2_000): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

function logTail(cfg: InfraConfig): string {
  try {
    const text = fs.readFileSync(path.join(cfg.evmStateDir, LOG_FILE), 'utf8');
    return text.trim() ? text.split('\n').slice(-25).join('\n') : '(empty node log)';
  } catch {
    return '(no node log)';
  }
}

/** Waits until the node answers JSON-RPC with the configured chain id. */
export async function waitForEvmNode(cfg: InfraConfig, timeoutMs: number, pid?: number): Promise<void> {
  const url = evmNodeRpcUrl(cfg);
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) {
      throw new InfraError(
        'INFRA.EVM_NODE_DIED',
        `the EVM node exited during start-up. Last log lines:\n${logTail(cfg)}`,
      );
    }
    try {
      const chainId = Number(await rpc<string>(url, 'eth_chainId'));
      if (chainId !== cfg.evmChainId) {
        throw new InfraError(
          'INFRA.EVM_CHAIN_MISMATCH',
          `the EVM node at ${url} has chain id ${chainId}, expected EVM_CHAIN_ID=${cfg.evmChainId}`,
        );
      }
      return;
    } catch (err) {
      if (err instanceof InfraError) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new InfraError(
    'INFRA.EVM_NODE_TIMEOUT',
    `the EVM node did not answer at ${url} within ${timeoutMs} ms (${lastError}). Last log lines:\n${logTail(cfg)}`,
  );
}

export interface EvmNodeStartResult {
  started: boolean;
  pid?: number;
  rpcUrl: string;
  chainId: number;
}

/** The chain id a state dir was created with: a state file is never loaded into another chain. */
function checkStateMeta(cfg: InfraConfig): void {
  const meta = path.join(cfg.evmStateDir, META_FILE);
  if (fs.existsSync(meta) && fs.existsSync(path.join(cfg.evmStateDir, STATE_FILE))) {
    const saved = (JSON.parse(fs.readFileSync(meta, 'utf8')) as { chainId?: number }).chainId;
    if (saved !== cfg.evmChainId) {
      throw new InfraError(
        'INFRA.EVM_STATE_MISMATCH',
        `the chain state in ${cfg.evmStateDir} belongs to chain id ${saved}, not EVM_CHAIN_ID=${cfg.evmChainId}; ` +
          'use another EVM_NODE_STATE_DIR or delete that directory to start a fresh chain',
      );
    }
  }
  fs.writeFileSync(meta, `${JSON.stringify({ chainId: cfg.evmChainId, node: 'anvil' })}\n`);
}

/** Starts the node unless ours is already running; fails clearly if another process holds the port. */
export async function startEvmNode(cfg: InfraConfig, log: Log): Promise<EvmNodeStartResult> {
  const rpcUrl = evmNodeRpcUrl(cfg);
  const existing = readPid(cfg);
  if (existing !== undefined && isAlive(existing) && (await isPortOpen(cfg.host, cfg.evmNodePort))) {
    await waitForEvmNode(cfg, 15_000, existing);
    return { started: false, pid: existing, rpcUrl, chainId: cfg.evmChainId };
  }
  if (await isPortOpen(cfg.host, cfg.evmNodePort)) {
    throw new InfraError(
      'INFRA.PORT_TAKEN',
      `port ${cfg.host}:${cfg.evmNodePort} is taken by another process (not an EVM node started by this tool). Stop it, or choose another port with EVM_NODE_PORT.`,
    );
  }
  const bin = anvilBinary();
  fs.mkdirSync(cfg.evmStateDir, { recursive: true });
  checkStateMeta(cfg);
  const logFile = path.join(cfg.evmStateDir, LOG_FILE);
  if (fs.existsSync(logFile) && fs.statSync(logFile).size > MAX_LOG_BYTES)
    fs.renameSync(logFile, `${logFile}.1`);
  const out = fs.openSync(logFile, 'a');
  const args = [
    '--host',
    cfg.host,
    '--port',
    String(cfg.evmNodePort),
    '--chain-id',
    String(cfg.evmChainId),
    '--mnemonic',
    DEV_ONLY_MNEMONIC,
    '--accounts',
    String(DEV_ACCOUNT_COUNT),
    '--balance',
    String(DEV_BALANCE_ETH),
    '--state',
    path.join(cfg.evmStateDir, STATE_FILE),
    '--state-interval',
    '1',
  ];
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (child.pid === undefined) throw new InfraError('INFRA.EVM_NODE_SPAWN_FAILED', `could not start ${bin}`);
  child.unref();
  fs.writeFileSync(path.join(cfg.evmStateDir, PID_FILE), String(child.pid));
  log(
    `starting EVM node (anvil, chain id ${cfg.evmChainId}) at ${rpcUrl}, pid ${child.pid}, state and logs in ${cfg.evmStateDir}`,
  );
  await waitForEvmNode(cfg, 30_000, child.pid);
  return { started: true, pid: child.pid, rpcUrl, chainId: cfg.evmChainId };
}

/** Stops our node; it writes its state to disk on the way out (SIGTERM), so a later start resumes it. */
export async function stopEvmNode(cfg: InfraConfig, log: Log): Promise<boolean> {
  const pid = readPid(cfg);
  if (pid === undefined || !isAlive(pid)) {
    fs.rmSync(path.join(cfg.evmStateDir, PID_FILE), { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) {
    log(`EVM node ${pid} did not stop within 30 s; killing it (state as of the last dump, at most 1 s old)`);
    process.kill(pid, 'SIGKILL');
  }
  // The port is released a moment after the process is gone.
  const portDeadline = Date.now() + 5_000;
  while ((await isPortOpen(cfg.host, cfg.evmNodePort)) && Date.now() < portDeadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  fs.rmSync(path.join(cfg.evmStateDir, PID_FILE), { force: true });
  log(`stopped EVM node (pid ${pid})`);
  return true;
}

export interface EvmNodeStatus {
  running: boolean;
  pid?: number;
  rpcUrl: string;
  answering: boolean;
  chainId?: number;
  blockNumber?: number;
  stateDir: string;
}

export async function evmNodeStatus(cfg: InfraConfig): Promise<EvmNodeStatus> {
  const pid = readPid(cfg);
  const running = pid !== undefined && isAlive(pid);
  const rpcUrl = evmNodeRpcUrl(cfg);
  const base = { running, ...(running ? { pid } : {}), rpcUrl, stateDir: cfg.evmStateDir };
  try {
    const [chainId, blockNumber] = await Promise.all([
      rpc<string>(rpcUrl, 'eth_chainId'),
      rpc<string>(rpcUrl, 'eth_blockNumber'),
    ]);
    return { ...base, answering: true, chainId: Number(chainId), blockNumber: Number(blockNumber) };
  } catch {
    return { ...base, answering: false };
  }
}
