import type { Contract, JsonRpcProvider, TransactionResponse, Wallet } from 'ethers';

/**
 * A pending transaction as anyone watching the node's mempool sees it (the `pending` block of
 * eth_getBlockByNumber): calldata, value, gas and fees, before it is mined.
 */
export interface PendingTx {
  hash: string;
  from: string;
  to: string;
  input: string;
  value: bigint;
  gas: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
}

/**
 * Runs `play` with anvil's automine off, so the transactions it sends wait in the mempool until
 * it mines (`evm_mine`); automine is back on afterwards, whatever happens. Anvil orders a block
 * by tip, as a block builder would.
 */
export async function withAutomineOff<T>(
  provider: JsonRpcProvider,
  play: () => Promise<T>,
): Promise<T> {
  await provider.send('evm_setAutomine', [false]);
  try {
    return await play();
  } finally {
    await provider.send('evm_setAutomine', [true]);
  }
}

/** Waits until a transaction from `from` calling `method` on `contract` is pending, and reads it. */
export async function pendingCall(
  provider: JsonRpcProvider,
  contract: Contract,
  from: string,
  method: string,
  timeoutMs = 120_000,
): Promise<PendingTx> {
  const to = (await contract.getAddress()).toLowerCase();
  const selector = contract.interface.getFunction(method)!.selector;
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const block = (await provider.send('eth_getBlockByNumber', ['pending', true])) as {
      transactions: Record<string, string>[];
    } | null;
    const tx = block?.transactions.find(
      (t) =>
        t.from.toLowerCase() === from.toLowerCase() &&
        t.to?.toLowerCase() === to &&
        t.input.startsWith(selector),
    );
    if (tx)
      return {
        hash: tx.hash,
        from: tx.from,
        to: tx.to,
        input: tx.input,
        value: BigInt(tx.value),
        gas: BigInt(tx.gas),
        maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
        maxFeePerGas: BigInt(tx.maxFeePerGas),
      };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending ${method} from ${from} after ${timeoutMs} ms`);
}

/**
 * Sends a copy of a pending transaction from the copier's own key, with a higher tip so a block
 * builder puts it first: verbatim, or with its calldata rewritten (`input`). The gas limit is the
 * original's (a copier does not estimate: an estimate of a doomed call would refuse to send it).
 */
export function sendCopy(
  copier: Wallet,
  original: PendingTx,
  options: { input?: string; extraTipWei?: bigint } = {},
): Promise<TransactionResponse> {
  const extra = options.extraTipWei ?? 10n ** 9n;
  return copier.sendTransaction({
    to: original.to,
    data: options.input ?? original.input,
    value: original.value,
    gasLimit: original.gas,
    maxPriorityFeePerGas: original.maxPriorityFeePerGas + extra,
    maxFeePerGas: original.maxFeePerGas + extra,
  });
}

/**
 * Why a mined transaction reverted, decoded with the contract's ABI (undefined if it succeeded). It
 * is replayed on the state before its block, with that block's number and time: exact for a
 * transaction mined first in its block, which is where a copy with the higher tip lands.
 */
export async function minedRevert(contract: Contract, hash: string): Promise<string | undefined> {
  const provider = contract.runner!.provider! as JsonRpcProvider;
  const receipt = (await provider.getTransactionReceipt(hash))!;
  if (receipt.status === 1) return undefined;
  const tx = (await provider.getTransaction(hash))!;
  const block = (await provider.getBlock(receipt.blockNumber))!;
  const hex = (n: bigint | number) => `0x${n.toString(16)}`;
  try {
    await provider.send('eth_call', [
      { from: tx.from, to: tx.to, data: tx.data, value: hex(tx.value), gas: hex(tx.gasLimit) },
      hex(receipt.blockNumber - 1),
      {},
      { number: hex(block.number), time: hex(block.timestamp) },
    ]);
  } catch (error) {
    const data = (error as { data?: string; error?: { data?: string } }).data;
    const parsed = data ? contract.interface.parseError(data) : null;
    if (parsed) return parsed.name;
    throw error;
  }
  throw new Error(`${hash} reverted, but not when replayed before its block`);
}
