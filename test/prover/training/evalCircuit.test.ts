import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../../src/proof/felts.js';
import { compileModel } from '../../../src/prover/compileModel.js';
import { poseidonOfTensor, toFelts } from '../../../src/prover/poseidon.js';
import { proveInference } from '../../../src/prover/proveInference.js';
import {
  buildEvaluationGraph,
  evaluationReference,
  type Metric,
} from '../../../src/prover/training/evalGraph.js';
import { splitHead, trunkFeatures } from '../../../src/prover/training/headSplit.js';
import { readMlp } from '../../../src/prover/training/mlpSpec.js';
import { verifyBundle } from '../../../src/verifier/verifyBundle.js';
import { tempDir } from '../../helpers/pocompute.js';

/**
 * The evaluation circuit with the real engine: the digits MLP's head on 4 rows of trunk features,
 * inputs hashed and outputs public. The instances are [hash of each input | the weights' felts |
 * the evaluation set's felts | metric], and the public copies are exactly the quantized inputs.
 */
const spec = readMlp(new Uint8Array(readFileSync('fixtures/real/mlp_784_56_10/model.onnx')));
const sample = JSON.parse(readFileSync('fixtures/real/mlp_784_56_10/test.json', 'utf8')) as {
  inputs: number[][];
  labels: number[];
};
const { head, trunk } = splitHead(spec, 'head');
const R = 4;
const features = trunkFeatures(trunk, sample.inputs.slice(0, R));
const labels = sample.labels
  .slice(0, R)
  .map((l) => Array.from({ length: 10 }, (_, c) => (c === l ? 1 : 0)));

describe('the evaluation circuit with EZKL', () => {
  // The accuracy circuit is proved and checked on chain by test/e2e/bounty.test.ts.
  it.each(['loss'] as Metric[])(
    '%s: proves, verifies, and its instances are the hashes, the copies and the metric',
    async (metric) => {
      const graph = buildEvaluationGraph(head, { metric, loss: 'cross-entropy', rows: R });
      const dir = tempDir();
      const model = join(dir, `eval-${metric}.onnx`);
      writeFileSync(model, graph.model);
      const layer = head.layers[0];
      const weights = [Array.from(layer.weights), Array.from(layer.bias)];
      const tensors = [...weights, features.flat(), labels.flat()];
      const input = join(dir, 'input.json');
      writeFileSync(input, JSON.stringify({ input_data: tensors }));
      const artifacts = await compileModel({
        model,
        input,
        options: {
          inputVisibility: 'hashed',
          outputVisibility: 'public',
          paramVisibility: 'fixed',
          calibrationTarget: 'resources',
        },
      });
      const proved = await proveInference({
        target: artifacts.dir,
        input,
        out: join(dir, 'proof.json'),
      });
      const { circuit } = artifacts.manifest;
      const started = proved.bundle.timings;
      console.log(
        `evaluation circuit (${metric}, ${R} rows): 2^${circuit.logrows} rows, scales in ${circuit.inputScales} out ${circuit.outputScales}, timings ${JSON.stringify(started)}`,
      );
      expect(
        (await verifyBundle({ bundle: proved.bundlePath, artifacts: artifacts.dir })).valid,
      ).toBe(true);

      const instances = proved.bundle.proof.instances[0] as string[];
      const k = 2;
      const [wFelts, bFelts] = weights.map((w, i) => toFelts(w, circuit.inputScales[i]));
      const evalFelts = [
        ...toFelts(features.flat(), circuit.inputScales[k]),
        ...toFelts(labels.flat(), circuit.inputScales[k + 1]),
      ];
      expect(instances).toHaveLength(k + 2 + wFelts.length + bFelts.length + evalFelts.length + 1);
      // The hashed inputs: Poseidon of each tensor at its input scale.
      for (const [i, t] of tensors.entries())
        expect(instances[i]).toBe(poseidonOfTensor(t, circuit.inputScales[i]));
      // The public copies come out at the input scales, the same felts.
      expect(circuit.outputScales.slice(0, k + 2)).toEqual(circuit.inputScales);
      let at = k + 2;
      expect(instances.slice(at, at + wFelts.length)).toEqual(wFelts);
      at += wFelts.length;
      expect(instances.slice(at, at + bFelts.length)).toEqual(bFelts);
      at += bFelts.length;
      expect(instances.slice(at, at + evalFelts.length)).toEqual(evalFelts);
      at += evalFelts.length;
      const got = dequantize(instances[at], circuit.outputScales[k + 2]);
      const want = evaluationReference(head, weights, features, labels, {
        metric,
        loss: 'cross-entropy',
      });
      console.log(`metric ${metric}: proved ${got}, reference ${want}`);
      if (metric === 'accuracy') expect(got).toBe(want);
      // Cross-entropy goes through EZKL's Exp and Ln lookups at the output scale: a few percent.
      else
        expect(Math.abs(got - want)).toBeLessThan(
          0.1 * want + 8 * 2 ** -circuit.outputScales[k + 2],
        );
    },
  );
});
