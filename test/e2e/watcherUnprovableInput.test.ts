import { parseEther, ZeroHash } from 'ethers';
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../src/market/attestModel.js';
import { useAnvil } from '../helpers/anvil.js';
import { advanceTime, revertOf } from '../helpers/market.js';

const anvil = useAnvil();

/**
 * Security review, with the real engine: an input the CLI accepts for an optimistic task but that
 * EZKL cannot witness (outside the circuit's calibrated range). No honest worker can take it and
 * no stage proof can exist, so any challenge of any result must win — yet `pocompute watch` gives up
 * on the task ('failed') instead of challenging, and a liar's result is paid after the window.
 */
describe('optimistic task on an unprovable input (real engine)', () => {
  it('the watcher challenges a result that no proof could ever answer, instead of giving up', async () => {
    const { marketWithMlp: setupMarket } = await import('../helpers/market.js');
    const { registerPipeline } = await import('../../src/market/registerPipeline.js');
    const { postOptimisticTask } = await import('../../src/market/postOptimisticTask.js');
    const { runWatcher } = await import('../../src/market/watcher.js');
    const { tempDir } = await import('../helpers/pocompute.js');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const keys = anvil().accounts.map((a) => a.privateKey);
    const setup = await setupMarket(anvil().rpcUrl, keys);
    try {
      const requester = await setup.as(0);
      const cheater = await setup.as(3);
      const watcherMarket = await setup.as(2);
      const { pipelineId } = await registerPipeline({
        market: requester,
        stageModels: [setup.modelId],
      });
      const input = join(tempDir('review-'), 'input.json');
      // 5e5 quantizes and dequantizes exactly, but EZKL's witness fails ("General synthesis error").
      await writeFile(input, JSON.stringify({ input_data: [[500000, -500000, 1, 2]] }));
      // The CLI now refuses to post it (INPUT_INVALID, exit 2) …
      const refused = await postOptimisticTask({
        market: requester,
        pipelineId,
        input,
        rewardEth: '0.05',
        deadlineSeconds: 3600,
        windowSeconds: 600,
        responseSeconds: 600,
        workerBondEth: '0.1',
        challengerBondEth: '0.05',
      }).catch((e: Error) => e);
      expect(refused).toMatchObject({ code: 'INPUT_INVALID', exitCode: 2 });
      // … but anyone can post the same field elements to the contract directly.
      const { attestPipeline } = await import('../../src/market/attestPipeline.js');
      const { quantizeTaskInput } = await import('../../src/market/postTask.js');
      const { stages } = await attestPipeline({ market: requester, pipelineId });
      const felts = await quantizeTaskInput(stages[0], input);
      const latest = (await setup.chain.provider.getBlock('latest'))!.timestamp;
      await (
        await requester.postOptimisticTask(
          BigInt(pipelineId),
          felts,
          latest + 3600,
          ZERO,
          {
            window: 600,
            responseTime: 600,
            workerBond: parseEther('0.1'),
            challengerBond: parseEther('0.05'),
          },
          { value: parseEther('0.05') },
        )
      ).wait();
      const taskId = ((await requester.taskCount()) as bigint) - 1n;
      const { claimBond } = await cheater.getTask(taskId);
      await (await cheater.claim(taskId, ZeroHash, { value: claimBond })).wait();
      await (
        await cheater.submitResult(taskId, [1n, 2n, 3n], [], { value: parseEther('0.1') })
      ).wait();
      const events: { event: string }[] = [];
      await runWatcher({
        market: watcherMarket,
        watcher: anvil().accounts[2].address,
        networkKey: setup.chain.networkKey,
        signal: new AbortController().signal,
        log: (e) => events.push(e),
        stateFile: join(tempDir('review-'), 'watch.json'),
        once: true,
      });
      // Observed before the fix: [{ event: 'failed', code: 'ENGINE_FAILED', … }] and the task left
      // unwatched; after the window anyone finalized and the cheater was paid for [1, 2, 3]. (The
      // review's assertion of that observed event is dropped: it asserted the bug.)
      expect(events.map((e) => e.event)).toEqual(['challenged']);
      expect(events[0]).toMatchObject({ stage: 0 });
      // No proof can answer: after the response time the challenge is upheld, the lie discarded.
      await advanceTime(setup.chain.provider, 601);
      expect(await revertOf(requester, requester.finalize(BigInt(taskId)))).toMatch(
        /ChallengeOpen/,
      );
      await (await requester.settleChallenge(BigInt(taskId))).wait();
      const outputs = [...((await requester.getTaskOutputs(BigInt(taskId))) as bigint[])];
      expect(outputs).not.toEqual([1n, 2n, 3n]);
    } finally {
      await setup.chain.close();
    }
  });
});
