import type { JsonRpcProvider, Signer } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import { devAccounts as anvilDevAccounts, startAnvil } from './anvil.js';
import { loadSigner, type KeySource } from './keys.js';
import { readRunningChain } from './localChain.js';
import { connectRpc } from './provider.js';

export interface ChainOptions {
  /** An EVM JSON-RPC URL; without it, a running `pocompute chain` or an embedded anvil is used. */
  rpc?: string;
  chainId?: number;
  keyEnv?: string;
  keystore?: string;
  passwordEnv?: string;
  reporter?: Reporter;
  /**
   * Refuse to start an embedded anvil: for commands whose effects must outlive them (the market),
   * a chain that vanishes when the command ends is a trap.
   */
  persistent?: boolean;
}

export interface ChainContext {
  provider: JsonRpcProvider;
  chainId: bigint;
  /** chain id + genesis hash: tells apart two chains with one id (every fresh anvil is 31337). */
  networkKey: string;
  rpcUrl: string;
  kind: 'rpc' | 'local' | 'embedded';
  /** Loads the signer lazily: read-only commands never touch a key. */
  signer(): Promise<{ signer: Signer; address: string; source: KeySource }>;
  devAccounts: { address: string; privateKey: string }[];
}

/**
 * Opens a chain: the given RPC, else the running `pocompute chain`, else an anvil started for this
 * command (stopped by `close`). anvil's dev keys are offered only for the last two, which pocompute runs.
 */
export async function openChain(
  options: ChainOptions,
): Promise<ChainContext & { close(): Promise<void> }> {
  const { reporter } = options;
  let stop: (() => Promise<void>) | undefined;
  let kind: ChainContext['kind'];
  let rpcUrl: string;
  if (options.rpc) {
    kind = 'rpc';
    rpcUrl = options.rpc;
  } else {
    const local = await readRunningChain();
    if (local) {
      kind = 'local';
      rpcUrl = local.rpcUrl;
    } else if (options.persistent) {
      throw new PocomputeError(
        'RPC_UNREACHABLE',
        'no chain to use: no --rpc was given and no `pocompute chain` is running',
        {
          hint: 'Start a local chain that persists with `pocompute chain` (in another terminal), or pass --rpc <url>.',
        },
      );
    } else {
      const start = () => startAnvil();
      const anvil = reporter
        ? await reporter.step('Starting an embedded anvil chain', start, 'anvil')
        : await start();
      kind = 'embedded';
      rpcUrl = anvil.rpcUrl;
      stop = anvil.stop;
    }
  }
  const devAccounts = kind === 'rpc' ? [] : anvilDevAccounts(10);
  let signer: ReturnType<ChainContext['signer']> | undefined;
  try {
    const { provider, chainId } = await connectRpc(rpcUrl, { expectedChainId: options.chainId });
    const genesis = await provider.getBlock(0);
    return {
      provider,
      chainId,
      networkKey: `${chainId}-${(genesis?.hash ?? '0x00000000').slice(2, 10)}`,
      rpcUrl,
      kind,
      devAccounts,
      // Loaded once: a keystore's password is asked for at most once per command.
      signer: () =>
        (signer ??= loadSigner({
          provider,
          keyEnv: options.keyEnv,
          keystore: options.keystore,
          passwordEnv: options.passwordEnv,
          devKey: devAccounts[0]?.privateKey,
        })),
      close: async () => {
        provider.destroy();
        await stop?.();
      },
    };
  } catch (error) {
    await stop?.();
    throw error;
  }
}

/** Runs `work` against a chain opened with `openChain`, and closes it afterwards. */
export async function withChain<T>(
  options: ChainOptions,
  work: (chain: ChainContext) => Promise<T>,
): Promise<T> {
  const chain = await openChain(options);
  try {
    return await work(chain);
  } finally {
    await chain.close();
  }
}
