import { deploySettlementLedgerContract, devOnlySignerKey } from '@gridwerk/settlement/ledger-evm';
import { loadInfraConfig } from '../infra/infra-config';
import { evmNodeRpcUrl } from '../infra/evm-node';

/**
 * Deploys a SettlementLedger on the local dev EVM node (EVM_RPC_URL, else the infra default) with the
 * public dev key, and returns what a settlement service needs to start against it: a service without a
 * contract to commit to does not start.
 */
export async function devSettlementChainEnv(): Promise<Record<string, string>> {
  const cfg = loadInfraConfig();
  const rpcUrl = process.env['EVM_RPC_URL'] ?? evmNodeRpcUrl(cfg);
  const { address } = await deploySettlementLedgerContract({
    rpcUrl,
    chainId: cfg.evmChainId,
    deployerKey: devOnlySignerKey(),
  });
  return {
    EVM_RPC_URL: rpcUrl,
    EVM_CHAIN_ID: String(cfg.evmChainId),
    SETTLEMENT_CONTRACT_ADDRESS: address,
    SETTLEMENT_DEV_SIGNER: 'true',
  };
}
