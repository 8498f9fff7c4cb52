import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { proveInference } from '../../src/prover/proveInference.js';
import { exportRun } from '../../src/prover/training/exportRun.js';
import type { RunManifest } from '../../src/prover/training/runManifest.js';
import { trainRun } from '../../src/prover/training/trainRun.js';
import { verifyRun } from '../../src/prover/training/verifyRun.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { fixtureInput, fixtureModel, runCli, tempDir } from '../helpers/pocompute.js';

const options = {
  data: 'fixtures/mlp/train.json',
  trainable: 'head' as const,
  loss: 'mse' as const,
  lr: 0.05,
  batch: 8,
};

describe('provable fine-tuning with the real engine', () => {
  let run: string;
  let manifest: RunManifest;

  /** A copy of the run with one edit to its manifest or files. */
  const tampered = async (edit: (dir: string, m: RunManifest) => Promise<void> | void) => {
    const dir = join(tempDir(), 'run');
    await cp(run, dir, { recursive: true });
    const m = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunManifest;
    await edit(dir, m);
    await writeFile(join(dir, 'run.json'), JSON.stringify(m));
    return verifyRun(dir);
  };

  beforeAll(async () => {
    run = join(tempDir(), 'ft1');
    manifest = await trainRun({ model: fixtureModel('mlp'), ...options, steps: 3, out: run });
  });

  it('a 3-step run verifies: every proof, every link, base and final weights; the drift is reported', async () => {
    const result = await verifyRun(run);
    expect(result.failure).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(result.checks.map((c) => c.step)).toEqual(['base', 'circuit', 0, 1, 2, 'final']);
    expect(manifest.steps).toHaveLength(3);
    for (const step of manifest.steps) {
      expect(step.drift.loss).toBeLessThan(0.01);
      expect(step.drift.maxAbsWeight).toBeLessThan(0.01);
      expect(Math.abs(step.loss - step.floatLoss)).toBe(step.drift.loss);
    }
    // SGD on the batch stream moves the loss: the steps are real updates, not copies.
    expect(new Set(manifest.steps.map((s) => s.loss)).size).toBe(3);
    const cli = await runCli(['verify', run, '--json']);
    expect(cli.code).toBe(0);
  });

  it('its exported model holds the final weights, and proves and verifies as an ordinary model', async () => {
    const out = join(tempDir(), 'ft1.onnx');
    await exportRun(run, out);
    expect((await verifyRun(run, { exported: out })).valid).toBe(true);
    const proved = await proveInference({
      target: out,
      input: fixtureInput('mlp'),
      out: join(tempDir(), 'ft1.proof'),
    });
    expect(
      (await verifyBundle({ bundle: proved.bundlePath, artifacts: proved.artifacts.dir })).valid,
    ).toBe(true);
    // And the base model is not a valid export of this run.
    expect((await verifyRun(run, { exported: fixtureModel('mlp') })).valid).toBe(false);
  });

  it('a removed step breaks the run, naming the step', async () => {
    const result = await tampered((_, m) => void m.steps.splice(1, 1));
    expect(result.valid).toBe(false);
    expect(result.failure).toMatch(/^step 1 /);
  });

  it('reordered steps break the run, naming the step', async () => {
    const result = await tampered((_, m) => {
      [m.steps[1], m.steps[2]] = [m.steps[2], m.steps[1]];
    });
    expect(result.failure).toMatch(/^step 1 .*(reordered|does not continue step 0)/);
  });

  it('a weight changed between steps breaks the run at the step that used it', async () => {
    // Step 1 proved again, honestly, but from step 0's output with one weight altered.
    const result = await tampered(async (dir) => {
      const weights = JSON.parse(
        await readFile(join(dir, 'steps/0/weights-out.json'), 'utf8'),
      ) as number[][];
      weights[0][0] += 0.25;
      const batch = JSON.parse(await readFile(join(dir, 'steps/1/batch.json'), 'utf8'));
      await writeFile(
        join(dir, 'steps/1/input.json'),
        JSON.stringify({ input_data: [...weights, batch.features.flat(), batch.labels.flat()] }),
      );
      const { artifacts } = JSON.parse(await readFile(join(dir, 'steps/1/proof.json'), 'utf8')) as {
        artifacts: { key: string };
      };
      expect(artifacts.key).toBe(manifest.stepModel.artifactsKey); // re-proved with the same circuit and key
      await proveInference({
        target: join(dir, 'step.onnx'),
        input: join(dir, 'steps/1/input.json'),
        out: join(dir, 'steps/1/proof.json'),
        options: {
          inputVisibility: 'hashed',
          outputVisibility: 'hashed',
          paramVisibility: 'fixed',
        },
      });
    });
    expect(result.failure).toMatch(/^step 1 .*does not continue step 0/);
    // Editing the saved weights file instead is caught at the step that wrote it.
    const edited = await tampered(async (dir) => {
      const weights = JSON.parse(
        await readFile(join(dir, 'steps/0/weights-out.json'), 'utf8'),
      ) as number[][];
      weights[1][0] -= 0.5;
      await writeFile(join(dir, 'steps/0/weights-out.json'), JSON.stringify(weights));
    });
    expect(edited.failure).toMatch(/^step 0 .*output weights/);
  });

  it('a batch swapped for another breaks the run, naming the step', async () => {
    const result = await tampered(async (dir) =>
      cp(join(dir, 'steps/2/batch.json'), join(dir, 'steps/1/batch.json')),
    );
    expect(result.failure).toMatch(/^step 1 .*batch/);
  });

  it('a valid proof from another run, spliced in, breaks the run, naming the step', async () => {
    // Another honest run (same model and options, so the same circuit and key), continuing from the export.
    const other = join(tempDir(), 'other');
    const exported = join(tempDir(), 'ft1.onnx');
    await exportRun(run, exported);
    await trainRun({ model: exported, ...options, steps: 1, out: other });
    expect((await verifyRun(other)).valid).toBe(true);
    const result = await tampered(async (dir) => {
      for (const f of ['proof.json', 'batch.json', 'weights-out.json'])
        await cp(join(other, 'steps/0', f), join(dir, 'steps/1', f));
    });
    expect(result.failure).toMatch(/^step 1 .*does not continue step 0/);
    expect((await verifyRun(run)).valid).toBe(true); // the original run is untouched
  });

  it('a run whose step circuit is not the SGD step it claims breaks at the circuit check', async () => {
    // The options relabelled (lr 0.5 claimed for proofs made at 0.05): the rebuilt circuit differs.
    const relabelled = await tampered((_, m) => {
      m.options.lr = 0.5;
    });
    expect(relabelled.failure).toMatch(/^the step circuit is not one SGD step of the base model/);
    // Another graph put in place of the step circuit (here the base model itself).
    const swapped = await tampered(async (dir) =>
      cp(join(dir, 'base.onnx'), join(dir, 'step.onnx')),
    );
    expect(swapped.checks.find((c) => c.step === 'circuit')?.ok).toBe(false);
    // A trusted key must be a compilation of this run's step circuit, not of another model.
    const inference = await proveInference({
      target: fixtureModel('mlp'),
      input: fixtureInput('mlp'),
      out: join(tempDir(), 'mlp.proof'),
    });
    const wrongKey = await verifyRun(run, { artifacts: inference.artifacts.dir });
    expect(wrongKey.failure).toMatch(/is not a compilation of this run's step circuit/);
  });

  it("says which step key it trusted: the step circuit compiled here, else the run's own (npm only)", async () => {
    const missing = await verifyRun(run, { artifacts: join(run, '..', 'none') }).catch((e) => e);
    expect(missing).toMatchObject({ code: 'ARTIFACTS_INVALID' });
    const local = await verifyRun(run);
    expect(local.keySource).toBe('artifacts');
    expect(local.warnings).toEqual([]);
    // Elsewhere (an empty pocompute home, no Python engine, nothing compiled): the run's own key, said so.
    const elsewhere = await runCli(['verify', run, '--json'], {
      POCOMPUTE_HOME: tempDir(),
      POCOMPUTE_PYTHON: '/nonexistent/python',
    });
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.json()).toMatchObject({ valid: true, keySource: 'run' });
    expect(elsewhere.json().warnings[0]).toMatch(/run's own step key/);
  });

  it('a cross-entropy run of every dense layer, through the CLI as a user types it, proves and verifies', async () => {
    const dir = join(tempDir(), 'ft-ce');
    const train = await runCli([
      'train',
      fixtureModel('mlp'),
      '--data',
      options.data,
      '--layers',
      'all',
      '--loss',
      'cross-entropy',
      '--lr',
      '0.05',
      '--batch',
      '8',
      '--steps',
      '2',
      '--out',
      dir,
      '--json',
    ]);
    expect(train.code).toBe(0);
    const trained = train.json() as RunManifest;
    expect(trained.options.loss).toBe('cross-entropy');
    expect(trained.options.trainable.length).toBeGreaterThan(1);
    for (const step of trained.steps) {
      expect(step.drift.maxAbsWeight).toBeLessThan(0.01);
      expect(step.drift.loss).toBeLessThan(0.05);
    }
    const verified = await runCli(['verify', dir, '--json']);
    expect(verified.code).toBe(0);
    expect(verified.json().valid).toBe(true);
    // The cross-entropy run is not interchangeable with the MSE run: its steps use another circuit.
    const spliced = await tampered(async (copy) => {
      await cp(join(dir, 'steps/0/proof.json'), join(copy, 'steps/0/proof.json'));
    });
    expect(spliced.failure).toMatch(/^step 0 /);
  });

  it('verify exits 1 on a broken run and export refuses it', async () => {
    const dir = join(tempDir(), 'broken');
    await cp(run, dir, { recursive: true });
    await cp(join(dir, 'steps/2/batch.json'), join(dir, 'steps/0/batch.json'));
    const cli = await runCli(['verify', dir, '--json']);
    expect(cli.code).toBe(1);
    expect(cli.json().failure).toMatch(/^step 0/);
    await expect(exportRun(dir, join(dir, 'out.onnx'))).rejects.toMatchObject({
      code: 'CHAIN_INVALID',
    });
  });
});
