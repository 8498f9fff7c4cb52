import { describe, expect, it } from 'vitest';
import { parseEther, type Contract } from 'ethers';
import { optimisticTermsArg, postOptimisticTask } from '../../src/market/postOptimisticTask.js';
import { firstWrongStage, unanswerableStage } from '../../src/market/watcher.js';

describe('the watcher picks the stage to challenge', () => {
  const expected = { boundaries: [11n, 22n, 33n], outputs: [1n, 2n] };

  it('finds nothing wrong in a result equal to the witnesses', () => {
    expect(firstWrongStage(structuredClone(expected), expected)).toBeUndefined();
  });

  it('challenges the stage that produced the first wrong boundary', () => {
    expect(firstWrongStage({ ...expected, boundaries: [11n, 0n, 0n] }, expected)?.stage).toBe(1);
    expect(firstWrongStage({ ...expected, boundaries: [0n, 22n, 33n] }, expected)?.stage).toBe(0);
  });

  it('challenges the last stage when only the outputs are wrong', () => {
    expect(firstWrongStage({ ...expected, outputs: [1n, 3n] }, expected)?.stage).toBe(3);
    expect(firstWrongStage({ ...expected, outputs: [1n] }, expected)?.stage).toBe(3);
    expect(
      firstWrongStage({ boundaries: [], outputs: [5n] }, { boundaries: [], outputs: [6n] }),
    ).toMatchObject({ stage: 0 });
  });
});

describe('the watcher judges a result on an input the pipeline cannot witness', () => {
  const failure = { stage: 2, boundaries: [11n, 22n], reason: 'General synthesis error' };

  it('challenges the stage that cannot be witnessed when the boundaries before it are right', () => {
    const stated = { boundaries: [11n, 22n, 99n], outputs: [1n] };
    expect(unanswerableStage(stated, failure)).toMatchObject({ stage: 2 });
    expect(
      unanswerableStage(
        { boundaries: [], outputs: [1n] },
        { ...failure, stage: 0, boundaries: [] },
      ),
    ).toMatchObject({ stage: 0, reason: /cannot be witnessed/ });
  });

  it('challenges an earlier stage whose boundary is already wrong', () => {
    expect(unanswerableStage({ boundaries: [11n, 0n, 99n], outputs: [1n] }, failure)).toMatchObject(
      { stage: 1 },
    );
  });
});

describe('optimistic terms', () => {
  const terms = {
    windowSeconds: 600,
    responseSeconds: 600,
    workerBondEth: '0.1',
    challengerBondEth: '0.05',
  };

  it('become the contract argument, bonds in wei', () => {
    expect(optimisticTermsArg(terms)).toEqual({
      window: 600,
      responseTime: 600,
      workerBond: 100_000_000_000_000_000n,
      challengerBond: 50_000_000_000_000_000n,
    });
  });

  it.each([
    [{ windowSeconds: 59 }, /--window/],
    [{ windowSeconds: 31 * 86_400 }, /--window/],
    [{ responseSeconds: 8 * 86_400 }, /--response-time/],
    [{ workerBondEth: '0' }, /--worker-bond/],
    [{ challengerBondEth: '-1' }, /--challenger-bond/],
  ])('refuses %o as a usage error', (bad, message) => {
    expect(() => optimisticTermsArg({ ...terms, ...bad })).toThrow(message);
    try {
      optimisticTermsArg({ ...terms, ...bad });
    } catch (error) {
      expect((error as { code: string }).code).toBe('OPTION_INVALID');
    }
  });
});

describe('posting an optimistic task', () => {
  // Old code (1daed86) had no minimum: it went on to attest the pipeline and post.
  it("refuses a challenger bond below the market's minimum before anything is read or sent", async () => {
    const market = { minChallengerBond: async () => parseEther('0.05') } as unknown as Contract;
    const post = (challengerBondEth: string) =>
      postOptimisticTask({
        market,
        pipelineId: 0,
        input: 'never-read.json',
        rewardEth: '0.05',
        deadlineSeconds: 3600,
        windowSeconds: 600,
        responseSeconds: 600,
        workerBondEth: '0.1',
        challengerBondEth,
      });
    for (const bond of ['0.000000000000000001', '0.049999999999999999'])
      await expect(post(bond)).rejects.toMatchObject({
        code: 'OPTION_INVALID',
        exitCode: 2,
        message: `--challenger-bond ${bond} ETH is below this market's minimum (0.05 ETH)`,
      });
  });
});
