import { describe, expect, it } from 'vitest';
import { useAnvil } from '../helpers/anvil.js';

const anvil = useAnvil();

/**
 * Security review, with the real engine: a pipeline is a registration's claim that its stages
 * compose one computation, and nothing checks it. Stage 0 of the mlp split in two (Gemm) followed
 * by stage 2 of the mlp split in three (the last Gemm) chains — one 8-element hashed boundary at
 * the same scale — but skips the ReLU. Every stage is a genuine, attested stage of the mlp, so
 * `model pipeline`, `task post --mode optimistic`, `task show` ("attested") and the watcher accept
 * it, and its honest results are not the mlp's outputs.
 */
describe('a pipeline of stages from two different splits (real engine)', () => {
  it('attestPipeline refuses stages that are not the consecutive stages of one split', async () => {
    const { marketWithMlp: setupMarket } = await import('../helpers/market.js');
    const { registerModel } = await import('../../src/market/market.js');
    const { registerPipeline } = await import('../../src/market/registerPipeline.js');
    const { attestPipeline } = await import('../../src/market/attestPipeline.js');
    const { witnessPipeline } = await import('../../src/market/witnessPipeline.js');
    const { splitModel } = await import('../../src/prover/stages/splitModel.js');
    const { compileStages } = await import('../../src/prover/stages/compileStages.js');
    const { fixtureInput, fixtureModel, tempDir } = await import('../helpers/pocompute.js');
    const keys = anvil().accounts.map((a) => a.privateKey);
    const setup = await setupMarket(anvil().rpcUrl, keys);
    try {
      const market = await setup.as(0);
      const compiled = async (stages: number) =>
        (
          await compileStages({
            staged: await splitModel({
              model: fixtureModel('mlp'),
              stages,
              out: tempDir('review-'),
            }),
            input: fixtureInput('mlp'),
          })
        ).stages;
      const two = await compiled(2);
      const three = await compiled(3);
      const first = await registerModel({ chain: setup.chain, market, artifacts: two[0] });
      const last = await registerModel({
        chain: setup.chain,
        market,
        artifacts: three[2],
        stage: true,
      });
      // Observed: registered, and attested as any pipeline.
      const { pipelineId } = await registerPipeline({
        market,
        stageModels: [first.modelId, last.modelId],
      });
      const result = await attestPipeline({ market, pipelineId }).catch((e: Error) => e);
      if (!(result instanceof Error)) {
        // What its honest worker states vs the mlp on the same input: not the same computation.
        const { quantizeTaskInput } = await import('../../src/market/postTask.js');
        const felts = await quantizeTaskInput(two[0], fixtureInput('mlp'));
        const franken = await witnessPipeline({ stages: result.stages, inputs: felts });
        const real = await witnessPipeline({ stages: two, inputs: felts });
        expect.soft(franken.outputs).not.toEqual(real.outputs);
      }
      expect(result).toMatchObject({ code: 'VERIFIER_UNTRUSTED' });
    } finally {
      await setup.chain.close();
    }
  });
});
