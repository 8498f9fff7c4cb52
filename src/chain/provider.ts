import { type Interface, JsonRpcProvider, Network, isError } from 'ethers';
import { PocomputeError, oneLine } from '../core/errors.js';

export interface RpcConnection {
  provider: JsonRpcProvider;
  chainId: bigint;
  rpcUrl: string;
}

/** Connects to an RPC, retrying with exponential backoff, and checks the chain id if one is expected. */
export async function connectRpc(
  rpcUrl: string,
  options: { expectedChainId?: bigint | number; retries?: number; baseDelayMs?: number } = {},
): Promise<RpcConnection> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 250;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)));
    try {
      // Probed with a plain request: ethers logs its own network-detection retries to the console.
      const chainId = await fetchChainId(rpcUrl);
      if (options.expectedChainId !== undefined && chainId !== BigInt(options.expectedChainId)) {
        throw new PocomputeError(
          'CHAIN_ID_MISMATCH',
          `${rpcUrl} serves chain ${chainId}, expected ${options.expectedChainId}`,
        );
      }
      // No request cache: two transactions in a row must not see the same cached nonce.
      const provider = new JsonRpcProvider(rpcUrl, undefined, {
        staticNetwork: Network.from(chainId),
        batchMaxCount: 1,
        cacheTimeout: -1,
      });
      return { provider, chainId, rpcUrl };
    } catch (error) {
      if (error instanceof PocomputeError) throw error;
      lastError = error;
    }
  }
  throw new PocomputeError(
    'RPC_UNREACHABLE',
    `cannot reach RPC ${rpcUrl} after ${retries + 1} attempts: ${oneLine(shortReason(lastError), 200)}`,
    { cause: lastError },
  );
}

async function fetchChainId(rpcUrl: string): Promise<bigint> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const body = (await response.json()) as { result?: string; error?: { message: string } };
  if (!body.result) throw new Error(body.error?.message ?? 'no result for eth_chainId');
  return BigInt(body.result);
}

export async function requireCode(
  provider: JsonRpcProvider,
  address: string,
  what = 'contract',
): Promise<string> {
  const code = await provider.getCode(address);
  if (!code || code === '0x')
    throw new PocomputeError('NO_CODE', `no ${what} code at ${address} on this chain`);
  return code;
}

/** Maps an ethers failure to the documented error, decoding a revert with the contract's ABI when given. */
export function describeChainError(error: unknown, abi?: Interface): PocomputeError {
  if (error instanceof PocomputeError) return error;
  if (
    isError(error, 'INSUFFICIENT_FUNDS') ||
    /insufficient funds/i.test(String((error as Error)?.message))
  ) {
    return new PocomputeError(
      'INSUFFICIENT_FUNDS',
      'the sending account cannot pay for this transaction',
      { cause: error },
    );
  }
  if (isError(error, 'CALL_EXCEPTION')) {
    const revert = decodeRevert(error, abi);
    return new PocomputeError(
      'TX_REVERTED',
      `the contract reverted: ${revertText(error, revert)}`,
      {
        cause: error,
        ...(revert ? { details: { revert } } : {}),
      },
    );
  }
  if (
    isError(error, 'NETWORK_ERROR') ||
    isError(error, 'TIMEOUT') ||
    /ECONNREFUSED|fetch failed|socket hang up/i.test(String((error as Error)?.message))
  ) {
    return new PocomputeError(
      'RPC_UNREACHABLE',
      `the RPC stopped answering: ${oneLine(shortReason(error), 200)}`,
      { cause: error },
    );
  }
  return new PocomputeError('TX_REVERTED', oneLine(shortReason(error), 300), { cause: error });
}

/** A revert decoded by its selector with the contract's ABI (ethers' own decoding first). */
export interface DecodedRevert {
  name: string;
  args: string[];
}

function decodeRevert(
  error: { data?: string | null; revert?: { name: string; args: unknown[] } | null },
  abi?: Interface,
): DecodedRevert | undefined {
  if (error.revert) return { name: error.revert.name, args: error.revert.args.map(String) };
  if (!error.data || !abi) return undefined;
  try {
    const parsed = abi.parseError(error.data);
    if (parsed) return { name: parsed.name, args: parsed.args.map(String) };
  } catch {
    // not one of this contract's errors
  }
  return undefined;
}

function revertText(
  error: { reason?: string | null; data?: string | null },
  revert: DecodedRevert | undefined,
): string {
  if (revert) return `${revert.name}(${revert.args.join(', ')})`;
  if (error.reason) return error.reason;
  return error.data && error.data !== '0x' ? `data ${error.data.slice(0, 74)}` : 'no reason given';
}

/** The name of the contract error a failure decoded to (by selector), if it was a decoded revert. */
export function revertName(error: unknown): string | undefined {
  const revert = (error as PocomputeError)?.details?.revert as DecodedRevert | undefined;
  return revert?.name;
}

/**
 * Failures worth another try: the RPC or the mempool (ethers' own error codes: a nonce race, an
 * underpriced replacement, a timeout, a network or server error), never a decoded revert of the
 * contract. Read from the error's codes, not from its message text (which may quote a proof).
 */
export function isTransientChainError(error: PocomputeError): boolean {
  if (error.code === 'RPC_UNREACHABLE') return true;
  if (revertName(error)) return false;
  const cause = error.cause;
  return TRANSIENT_ETHERS_CODES.some((code) => isError(cause, code));
}

const TRANSIENT_ETHERS_CODES = [
  'NONCE_EXPIRED',
  'REPLACEMENT_UNDERPRICED',
  'TRANSACTION_REPLACED',
  'TIMEOUT',
  'NETWORK_ERROR',
  'SERVER_ERROR',
] as const;

function shortReason(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(error);
}
