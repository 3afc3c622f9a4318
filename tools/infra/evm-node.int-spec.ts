import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { createPublicClient, http, keccak256, toBytes, type Hex } from 'viem';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  type TestDatabase,
} from '@gridwerk/shared/data-access-database';
import {
  DEV_ONLY_MNEMONIC as LIB_DEV_MNEMONIC,
  deploySettlementLedgerContract,
  devOnlySignerKey,
  EvmSettlementLedger,
  ledgerEvmMigrations,
} from '@gridwerk/settlement/ledger-evm';
import { loadInfraConfig, type InfraConfig } from './infra-config';
import {
  DEV_ONLY_ACCOUNTS,
  DEV_ONLY_MNEMONIC,
  evmNodeRpcUrl,
  evmNodeStatus,
  startEvmNode,
  stopEvmNode,
} from './evm-node';
import { freePort } from '../e2e/free-port';

/** The local EVM node as the infra scripts run it: its own port and state dir for this file. */

describe('local EVM node (tools/infra/evm-node.ts)', () => {
  let cfg: InfraConfig;
  let db: TestDatabase;
  let ds: DataSource;
  const log = (): void => undefined;

  beforeAll(async () => {
    cfg = {
      ...loadInfraConfig(),
      evmNodePort: await freePort(),
      evmStateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-evm-test-')),
    };
    db = await createTestDatabase('evm_node');
    ds = new DataSource(
      postgresDataSourceOptions({
        url: db.url,
        applicationName: 'evm-node-test',
        migrations: ledgerEvmMigrations,
      }),
    );
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await stopEvmNode(cfg, log);
    await ds?.destroy();
    await db?.drop();
    fs.rmSync(cfg.evmStateDir, { recursive: true, force: true });
  });

  it('uses the same dev-only accounts as the ledger lib', () => {
    expect(DEV_ONLY_MNEMONIC).toBe(LIB_DEV_MNEMONIC);
    expect(DEV_ONLY_ACCOUNTS[0]?.privateKey).toBe(devOnlySignerKey());
    expect(DEV_ONLY_ACCOUNTS[0]?.address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(DEV_ONLY_ACCOUNTS).toHaveLength(10);
  });

  it('starts with the configured chain id and funded dev accounts, reports status, and is reused when running', async () => {
    const started = await startEvmNode(cfg, log);
    expect(started).toMatchObject({ started: true, chainId: cfg.evmChainId, rpcUrl: evmNodeRpcUrl(cfg) });
    const client = createPublicClient({ transport: http(evmNodeRpcUrl(cfg)) });
    expect(await client.getChainId()).toBe(cfg.evmChainId);
    expect(await client.getBalance({ address: DEV_ONLY_ACCOUNTS[9].address })).toBe(10_000n * 10n ** 18n);
    expect(await evmNodeStatus(cfg)).toMatchObject({ running: true, answering: true, pid: started.pid });
    expect(await startEvmNode(cfg, log)).toMatchObject({ started: false, pid: started.pid });
    expect(fs.readFileSync(path.join(cfg.evmStateDir, 'node.log'), 'utf8')).toMatch(/Listening on/);
  });

  it('fails clearly when another process holds the port', async () => {
    const port = await freePort();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      await expect(
        startEvmNode({ ...cfg, evmNodePort: port, evmStateDir: path.join(cfg.evmStateDir, 'other') }, log),
      ).rejects.toMatchObject({ code: 'INFRA.PORT_TAKEN', message: expect.stringMatching(/EVM_NODE_PORT/) });
    } finally {
      squatter.close();
    }
  });

  it('keeps blocks, receipts and contract state across a restart (SIGTERM) and a crash (SIGKILL)', async () => {
    await startEvmNode(cfg, log);
    const rpcUrl = evmNodeRpcUrl(cfg);
    const client = createPublicClient({ transport: http(rpcUrl) });
    const { address } = await deploySettlementLedgerContract({
      rpcUrl,
      chainId: cfg.evmChainId,
      deployerKey: DEV_ONLY_ACCOUNTS[0].privateKey,
    });
    const ledger = () =>
      new EvmSettlementLedger({
        rpcUrl,
        chainId: cfg.evmChainId,
        contractAddress: address,
        signerKey: DEV_ONLY_ACCOUNTS[0].privateKey,
        dataSource: ds,
        pollIntervalMs: 20,
        rpcRetries: 10,
      });
    const batch = (version: number, root: Hex) => ({
      communityId: 'test-restart-community',
      intervalStart: '2026-06-15T12:00:00Z',
      version,
      merkleRoot: root,
      transactionCount: 4,
      totalEnergyWh: 1234n,
      totalAmountCt: 56n,
    });
    const first = await ledger().commitBatch(batch(1, keccak256(toBytes('root-1'))));
    const head = await client.getBlockNumber();

    expect(await stopEvmNode(cfg, log)).toBe(true);
    expect(await evmNodeStatus(cfg)).toMatchObject({ running: false, answering: false });
    await startEvmNode(cfg, log);
    expect(await client.getBlockNumber()).toBe(head);
    expect((await client.getTransactionReceipt({ hash: first.txHash })).status).toBe('success');
    expect(await ledger().getBatch('test-restart-community', '2026-06-15T12:00:00Z', 1)).toMatchObject({
      merkleRoot: keccak256(toBytes('root-1')),
      committedAtBlock: first.blockNumber,
    });
    // Same batch again after the restart: found on chain, not committed twice.
    expect(await ledger().commitBatch(batch(1, keccak256(toBytes('root-1'))))).toEqual({
      ...first,
      alreadyCommitted: true,
    });

    // A crash: state is dumped every second, so what was committed a moment before survives.
    const second = await ledger().commitBatch(batch(2, keccak256(toBytes('root-2'))));
    await new Promise((r) => setTimeout(r, 2_500));
    const { pid } = await evmNodeStatus(cfg);
    if (pid === undefined) throw new Error('the node runs without a pid');
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await startEvmNode(cfg, log);
    expect((await client.getTransactionReceipt({ hash: second.txHash })).blockNumber).toBe(
      second.blockNumber,
    );
    expect((await ledger().getBatch('test-restart-community', '2026-06-15T12:00:00Z', 2))?.merkleRoot).toBe(
      keccak256(toBytes('root-2')),
    );
  });

  it('a commit issued while the node is down completes once it is back (retries with back-off)', async () => {
    await startEvmNode(cfg, log);
    const rpcUrl = evmNodeRpcUrl(cfg);
    const { address } = await deploySettlementLedgerContract({
      rpcUrl,
      chainId: cfg.evmChainId,
      deployerKey: DEV_ONLY_ACCOUNTS[0].privateKey,
    });
    const retried: string[] = [];
    const ledger = new EvmSettlementLedger({
      rpcUrl,
      chainId: cfg.evmChainId,
      contractAddress: address,
      signerKey: DEV_ONLY_ACCOUNTS[0].privateKey,
      dataSource: ds,
      pollIntervalMs: 20,
      rpcRetries: 10,
      metrics: { onRpcRetry: (w) => retried.push(w) },
    });
    await stopEvmNode(cfg, log);
    const commit = ledger.commitBatch({
      communityId: 'test-down-community',
      intervalStart: '2026-06-15T12:15:00Z',
      version: 1,
      merkleRoot: keccak256(toBytes('down')),
      transactionCount: 1,
      totalEnergyWh: 1n,
      totalAmountCt: 1n,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await startEvmNode(cfg, log);
    const receipt = await commit;
    expect(receipt.alreadyCommitted).toBe(false);
    expect(retried.length).toBeGreaterThan(0);
  });

  it('refuses a state dir of another chain id', async () => {
    await stopEvmNode(cfg, log);
    await expect(startEvmNode({ ...cfg, evmChainId: 4242 }, log)).rejects.toMatchObject({
      code: 'INFRA.EVM_STATE_MISMATCH',
    });
  });
});
