import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileHashCounts, resetFileHashes } from '../../src/core/fileHash.js';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { fixturePath, homePaths } from '../../src/core/paths.js';
import { bundlePublicTensors } from '../../src/proof/circuitLayout.js';
import { feltFromHexLE } from '../../src/proof/felts.js';
import { poseidonOfTensor } from '../../src/prover/poseidon.js';
import { type ProveInferenceResult, proveInference } from '../../src/prover/proveInference.js';
import { compileStages } from '../../src/prover/stages/compileStages.js';
import { proveStage } from '../../src/prover/stages/proveStage.js';
import { type ProveStagedResult, proveStaged } from '../../src/prover/stages/proveStaged.js';
import { splitModel } from '../../src/prover/stages/splitModel.js';
import type { StagedBundle } from '../../src/proof/stagedBundle.js';
import { witnessStages } from '../../src/prover/stages/witnessStages.js';
import { verifyStaged } from '../../src/verifier/verifyStaged.js';
import {
  alterEvaluation,
  type CliResult,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

/**
 * Staged proofs (issue 12, part 1): a model cut into stages, each proved with hashed boundaries,
 * verified stage by stage and link by link — against the real engine, with the attacks.
 */

let dir: string;
let mlpWhole: ProveInferenceResult;
let mlp: ProveStagedResult;
let mlpBundle: StagedBundle;

beforeAll(async () => {
  dir = tempDir('pocompute-stages-');
  mlpWhole = await provedFixture('mlp');
  const split = await runCli([
    'split',
    fixtureModel('mlp'),
    '--stages',
    '2',
    '--out',
    join(dir, 'mlp-2'),
    '--json',
  ]);
  expect(split.code, split.stderr).toBe(0);
  mlp = await proveStaged({
    target: join(dir, 'mlp-2'),
    input: fixtureInput('mlp'),
    out: join(dir, 'mlp.staged.proof'),
    jobs: 2,
  });
  mlpBundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const verifyCli = (bundle: string, trusted = join(dir, 'mlp-2')) =>
  runCli(['verify', bundle, '--artifacts', trusted, '--json']);

async function forged(name: string, edit: (bundle: any) => void): Promise<string> {
  const bundle = structuredClone(mlpBundle);
  edit(bundle);
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(bundle));
  return path;
}

const failed = (result: CliResult) =>
  (result.json().checks as { name: string; ok: boolean; detail: string }[]).filter((c) => !c.ok);

describe('split', () => {
  it('cuts the mlp into two stages at a single tensor, with stages.json', async () => {
    const { manifest } = mlp.staged;
    expect(manifest.format).toBe('pocompute-staged-model@1');
    expect(manifest.stages).toHaveLength(2);
    expect(manifest.stages[0].inputs.map((t) => t.name)).toEqual(['x']);
    expect(manifest.stages[0].outputs).toEqual(manifest.stages[1].inputs);
    expect(manifest.stages[1].outputs.map((t) => t.name)).toEqual(['logits']);
  });

  it('splits with auto and reports the stages under --json', async () => {
    const result = await runCli([
      'split',
      fixtureModel('mlp'),
      '--stages',
      'auto',
      '--out',
      join(dir, 'mlp-auto'),
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json().stages.length).toBeGreaterThanOrEqual(2);
  });
});

describe('staged proof of the mlp fixture', () => {
  it('proves in two parallel jobs and verifies with the CLI (exit 0), every link named', async () => {
    expect(mlpBundle.jobs).toBe(2);
    const result = await verifyCli(mlp.bundlePath);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const names = result.json().checks.map((c: { name: string }) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(['stage 0', 'stage 1', 'link 0→1', 'public inputs', 'public outputs']),
    );
    // Also against the compiled stages' record.
    expect((await verifyCli(mlp.bundlePath, mlp.artifacts.dir)).code).toBe(0);
  });

  it('states exactly the outputs of the whole-model proof', () => {
    expect(mlpBundle.public.outputs[0].values).toEqual(mlpWhole.bundle.public.outputs[0].values);
    expect(mlpBundle.public.inputs[0].values).toEqual(mlpWhole.bundle.public.inputs[0].values);
  });

  it("links stage 0's output hash to stage 1's input hash, EZKL's Poseidon of the boundary", async () => {
    const witness = await witnessStages(mlp.artifacts, fixtureInput('mlp'));
    expect(witness.boundaries).toEqual(mlpBundle.boundaries);
    const [stage0, stage1] = mlpBundle.stages.map((s) => s.proof.instances[0]);
    expect(feltFromHexLE(stage0[stage0.length - 1])).toBe(feltFromHexLE(stage1[0]));
    expect(BigInt(mlpBundle.boundaries[0])).toBe(feltFromHexLE(stage1[0]));
    // Recomputed from the dequantized boundary values at stage 1's input scale.
    const scale = mlp.artifacts.stages[1].manifest.circuit.inputScales[0];
    const values = witness.stageInputs[1].input_data[0] as number[];
    expect(feltFromHexLE(poseidonOfTensor(values, scale))).toBe(BigInt(mlpBundle.boundaries[0]));
    // The instances witnessStages predicts are the proofs' own.
    expect(witness.instances).toEqual(
      mlpBundle.stages.map((s) => s.proof.instances[0].map(feltFromHexLE)),
    );
  });
});

describe('each thing once on the proving path (issue 22, item 6)', () => {
  /** Runs `work` with every engine batch recorded and the file hashes counted from zero. */
  /** What a new process does; on a home with no hashes kept by earlier ones unless `kept`. */
  async function recorded(work: () => Promise<unknown>, kept = false) {
    const engine = await getPythonEngine();
    const run = vi.spyOn(engine, 'run');
    resetFileHashes();
    if (!kept) await rm(join(homePaths.cache(), 'sha256'), { recursive: true, force: true });
    try {
      await work();
      // Read before mockRestore, which forgets the calls.
      const ops = run.mock.calls.flatMap(([batch]) => batch.map((o) => o.op));
      return { ops, hashes: fileHashCounts() };
    } finally {
      run.mockRestore();
    }
  }

  it('a staged prove of compiled stages hashes each file once and makes each witness once', async () => {
    const { ops, hashes } = await recorded(() =>
      proveStaged({
        target: join(dir, 'mlp-2'),
        input: fixtureInput('mlp'),
        out: join(dir, 'mlp.again.staged.proof'),
        jobs: 2,
      }),
    );
    expect([...hashes].filter(([, times]) => times > 1)).toEqual([]);
    // The files that matter were checked: the split (source and stages) and each stage's keys.
    const hashed = [...hashes.keys()];
    for (const stage of mlp.artifacts.stages)
      for (const file of ['pk.key', 'model.compiled', 'vk.key'] as const)
        expect(hashed).toContain(stage.path(file));
    expect(hashed).toContain(mlp.staged.sourcePath);
    expect(ops.filter((op) => op === 'gen_witness')).toHaveLength(2);
    expect(ops.filter((op) => op === 'prove')).toHaveLength(2);
  });

  it('a prove of a compiled model hashes each file once, witness and proof in one EZKL process', async () => {
    const { ops, hashes } = await recorded(() =>
      proveInference({
        target: fixtureModel('mlp'),
        input: fixtureInput('mlp'),
        out: join(dir, 'mlp.again.proof'),
      }),
    );
    expect([...hashes].filter(([, times]) => times > 1)).toEqual([]);
    const hashed = [...hashes.keys()];
    expect(hashed).toContain(mlpWhole.artifacts.path('pk.key'));
    expect(hashed).toContain(mlpWhole.artifacts.manifest.srs.path);
    expect(ops).toEqual(['gen_witness', 'prove']);
  });

  /** A first prove into its own root, every EZKL batch recorded with its start and end. */
  async function firstProve(name: string, options?: { optimizer: 'off' }) {
    const engine = await getPythonEngine();
    const original = engine.run;
    const batches: { ops: string[]; start: number; end: number }[] = [];
    const run = vi.spyOn(engine, 'run').mockImplementation(async (ops, runOptions) => {
      const batch = { ops: ops.map((o) => o.op), start: performance.now(), end: Infinity };
      batches.push(batch);
      try {
        return await original.call(engine, ops, runOptions);
      } finally {
        batch.end = performance.now();
      }
    });
    const root = join(dir, `${name}-root`);
    const out = join(dir, `${name}.proof`);
    try {
      const result = await proveInference({
        target: fixtureModel('mlp'),
        input: fixtureInput('mlp'),
        out,
        artifactsRoot: root,
        ...(options ? { options } : {}),
      });
      const names = (await readdir(root)).filter((n) => !n.endsWith('.lock'));
      expect(names).toHaveLength(1); // the artifacts, and no link left beside them
      const verified = await runCli(['verify', out, '--artifacts', join(root, names[0]), '--json']);
      expect(verified.code, verified.stdout).toBe(0);
      return { result, batches };
    } finally {
      run.mockRestore();
    }
  }

  it("a first prove takes the optimiser's acceptance proof of its input: EZKL proves once, and the proof verifies", async () => {
    const { result, batches } = await firstProve('mlp.first');
    // The optimiser proved its accepted candidate on this very input; no witness or proof after.
    expect(batches.filter((b) => b.ops.includes('try_proof')).length).toBeGreaterThanOrEqual(1);
    expect(batches.filter((b) => b.ops.includes('prove') || b.ops.includes('gen_witness'))).toEqual(
      [],
    );
    expect(result.bundle.timings.prove).toBeUndefined();
    // It states what a proof made afresh with the same artifacts states.
    const again = await proveInference({
      target: fixtureModel('mlp'),
      input: fixtureInput('mlp'),
      out: join(dir, 'mlp.first.again.proof'),
      artifactsRoot: join(dir, 'mlp.first-root'),
    });
    expect(again.artifacts.cached).toBe(true);
    expect(again.bundle.public).toEqual(result.bundle.public);
    expect(again.bundle.proof.instances).toEqual(result.bundle.proof.instances);
    expect(again.outputs).toEqual(result.outputs);
  });

  it('a first prove with keys compile set up proves while solc compiles the verifier, once, and its proof verifies', async () => {
    const { batches } = await firstProve('mlp.preset', { optimizer: 'off' });
    const verifier = batches.find((b) => b.ops.includes('create_evm_verifier'));
    const proofs = batches.filter((b) => b.ops.includes('prove'));
    expect(proofs.map((b) => b.ops)).toEqual([['gen_witness', 'prove']]);
    expect(proofs[0].start).toBeLessThan(verifier?.end ?? 0);
  });

  it("a later prove takes the proving key's hash an earlier process kept, and reads the key no more", async () => {
    const prove = () =>
      proveInference({
        target: fixtureModel('mlp'),
        input: fixtureInput('mlp'),
        out: join(dir, 'mlp.kept.proof'),
      });
    const pk = mlpWhole.artifacts.path('pk.key');
    // A key is kept once it is over a second old (fileHash.ts): it is, unless compiled just now.
    const age = Date.now() - (await stat(pk)).ctimeMs;
    if (age < 1100) await new Promise((done) => setTimeout(done, 1100 - age));
    expect((await recorded(prove)).hashes.get(pk)).toBe(1); // hashed, and kept
    expect((await recorded(prove, true)).hashes.get(pk)).toBeUndefined();
  });
});

describe('staged proof of a real model (fixtures/real/mlp_784_56_10)', () => {
  it('proves with --stages auto through the CLI and equals the whole-model proof exactly', async () => {
    const model = fixturePath('real', 'mlp_784_56_10', 'model.onnx');
    const input = fixturePath('real', 'mlp_784_56_10', 'input.json');
    const out = join(dir, 'real.staged.proof');
    const proved = await runCli([
      'prove',
      model,
      '--stages',
      'auto',
      '--jobs',
      '2',
      '--input',
      input,
      '--out',
      out,
      '--json',
    ]);
    expect(proved.code, proved.stdout + proved.stderr).toBe(0);
    const { stagedArtifacts, stages } = proved.json();
    expect(stages).toBe(2);
    const verified = await verifyCli(out, stagedArtifacts);
    expect(verified.code, verified.stdout).toBe(0);
    const whole = await proveInference({ target: model, input, out: join(dir, 'real.proof') });
    const staged = JSON.parse(await readFile(out, 'utf8')) as StagedBundle;
    expect(staged.public.outputs[0].values).toEqual(whole.bundle.public.outputs[0].values);
  });
});

describe('staged verification rejects', () => {
  it('swapped stage proofs (exit 1, the stages named)', async () => {
    const swapped = await forged('swapped.proof', (b) => {
      b.stages.reverse();
    });
    const result = await verifyCli(swapped);
    expect(result.code).toBe(1);
    expect(failed(result).map((c) => c.name)).toEqual(
      expect.arrayContaining(['stage 0', 'stage 1']),
    );
    const proofOnly = await forged('swapped-proof.proof', (b) => {
      b.stages[0].proof = mlpBundle.stages[1].proof;
    });
    expect((await verifyCli(proofOnly)).code).toBe(1);
  });

  it('an altered proof (exit 1)', async () => {
    const altered = await forged('altered.proof', (b) => {
      alterEvaluation(b.stages[1].proof);
    });
    const result = await verifyCli(altered);
    expect(result.code).toBe(1);
    expect(failed(result)[0].name).toBe('stage 1');
  });

  it('an altered boundary instance or stated boundary, naming the link', async () => {
    const instance = await forged('instance.proof', (b) => {
      const felts = b.stages[1].proof.instances[0];
      felts[0] = `${(Number.parseInt(felts[0][0], 16) ^ 1).toString(16)}${felts[0].slice(1)}`;
      b.stages[1].public.inputs[0].hash = [felts[0]];
    });
    const byInstance = await verifyCli(instance);
    expect(byInstance.code).toBe(1);
    expect(failed(byInstance).map((c) => c.name)).toEqual(
      expect.arrayContaining(['stage 1', 'link 0→1']),
    );
    const stated = await forged('boundary.proof', (b) => {
      b.boundaries[0] = `0x${'1'.repeat(64)}`;
    });
    const byClaim = await verifyCli(stated);
    expect(byClaim.code).toBe(1);
    expect(failed(byClaim).map((c) => c.name)).toEqual(['link 0→1']);
  });

  it('two valid stage proofs that do not link (exit 1, "link 0→1")', async () => {
    // Stage 1 proved honestly, but on another boundary than stage 0's output.
    const witness = await witnessStages(mlp.artifacts, fixtureInput('mlp'));
    const other = {
      input_data: [(witness.stageInputs[1].input_data[0] as number[]).map((v) => v + 0.5)],
    };
    const { proof } = await proveStage(mlp.artifacts, 1, { input: other });
    const stage = structuredClone(mlpBundle.stages[1]);
    stage.proof = proof;
    stage.public = bundlePublicTensors(proof, stage.settings, mlp.artifacts.stages[1].manifest)!;
    const unlinked = await forged('unlinked.proof', (b) => {
      b.stages[1] = stage;
      b.public.outputs = stage.public.outputs;
    });
    const result = await verifyCli(unlinked);
    expect(result.code).toBe(1);
    const broken = failed(result);
    expect(broken.map((c) => c.name)).toEqual(['link 0→1']);
    expect(broken[0].detail).toMatch(/is not stage 1's input hash/);
    // The human output names the link too.
    const human = await runCli(['verify', unlinked, '--artifacts', join(dir, 'mlp-2')]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/link 0→1/);
  });

  it('an altered stated output (exit 1)', async () => {
    const output = await forged('output.proof', (b) => {
      b.public.outputs[0].values[0] += 1;
    });
    const result = await verifyCli(output);
    expect(result.code).toBe(1);
    expect(failed(result).map((c) => c.name)).toEqual(['public outputs']);
  });

  it('a bundle claiming fewer stages, or stages from another split (exit 1)', async () => {
    const fewer = await forged('fewer.proof', (b) => {
      b.stages = [b.stages[1]];
      b.boundaries = [];
      b.public.inputs = [];
    });
    const result = await verifyCli(fewer);
    expect(result.code).toBe(1);
    expect(failed(result).map((c) => c.name)).toContain('stages');
    // The same model split into three: its last stage is not the two-stage split's last stage.
    const three = await proveStaged({
      target: fixtureModel('mlp'),
      stages: 3,
      input: fixtureInput('mlp'),
      out: join(dir, 'mlp3.staged.proof'),
    });
    const mixed = await forged('mixed.proof', (b) => {
      b.stages[1] = three.bundle.stages[2];
    });
    const mixedResult = await verifyCli(mixed);
    expect(mixedResult.code).toBe(1);
    expect(failed(mixedResult).map((c) => c.name)).toContain('stage 1');
    expect((await verifyCli(three.bundlePath)).code).toBe(1);
  });

  it('a malformed staged bundle (exit 2, BUNDLE_INVALID)', async () => {
    const malformed = await forged('malformed.proof', (b) => {
      b.boundaries = 'none';
    });
    const result = await verifyCli(malformed);
    expect(result.code).toBe(2);
    expect(result.json().error.code).toBe('BUNDLE_INVALID');
    // Among other bundles, a staged one is refused saying what it is.
    const many = await runCli(['verify', mlp.bundlePath, mlpWhole.bundlePath]);
    expect(many.code).toBe(2);
    expect(many.stdout).toMatch(/is a staged proof bundle: it is verified on its own/);
  });
});

describe('bad input is a one-line typed error (exit 2)', () => {
  it('--stages 0, and more stages than cut points', async () => {
    const zero = await runCli([
      'split',
      fixtureModel('mlp'),
      '--stages',
      '0',
      '--out',
      join(dir, 'x'),
    ]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/error OPTION_INVALID: --stages/);
    const many = await runCli([
      'split',
      fixtureModel('mlp'),
      '--stages',
      '9',
      '--out',
      join(dir, 'x'),
    ]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(
      /at most 3 stage\(s\) \(2 single-tensor cut point\(s\)\), 9 were asked/,
    );
    const proving = await runCli([
      'prove',
      fixtureModel('mlp'),
      '--stages',
      '9',
      '--input',
      fixtureInput('mlp'),
      '--out',
      join(dir, 'y.proof'),
    ]);
    expect(proving.code).toBe(2);
  });

  it('an --out directory that holds something else is never replaced', async () => {
    const other = join(dir, 'not-a-split');
    await mkdir(other);
    await writeFile(join(other, 'keep.txt'), 'mine');
    const result = await runCli(['split', fixtureModel('mlp'), '--stages', '2', '--out', other]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/neither empty nor a split/);
    expect(await readFile(join(other, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('a malformed stages.json, and a stage file replaced', async () => {
    const split = join(dir, 'mlp-bad');
    await splitModel({ model: fixtureModel('mlp'), stages: 2, out: split });
    await writeFile(join(split, 'stages.json'), '{"format": "pocompute-staged-model@1"}');
    const malformed = await runCli([
      'prove',
      split,
      '--input',
      fixtureInput('mlp'),
      '--out',
      join(dir, 'z.proof'),
      '--json',
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.json().error.code).toBe('STAGES_INVALID');

    const replaced = join(dir, 'mlp-replaced');
    await splitModel({ model: fixtureModel('mlp'), stages: 2, out: replaced });
    await copyFile(join(replaced, 'stage-0.onnx'), join(replaced, 'stage-1.onnx'));
    const result = await runCli(['verify', mlp.bundlePath, '--artifacts', replaced, '--json']);
    expect(result.code).toBe(2);
    expect(result.json().error).toMatchObject({ code: 'STAGES_INVALID' });
    expect(result.json().error.message).toMatch(/stage-1\.onnx is not the stage/);
    await expect(compileStages({ staged: replaced, input: fixtureInput('mlp') })).rejects.toThrow(
      /stage-1\.onnx/,
    );
  });
});

describe('verifyStaged (library)', () => {
  it("says when it only checked the bundle's own keys", async () => {
    const result = await verifyStaged({ bundle: mlp.bundlePath });
    expect(result.valid).toBe(true);
    expect(result.keySource).toBe('bundled');
    expect(result.warnings.join(' ')).toMatch(/not that it is for a model you trust/);
  });
});
