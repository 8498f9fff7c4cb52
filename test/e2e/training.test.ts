import { execFileSync } from 'node:child_process';
import { cp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/files.js';
import { findArtifactsByVk } from '../../src/proof/artifactsIndex.js';
import { proveInference } from '../../src/prover/proveInference.js';
import { exportRun } from '../../src/prover/training/exportRun.js';
import { readMlp } from '../../src/prover/training/mlpSpec.js';
import type { RunManifest } from '../../src/prover/training/runManifest.js';
import { buildTrainingStepGraph } from '../../src/prover/training/stepGraph.js';
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
  /** The cross-entropy run of every layer (set by its test): proofs made with another step key. */
  let ceRun: string;

  /** A copy of the run with one edit to its manifest or files. */
  const tamperedCopy = async (edit: (dir: string, m: RunManifest) => Promise<void> | void) => {
    const dir = join(tempDir(), 'run');
    await cp(run, dir, { recursive: true });
    const m = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunManifest;
    await edit(dir, m);
    await writeFile(join(dir, 'run.json'), JSON.stringify(m));
    return dir;
  };
  /** lr relabelled to 0.5 for proofs made at 0.05, with the lr-0.5 step graph put beside them. */
  const relabelLr = async (copy: string, m: RunManifest) => {
    m.options.lr = 0.5;
    const base = readMlp(new Uint8Array(await readFile(join(copy, 'base.onnx'))));
    const { trainable, loss, batch } = m.options;
    const rebuilt = buildTrainingStepGraph(base, { trainable, loss, lr: 0.5, batch }).model;
    await writeFile(join(copy, 'step.onnx'), rebuilt);
    m.stepModel.sha256 = sha256Hex(rebuilt);
  };
  const tampered = async (edit: (dir: string, m: RunManifest) => Promise<void> | void) =>
    verifyRun({ run: await tamperedCopy(edit) });

  beforeAll(async () => {
    run = join(tempDir(), 'ft1');
    manifest = await trainRun({ model: fixtureModel('mlp'), ...options, steps: 3, out: run });
  });

  it('a 3-step run verifies: every proof, every link, base and final weights; the drift is reported', async () => {
    const result = await verifyRun({ run });
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
    await exportRun({ run, out });
    expect((await verifyRun({ run, exported: out })).valid).toBe(true);
    const proved = await proveInference({
      target: out,
      input: fixtureInput('mlp'),
      out: join(tempDir(), 'ft1.proof'),
    });
    expect(
      (await verifyBundle({ bundle: proved.bundlePath, artifacts: proved.artifacts.dir })).valid,
    ).toBe(true);
    // And the base model is not a valid export of this run.
    expect((await verifyRun({ run, exported: fixtureModel('mlp') })).valid).toBe(false);
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
    await exportRun({ run, out: exported });
    await trainRun({ model: exported, ...options, steps: 1, out: other });
    expect((await verifyRun({ run: other })).valid).toBe(true);
    const result = await tampered(async (dir) => {
      for (const f of ['proof.json', 'batch.json', 'weights-out.json'])
        await cp(join(other, 'steps/0', f), join(dir, 'steps/1', f));
    });
    expect(result.failure).toMatch(/^step 1 .*does not continue step 0/);
    expect((await verifyRun({ run })).valid).toBe(true); // the original run is untouched
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
    const wrongKey = await verifyRun({ run, artifacts: inference.artifacts.dir });
    expect(wrongKey.failure).toMatch(/is not a compilation of this run's step circuit/);
  });

  it('a cross-entropy run of every dense layer, through the CLI as a user types it, proves and verifies', async () => {
    const dir = join(tempDir(), 'ft-ce');
    ceRun = dir;
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
    await expect(exportRun({ run: dir, out: join(dir, 'out.onnx') })).rejects.toMatchObject({
      code: 'CHAIN_INVALID',
    });
  });

  it('relabelling lr with a matching rebuilt step.onnx is exit 1 where the trusted step key is for the real circuit', async () => {
    // The attack: claim lr 0.5 for proofs made at 0.05, and put the lr-0.5 step graph beside them,
    // so the rebuilt circuit matches step.onnx. This machine compiled the real (lr 0.05) step key.
    const dir = await tamperedCopy(relabelLr);
    const cli = await runCli(['verify', dir, '--json']);
    expect(cli.code).toBe(1);
    expect(cli.json()).toMatchObject({ valid: false, keySource: 'run' });
    expect(cli.json().failure).toMatch(/key compiled here for another circuit/);
    expect(cli.json().checks.find((c: { step: unknown }) => c.step === 'circuit').ok).toBe(false);
    // The trusted step circuit passed explicitly says the same.
    const stepArtifacts = await findArtifactsByVk(manifest.stepModel.vkSha256);
    const given = await verifyRun({ run: dir, artifacts: stepArtifacts!.dir });
    expect(given.failure).toMatch(/is not a compilation of this run's step circuit/);
  });

  /** The step circuit of `run` compiled on this machine, copied into a fresh pocompute home. */
  const homeWithStepKey = async () => {
    const home = tempDir();
    const compiled = await findArtifactsByVk(manifest.stepModel.vkSha256);
    await cp(compiled!.dir, join(home, 'artifacts', 'step'), { recursive: true });
    return home;
  };
  const elsewhereEnv = (home: string) => ({
    POCOMPUTE_HOME: home,
    POCOMPUTE_PYTHON: '/nonexistent/python',
  });

  it('proofs made with another key, relabelled as a step circuit compiled here, are exit 1 and export refuses them', async () => {
    // The attack: another run's proofs (another circuit, its key not compiled here) under this
    // run's options, step.onnx and step sha. Here the real step circuit is compiled: it is the key.
    const home = await homeWithStepKey();
    const forged = join(tempDir(), 'forged');
    await cp(ceRun, forged, { recursive: true });
    const m = JSON.parse(await readFile(join(forged, 'run.json'), 'utf8')) as RunManifest;
    m.options = { ...m.options, ...manifest.options, steps: m.options.steps };
    m.stepModel.sha256 = manifest.stepModel.sha256;
    await cp(join(run, 'step.onnx'), join(forged, 'step.onnx'));
    await writeFile(join(forged, 'run.json'), JSON.stringify(m));
    const cli = await runCli(['verify', forged, '--json'], elsewhereEnv(home));
    expect(cli.code).toBe(1);
    expect(cli.json()).toMatchObject({ valid: false, keySource: 'artifacts' });
    const step0 = cli.json().checks.find((c: { step: unknown }) => c.step === 0);
    expect(step0.detail).toMatch(/another key than the trusted step circuit's/);
    const exported = await runCli(
      ['export', forged, '--out', join(tempDir(), 'f.onnx'), '--json'],
      elsewhereEnv(home),
    );
    expect(exported.code).toBe(1);
    // The honest run verifies against the key compiled there.
    const honest = await runCli(['verify', run, '--json'], elsewhereEnv(home));
    expect(honest.json()).toMatchObject({ valid: true, keySource: 'artifacts' });
  });

  it('says which step key it trusted: the step circuit compiled here, or the one given', async () => {
    const missing = await verifyRun({ run, artifacts: join(run, '..', 'none') }).catch((e) => e);
    expect(missing).toMatchObject({ code: 'ARTIFACTS_INVALID' });
    const local = await verifyRun({ run });
    expect(local.keySource).toBe('artifacts');
    expect(local.warnings.join(' ')).not.toMatch(/own step key/);
  });

  it('a relabelled run where no step key is trusted is refused (STEP_KEY_UNTRUSTED, exit 2), never VALID', async () => {
    // The attack: lr relabelled (0.5 claimed for proofs made at 0.05) with the matching rebuilt
    // step.onnx, verified in a fresh pocompute home: the run's own key would say VALID.
    const relabelled = await tamperedCopy(relabelLr);
    const fresh = elsewhereEnv(tempDir());
    for (const dir of [relabelled, run]) {
      const cli = await runCli(['verify', dir, '--json'], fresh);
      expect(cli.code, cli.stdout + cli.stderr).toBe(2);
      expect(cli.json().error).toMatchObject({ code: 'STEP_KEY_UNTRUSTED', exitCode: 2 });
      expect(cli.json().error.hint).toMatch(/--artifacts <dir>/);
      expect(cli.json().error.hint).toMatch(/pocompute compile <run>\/step\.onnx/);
      const human = await runCli(['verify', dir], fresh);
      expect(human.code).toBe(2);
      expect(human.stderr).toMatch(/(^|\n)error STEP_KEY_UNTRUSTED: [^\n]+\nhint: [^\n]+\n$/);
      expect(human.stdout).not.toMatch(/VALID/);
    }
    await expect(verifyRun({ run: relabelled })).resolves.toMatchObject({ valid: false }); // key compiled here
    // Where the real step key is compiled, the honest run verifies and the relabelled one does not.
    const home = await homeWithStepKey();
    const honest = await runCli(['verify', run, '--json'], elsewhereEnv(home));
    expect(honest.code).toBe(0);
    expect(honest.json()).toMatchObject({
      valid: true,
      keySource: 'artifacts',
      warnings: expect.any(Array),
    });
    expect(honest.json().warnings.join(' ')).not.toMatch(/own step key/);
    const caught = await runCli(['verify', relabelled, '--json'], elsewhereEnv(home));
    expect(caught.code).toBe(1);
    expect(caught.json().failure).toMatch(/key compiled here for another circuit/);
    // … and so does --artifacts with the trusted step circuit, in a home with nothing compiled.
    const stepArtifacts = await findArtifactsByVk(manifest.stepModel.vkSha256);
    const given = await runCli(['verify', run, '--artifacts', stepArtifacts!.dir, '--json'], fresh);
    expect(given.code).toBe(0);
    expect(given.json()).toMatchObject({ valid: true, keySource: 'artifacts' });
  });

  it('export refuses a run without a trusted step key, unless --allow-untrusted-key', async () => {
    const env = elsewhereEnv(tempDir());
    const out = join(tempDir(), 'own.onnx');
    const refused = await runCli(['export', run, '--out', out, '--json'], env);
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({ code: 'STEP_KEY_UNTRUSTED' });
    expect(refused.json().error.hint).toMatch(/--allow-untrusted-key/);
    const allowed = await runCli(
      ['export', run, '--out', out, '--allow-untrusted-key', '--json'],
      env,
    );
    expect(allowed.code).toBe(0);
    expect(allowed.json()).toMatchObject({ ok: true, keySource: 'run' });
  });

  it('a pocompute.config.json in the working directory cannot plant a trusted step key', async () => {
    // lr relabelled to 0.5 with the matching rebuilt step.onnx; the planted "compilation" is the
    // real (lr 0.05) key relabelled as the lr-0.5 circuit's, in a config file's artifactsDir.
    const dir = await tamperedCopy(relabelLr);
    const relabelled = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunManifest;
    const repo = tempDir();
    await writeFile(join(repo, 'pocompute.config.json'), '{"artifactsDir": "./keys"}');
    const planted = join(repo, 'keys', 'planted');
    const compiled = await findArtifactsByVk(manifest.stepModel.vkSha256);
    await cp(compiled!.dir, planted, { recursive: true });
    const plantedManifest = JSON.parse(await readFile(join(planted, 'manifest.json'), 'utf8'));
    plantedManifest.model.sha256 = relabelled.stepModel.sha256;
    await writeFile(join(planted, 'manifest.json'), JSON.stringify(plantedManifest));
    const cli = await runCli(['verify', dir, '--json'], {}, repo);
    expect(cli.json().failure).toMatch(/key compiled here for another circuit/);
  });

  it('verify --base ties a run to a base model you trust; without it, says the base was not checked', async () => {
    const given = await verifyRun({ run, base: fixtureModel('mlp') });
    expect(given.valid).toBe(true);
    expect(given.base).toMatchObject({ sha256: manifest.base.sha256, checked: true });
    expect(given.warnings.join(' ')).not.toMatch(/base model was not checked/);
    // Another base model (same shape, other weights: the head-only step circuit is the same).
    const other = join(tempDir(), 'other-base.onnx');
    await exportRun({ run, out: other });
    const wrong = await verifyRun({ run, base: other });
    expect(wrong.valid).toBe(false);
    expect(wrong.failure).toMatch(/is not the run's base model/);
    const cli = await runCli(['verify', run]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`base model: sha256 ${manifest.base.sha256}`);
    expect(cli.stdout).toMatch(/NOT CHECKED \(pass --base/);
    const json = await runCli(['verify', run, '--base', other, '--json']);
    expect(json.code).toBe(1);
    expect(json.json().base).toMatchObject({ sha256: manifest.base.sha256, checked: true });
  });

  describe('options that do not apply, and run paths that are not regular files, are exit 2', () => {
    const expectUsage = (cli: Awaited<ReturnType<typeof runCli>>, pattern: RegExp) => {
      expect(cli.code).toBe(2);
      const { error } = cli.json();
      expect(error.message).toMatch(pattern);
      expect(error.message).not.toContain('\n');
      expect(cli.stderr).not.toMatch(/\n\s+at /);
    };

    it('verify <run> refuses bundle-only options, naming them; several bundles refuse run options', async () => {
      const address = `0x${'11'.repeat(20)}`;
      for (const args of [
        ['--vk', 'vk.key'],
        ['--settings', 'settings.json'],
        ['--srs', 'kzg.srs'],
        ['--onchain'],
        ['--verifier', address],
        ['--send'],
      ])
        expectUsage(await runCli(['verify', run, ...args, '--json']), new RegExp(`^${args[0]}`));
      for (const args of [
        ['--data', options.data],
        ['--exported', 'x.onnx'],
        ['--base', 'b.onnx'],
      ])
        expectUsage(
          await runCli(['verify', run, run, ...args, '--json']),
          new RegExp(`^${args[0]}`),
        );
    });

    it('a run naming a directory or a FIFO as a file is exit 2 at once, never a crash or a hang', async () => {
      const dirAsFile = await tamperedCopy((_, m) => {
        m.base.model = 'steps';
      });
      expectUsage(await runCli(['verify', dirAsFile, '--json']), /base model.*directory/);
      const fifo = await tamperedCopy((dir, m) => {
        execFileSync('mkfifo', [join(dir, 'pipe.onnx')]);
        m.base.model = 'pipe.onnx';
      });
      expectUsage(await runCli(['verify', fifo, '--json']), /base model.*not a regular file/);
      for (const cli of [
        await runCli(['export', fifo, '--out', join(tempDir(), 'x.onnx'), '--json']),
        await runCli(['export', dirAsFile, '--out', join(tempDir(), 'x.onnx'), '--json']),
      ])
        expectUsage(cli, /base model/);
    }, 60_000);

    it('verify --exported and train paths that are missing, directories or files are exit 2 before any work', async () => {
      expectUsage(
        await runCli(['verify', run, '--exported', join(tempDir(), 'none.onnx'), '--json']),
        /exported model not found/,
      );
      expectUsage(
        await runCli(['verify', run, '--exported', tempDir(), '--json']),
        /exported model is a directory/,
      );
      const file = join(tempDir(), 'existing.txt');
      await writeFile(file, 'not a run');
      const train = (model: string, out: string) =>
        runCli(['train', model, '--data', options.data, '--steps', '1', '--out', out, '--json']);
      expectUsage(await train(fixtureModel('mlp'), file), /--out .*existing file/);
      expect(await readFile(file, 'utf8')).toBe('not a run');
      expectUsage(await train(join(tempDir(), 'none.onnx'), join(tempDir(), 'r')), /not found/);
      expectUsage(await train(tempDir(), join(tempDir(), 'r')), /is a directory/);
    });
  });

  describe('the training data is committed and checked', () => {
    const poisonedData = () => join(tempDir(), 'poisoned.json');
    let poisoned: string;
    let poisonedFile: string;

    beforeAll(async () => {
      // Labels permuted (class c becomes c+1 mod 3): same features, poisoned targets.
      const data = JSON.parse(await readFile(options.data, 'utf8')) as {
        features: number[][];
        labels: number[];
      };
      poisonedFile = poisonedData();
      await writeFile(
        poisonedFile,
        JSON.stringify({ features: data.features, labels: data.labels.map((l) => (l + 1) % 3) }),
      );
      poisoned = join(tempDir(), 'poisoned');
      const train = await runCli([
        'train',
        fixtureModel('mlp'),
        '--data',
        poisonedFile,
        '--steps',
        '1',
        '--seed',
        'poison-1',
        '--out',
        poisoned,
        '--json',
      ]);
      expect(train.code, train.stderr).toBe(0);
      expect(train.json().data).toMatchObject({ seed: 'poison-1', seedSource: 'given', rows: 32 });
    });

    it('run.json records the commitment and a derived seed; verify says plainly the data was not checked', async () => {
      expect(manifest.data).toMatchObject({
        scheme: 'sha256-merkle@1',
        schedule: 'sha256-shuffle@1',
        rows: 32,
        seedSource: 'derived',
      });
      const json = await runCli(['verify', run, '--json']);
      expect(json.code).toBe(0);
      expect(json.json().data).toMatchObject({
        checked: false,
        commitment: manifest.data.commitment,
      });
      expect(json.json().warnings.join(' ')).toMatch(/training data was not checked/);
      const human = await runCli(['verify', run]);
      expect(human.stdout).toContain(manifest.data.commitment);
      expect(human.stdout).toMatch(/NOT CHECKED/);
      const checked = await runCli(['verify', run, '--data', options.data, '--json']);
      expect(checked.code).toBe(0);
      expect(checked.json().data).toMatchObject({ checked: true, file: options.data });
      expect(checked.json().checks.map((c: { step: unknown }) => c.step)).toEqual([
        'base',
        'circuit',
        'data',
        0,
        1,
        2,
        'final',
      ]);
    });

    it('a run trained on a poisoned data file (labels permuted) fails verify --data with the real file', async () => {
      const cli = await runCli(['verify', poisoned, '--data', options.data, '--json']);
      expect(cli.code).toBe(1);
      const result = cli.json();
      expect(result.failure).toMatch(/is not the run's training data/);
      expect(result.checks.find((c: { step: unknown }) => c.step === 0).detail).toMatch(
        /^step 0 .*not the scheduled slice of .*train\.json/,
      );
      // The same run checks out against the file it was really trained on.
      expect((await verifyRun({ run: poisoned, data: poisonedFile })).valid).toBe(true);
      // A truncated copy of the real file is another file, not a crash.
      const truncated = join(tempDir(), 'truncated.json');
      const real = JSON.parse(await readFile(options.data, 'utf8'));
      await writeFile(
        truncated,
        JSON.stringify({ features: real.features.slice(0, 5), labels: real.labels.slice(0, 5) }),
      );
      const short = await verifyRun({ run, data: truncated });
      expect(short.failure).toMatch(/is not the run's training data/);
      expect(short.checks.filter((c) => !c.ok).map((c) => c.step)).toEqual(['data', 0, 1, 2]);
      // Claiming the real data's commitment (and seed) for the poisoned batches fails without --data.
      const relabelled = join(tempDir(), 'relabelled');
      await cp(poisoned, relabelled, { recursive: true });
      const m = JSON.parse(await readFile(join(relabelled, 'run.json'), 'utf8')) as RunManifest;
      m.data = manifest.data;
      await writeFile(join(relabelled, 'run.json'), JSON.stringify(m));
      const claimed = await verifyRun({ run: relabelled });
      expect(claimed.failure).toMatch(/^step 0 .*not the scheduled rows .* of the committed data/);
    });

    it('a step re-proved on a batch from no data file is caught, naming the step', async () => {
      // Step 2 proved again, honestly and with the real key, from step 1's weights but on a
      // made-up batch; every hash of the run is updated to match it.
      const stepArtifacts = await findArtifactsByVk(manifest.stepModel.vkSha256);
      const dir = await tamperedCopy(async (copy, m) => {
        const weights = JSON.parse(
          await readFile(join(copy, 'steps/1/weights-out.json'), 'utf8'),
        ) as number[][];
        const batch = JSON.parse(await readFile(join(copy, 'steps/2/batch.json'), 'utf8'));
        batch.features = batch.features.map((row: number[]) => row.map((v) => -v));
        await writeFile(join(copy, 'steps/2/batch.json'), JSON.stringify(batch));
        await writeFile(
          join(copy, 'steps/2/input.json'),
          JSON.stringify({
            input_data: [...weights, batch.features.flat(), batch.labels.flat()],
          }),
        );
        const proved = await proveInference({
          target: stepArtifacts!.dir,
          input: join(copy, 'steps/2/input.json'),
          out: join(copy, 'steps/2/proof.json'),
        });
        const k = m.tensors.length;
        const instances = proved.bundle.proof.instances[0];
        const next = proved.outputs.slice(0, k);
        Object.assign(m.steps[2], {
          batchHash: instances.slice(k, k + 2),
          outputWeightsHash: instances.slice(k + 2, 2 * k + 2),
          lossHash: instances[2 * k + 2],
          loss: proved.outputs[k][0],
        });
        m.final.weightsHash = instances.slice(k + 2, 2 * k + 2);
        for (const f of ['steps/2/weights-out.json', 'weights-final.json'])
          await writeFile(join(copy, f), JSON.stringify(next));
      });
      const result = await verifyRun({ run: dir });
      expect(result.failure).toMatch(/^step 2 .*not the scheduled rows .* of the committed data/);
      expect(result.checks.filter((c) => !c.ok).map((c) => c.step)).toEqual([2]);
      const cli = await runCli(['verify', dir, '--data', options.data, '--json']);
      expect(cli.code).toBe(1);
      expect(cli.json().failure).toMatch(/^step 2 .*scheduled slice of .*train\.json/);
    });
  });

  describe('run.json cannot make verify read outside the run, nor echo what it read', () => {
    const secret = async () => {
      const dir = tempDir();
      await writeFile(join(dir, 'secret.txt'), 'TOPSECRET-7f3a not json\n');
      return join(dir, 'secret.txt');
    };
    const expectRunInvalid = (cli: Awaited<ReturnType<typeof runCli>>) => {
      expect(cli.code).toBe(2);
      const { error } = cli.json();
      expect(error.code).toBe('RUN_INVALID');
      expect(error.message).not.toContain('\n');
      expect(cli.stdout + cli.stderr).not.toContain('TOPSECRET');
    };

    it('refuses absolute paths and .. in run.json (exit 2)', async () => {
      const file = await secret();
      const absolute = await tamperedCopy((_, m) => {
        m.final.weights = file;
      });
      expectRunInvalid(await runCli(['verify', absolute, '--json']));
      const dotdot = await tamperedCopy((dir, m) => {
        m.final.weights = `${'../'.repeat(12)}${file.slice(1)}`;
        expect(join(dir, m.final.weights)).toBe(file);
      });
      expectRunInvalid(await runCli(['verify', dotdot, '--json']));
      await expect(
        exportRun({ run: dotdot, out: join(tempDir(), 'x.onnx') }),
      ).rejects.toMatchObject({
        code: 'RUN_INVALID',
      });
    });

    it('refuses a symlink in the run that points out of it (exit 2)', async () => {
      const file = await secret();
      const dir = await tamperedCopy(async (copy) => {
        await rm(join(copy, 'steps/1/weights-out.json'));
        await symlink(file, join(copy, 'steps/1/weights-out.json'));
      });
      expectRunInvalid(await runCli(['verify', dir, '--json']));
      // A symlinked run directory itself is fine: only where the files lead counts.
      const link = join(tempDir(), 'link');
      await symlink(run, link);
      expect((await verifyRun({ run: link })).valid).toBe(true);
    });

    it('a file of the run that is not JSON is named, its content never shown', async () => {
      const dir = await tamperedCopy(async (copy) => {
        await writeFile(join(copy, 'steps/1/batch.json'), 'TOPSECRET-7f3a not json');
      });
      const cli = await runCli(['verify', dir, '--json']);
      expect(cli.code).toBe(2);
      expect(cli.json().error.message).toMatch(/step 1 batch is not valid JSON/);
      expect(cli.stdout + cli.stderr).not.toContain('TOPSECRET');
    });
  });

  describe('malformed run.json files are input errors, never bugs', () => {
    const HUGE = '__huge__';
    /** Every field of the manifest, by path (objects and arrays too). */
    const fieldPaths = (value: unknown, path: (string | number)[] = []): (string | number)[][] =>
      value && typeof value === 'object'
        ? [
            ...(path.length ? [path] : []),
            ...Object.entries(value).flatMap(([key, v]) =>
              fieldPaths(v, [...path, Array.isArray(value) ? Number(key) : key]),
            ),
          ]
        : [path];
    const hostilePath = fc.constantFrom(
      '/etc/passwd',
      `${'../'.repeat(10)}etc/passwd`,
      'steps/../../run.json',
      'C:\\\\Windows\\\\win.ini',
      'a\u0000b',
      '',
      'x'.repeat(5000),
      'steps/0/proof.json',
      'base.onnx',
    );
    const hostileValue = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom(HUGE, -1e308, 1e308, 2 ** 53 + 1, -1, 0, 0.5, 1e9, '', null, [], {}),
      hostilePath,
    );
    const mutation = fc.record({
      delete: fc.boolean(),
      at: fc.nat(),
      value: hostileValue,
    });

    /** The manifest with its fields set or deleted; HUGE becomes 1e999 (Infinity once parsed). */
    const mutated = (original: RunManifest, mutations: fc.RecordValue<any>[]) => {
      const m = structuredClone(original) as unknown as Record<string, unknown>;
      const paths = fieldPaths(m);
      for (const { delete: remove, at, value } of mutations) {
        const path = paths[at % paths.length];
        const parent = path.slice(0, -1).reduce<any>((o, key) => o?.[key], m);
        if (!parent || typeof parent !== 'object') continue;
        if (remove) delete parent[path[path.length - 1]];
        else parent[path[path.length - 1]] = value;
      }
      return JSON.stringify(m).replaceAll(`"${HUGE}"`, '1e999');
    };

    it('verifyRun answers any malformed manifest with exit 2 or an invalid run, in one line', async () => {
      const dir = await tamperedCopy(() => {});
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          await writeFile(join(dir, 'run.json'), mutated(manifest, mutations));
          try {
            const result = await verifyRun({ run: dir });
            if (!result.valid) expect(result.failure).not.toContain('\n');
          } catch (error) {
            expect(error).toBeInstanceOf(PocomputeError);
            expect((error as PocomputeError).exitCode).toBe(2);
            expect((error as PocomputeError).message).not.toContain('\n');
          }
        }),
        { numRuns: 60 },
      );
    });

    it('a number too large for the fixed point, in any field or file of the run, is exit 2 naming it', async () => {
      const dir = await tamperedCopy(() => {});
      // Found by the property above: a stated loss of 1e308 reached EZKL's quantizer as is.
      for (const path of fieldPaths(manifest)) {
        const m = structuredClone(manifest) as unknown as Record<string, unknown>;
        const parent = path.slice(0, -1).reduce<any>((o, key) => o[key], m);
        parent[path[path.length - 1]] = -1e308;
        await writeFile(join(dir, 'run.json'), JSON.stringify(m));
        const outcome = await verifyRun({ run: dir }).catch((error: unknown) => error);
        // Proved fields make the run malformed or invalid; the unproved notes (floatLoss, drift,
        // proveMs) are never reported by verify, so they may hold anything.
        if (outcome instanceof Error) {
          expect(outcome, path.join('.')).toBeInstanceOf(PocomputeError);
          expect((outcome as PocomputeError).code).toBe('RUN_INVALID');
        } else if (
          !(path[0] === 'steps' && ['floatLoss', 'drift', 'proveMs'].includes(`${path[2]}`))
        )
          expect(outcome.valid, path.join('.')).toBe(false);
      }
      await writeFile(join(dir, 'run.json'), JSON.stringify(manifest));
      const weights = JSON.parse(await readFile(join(dir, 'steps/1/weights-out.json'), 'utf8'));
      weights[0][0] = 1e308;
      await writeFile(join(dir, 'steps/1/weights-out.json'), JSON.stringify(weights));
      const cli = await runCli(['verify', dir, '--json']);
      expect(cli.code).toBe(2);
      expect(cli.json().error).toMatchObject({
        code: 'RUN_INVALID',
        message: expect.stringMatching(/weights tensor 0 value 0 \(1e\+308\) does not fit/),
      });
    });

    it('the CLI answers malformed manifests with exit 2 and one line, never a stack trace', async () => {
      const dir = await tamperedCopy(() => {});
      const cases = [
        JSON.stringify({ ...manifest, options: { ...manifest.options, lr: HUGE } }).replace(
          `"${HUGE}"`,
          '1e999',
        ),
        JSON.stringify({ ...manifest, options: { ...manifest.options, batch: 1e9 } }),
        JSON.stringify({ ...manifest, steps: 'all of them' }),
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
      ];
      for (const text of cases) {
        await writeFile(join(dir, 'run.json'), text);
        const cli = await runCli(['verify', dir]);
        expect(cli.code).toBe(2);
        expect(cli.stderr).toMatch(/(^|\n)error RUN_INVALID: [^\n]+\nhint: [^\n]+\n$/);
        expect(cli.stderr).not.toMatch(/^\s+at /m);
      }
    });
  });
});
