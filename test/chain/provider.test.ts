import { getAddress, Interface, makeError } from 'ethers';
import { describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import { pocomputeMarketAbi } from '../../src/chain/generated/contracts.js';
import { describeChainError, isTransientChainError, revertName } from '../../src/chain/provider.js';

const market = new Interface(pocomputeMarketAbi);
const callException = (data: string) =>
  makeError('execution reverted', 'CALL_EXCEPTION', {
    action: 'estimateGas',
    data,
    reason: null,
    transaction: { to: null, data: '0x' },
    invocation: null,
    revert: null,
  });

describe('describeChainError: an ethers failure as the documented error', () => {
  it("decodes a market revert by its selector with the market's ABI, arguments included", () => {
    const data = market.encodeErrorResult('AlreadyClaimed', [
      '0x00000000000000000000000000000000000000aa',
      1234n,
    ]);
    const error = describeChainError(callException(data), market);
    expect(error).toMatchObject({ code: 'TX_REVERTED', exitCode: 4 });
    expect(error.message).toBe(
      `the contract reverted: AlreadyClaimed(${getAddress('0x00000000000000000000000000000000000000aa')}, 1234)`,
    );
    expect(revertName(error)).toBe('AlreadyClaimed');
    // A decoded revert is the contract's answer: never worth sending again as it is.
    expect(isTransientChainError(error)).toBe(false);
  });

  it('says what it cannot decode, without inventing a reason', () => {
    const unknown = describeChainError(callException('0xdeadbeef'), market);
    expect(unknown.message).toBe('the contract reverted: data 0xdeadbeef');
    expect(revertName(unknown)).toBeUndefined();
    const empty = describeChainError(callException('0x'));
    expect(empty.message).toBe('the contract reverted: no reason given');
  });

  it('maps funds, network and mempool failures to their codes, and only the last two are retried', () => {
    const funds = describeChainError(
      makeError('insufficient funds for gas * price + value', 'INSUFFICIENT_FUNDS', {
        transaction: { to: null },
      }),
    );
    expect(funds).toMatchObject({ code: 'INSUFFICIENT_FUNDS', exitCode: 4 });
    expect(isTransientChainError(funds)).toBe(false);

    const down = describeChainError(new Error('connect ECONNREFUSED 127.0.0.1:8545'));
    expect(down).toMatchObject({ code: 'RPC_UNREACHABLE' });
    expect(isTransientChainError(down)).toBe(true);

    const nonce = describeChainError(
      makeError('nonce has already been used', 'NONCE_EXPIRED', { transaction: { to: null } }),
    );
    expect(isTransientChainError(nonce)).toBe(true);
    const underpriced = describeChainError(
      makeError('replacement fee too low', 'REPLACEMENT_UNDERPRICED', {
        transaction: { to: null },
      }),
    );
    expect(isTransientChainError(underpriced)).toBe(true);
  });

  it('passes a PocomputeError through unchanged', () => {
    const original = new PocomputeError('NO_CODE', 'no market here');
    expect(describeChainError(original)).toBe(original);
  });
});
