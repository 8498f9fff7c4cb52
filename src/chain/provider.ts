import { Interface, JsonRpcProvider, isError } from 'ethers';
import { PocomputeError, oneLine } from '../core/errors.js';

export interface RpcConnection {
  provider: JsonRpcProvider;
  chainId: bigint;
  rpcUrl: string;
}

/** Connects to an RPC, retrying with exponential backoff, and checks the chain id if one is expected. */
export async function connectRpc(rpcUrl: string, options: { expectedChainId?: bigint | number; retries?: number; baseDelayMs?: number } = {}): Promise<RpcConnection> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 250;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)));
    const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, batchMaxCount: 1 });
    try {
      const chainId = BigInt(await provider.send('eth_chainId', []));
      if (options.expectedChainId !== undefined && chainId !== BigInt(options.expectedChainId)) {
        provider.destroy();
        throw new PocomputeError('CHAIN_ID_MISMATCH', `${rpcUrl} serves chain ${chainId}, expected ${options.expectedChainId}`);
      }
      return { provider, chainId, rpcUrl };
    } catch (error) {
      provider.destroy();
      if (error instanceof PocomputeError) throw error;
      lastError = error;
    }
  }
  throw new PocomputeError('RPC_UNREACHABLE', `cannot reach RPC ${rpcUrl} after ${retries + 1} attempts: ${oneLine(shortReason(lastError), 200)}`, { cause: lastError });
}

export async function requireCode(provider: JsonRpcProvider, address: string, what = 'contract'): Promise<string> {
  const code = await provider.getCode(address);
  if (!code || code === '0x') throw new PocomputeError('NO_CODE', `no ${what} code at ${address} on this chain`);
  return code;
}

/** Maps an ethers failure to the documented error, decoding a revert with the contract's ABI when given. */
export function describeChainError(error: unknown, abi?: Interface): PocomputeError {
  if (error instanceof PocomputeError) return error;
  if (isError(error, 'INSUFFICIENT_FUNDS') || /insufficient funds/i.test(String((error as Error)?.message))) {
    return new PocomputeError('INSUFFICIENT_FUNDS', 'the sending account cannot pay for this transaction', { cause: error });
  }
  if (isError(error, 'CALL_EXCEPTION')) {
    return new PocomputeError('TX_REVERTED', `the contract reverted: ${revertReason(error, abi)}`, { cause: error });
  }
  if (isError(error, 'NETWORK_ERROR') || isError(error, 'TIMEOUT') || /ECONNREFUSED|fetch failed|socket hang up/i.test(String((error as Error)?.message))) {
    return new PocomputeError('RPC_UNREACHABLE', `the RPC stopped answering: ${oneLine(shortReason(error), 200)}`, { cause: error });
  }
  return new PocomputeError('TX_REVERTED', oneLine(shortReason(error), 300), { cause: error });
}

function revertReason(error: { reason?: string | null; data?: string | null; revert?: { name: string; args: unknown[] } | null }, abi?: Interface): string {
  if (error.revert) return `${error.revert.name}(${error.revert.args.map(String).join(', ')})`;
  if (error.data && abi) {
    try {
      const parsed = abi.parseError(error.data);
      if (parsed) return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
    } catch {
      // not one of this contract's errors
    }
  }
  if (error.reason) return error.reason;
  return error.data && error.data !== '0x' ? `data ${error.data.slice(0, 74)}` : 'no reason given';
}

function shortReason(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(error);
}
