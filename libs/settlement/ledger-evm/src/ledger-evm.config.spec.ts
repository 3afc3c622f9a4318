import { ConfigError, loadConfig } from '@gridwerk/shared/util-config';
import { devOnlySignerKey, ledgerEvmConfigSpec, ledgerSignerKey } from './ledger-evm.config';

const KEY = `0x${'ab'.repeat(32)}`;
const files = (m: Record<string, string>) => (p: string) => {
  const v = m[p];
  if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return v;
};
const load = (env: Record<string, string>) => loadConfig('settlement', ledgerEvmConfigSpec, env);

describe('ledgerEvmConfigSpec', () => {
  it('has local dev defaults and validates every variable by name', () => {
    expect(load({})).toMatchObject({
      evmRpcUrl: 'http://127.0.0.1:8545',
      evmChainId: 31337,
      settlementContractAddress: undefined,
      signerKeyFile: undefined,
      devSigner: false,
      evmConfirmations: 1,
    });
    expect(() =>
      load({
        EVM_RPC_URL: 'ftp://x',
        EVM_CHAIN_ID: 'x',
        SETTLEMENT_CONTRACT_ADDRESS: '0x12',
        EVM_CONFIRMATIONS: '0',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^EVM_RPC_URL must use http or https/),
          expect.stringMatching(/^EVM_CHAIN_ID must be an integer/),
          expect.stringMatching(/^SETTLEMENT_CONTRACT_ADDRESS must be a 0x-prefixed 20-byte address/),
          expect.stringMatching(/^EVM_CONFIRMATIONS must be >= 1/),
        ],
      }),
    );
  });
});

describe('ledgerSignerKey', () => {
  const prod = { evmRpcUrl: 'https://chain.example.org', evmChainId: 8888, devSigner: false };

  it('reads the key from its file (a mounted Secret), with or without 0x and trailing newline', () => {
    expect(
      ledgerSignerKey({ ...prod, signerKeyFile: '/s/key' }, 'settlement', files({ '/s/key': `${KEY}\n` })),
    ).toBe(KEY);
    expect(
      ledgerSignerKey(
        { ...prod, signerKeyFile: '/s/key' },
        'settlement',
        files({ '/s/key': KEY.slice(2).toUpperCase() }),
      ),
    ).toBe(KEY);
  });

  it('names the variable and never echoes key material', () => {
    const bad = `${KEY}ff`;
    let err: unknown;
    try {
      ledgerSignerKey({ ...prod, signerKeyFile: '/s/key' }, 'settlement', files({ '/s/key': bad }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /SETTLEMENT_SIGNER_KEY_FILE \/s\/key must hold one hex private key/,
    );
    expect((err as Error).message).not.toContain('abab');
    expect(() => ledgerSignerKey({ ...prod, signerKeyFile: '/nope' }, 'settlement', files({}))).toThrow(
      /SETTLEMENT_SIGNER_KEY_FILE \/nope cannot be read \(ENOENT\)/,
    );
    expect(() => ledgerSignerKey({ ...prod, signerKeyFile: undefined })).toThrow(
      /SETTLEMENT_SIGNER_KEY_FILE is missing/,
    );
  });

  it('uses the dev key only when asked explicitly, on a loopback dev chain', () => {
    const dev = {
      evmRpcUrl: 'http://127.0.0.1:8645',
      evmChainId: 31337,
      signerKeyFile: undefined,
      devSigner: true,
    };
    expect(ledgerSignerKey(dev)).toBe(devOnlySignerKey());
    expect(devOnlySignerKey()).toBe('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
    expect(() => ledgerSignerKey({ ...dev, evmChainId: 8888 })).toThrow(
      /SETTLEMENT_DEV_SIGNER=true is only allowed/,
    );
    expect(() => ledgerSignerKey({ ...dev, evmRpcUrl: 'https://chain.example.org' })).toThrow(
      /SETTLEMENT_DEV_SIGNER=true is only allowed/,
    );
    expect(() => ledgerSignerKey({ ...dev, signerKeyFile: '/s/key' })).toThrow(/exclude each other/);
    // The public dev key in a key file is refused on a real chain too.
    expect(() =>
      ledgerSignerKey(
        { ...prod, signerKeyFile: '/s/key' },
        'settlement',
        files({ '/s/key': devOnlySignerKey() }),
      ),
    ).toThrow(/holds the public dev key/);
  });
});
