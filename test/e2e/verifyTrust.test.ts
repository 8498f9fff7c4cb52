import { existsSync } from 'node:fs';
import { cp, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { openChain } from '../../src/chain/chainContext.js';
import { sha256Hex } from '../../src/core/files.js';
import { BN254_R } from '../../src/proof/felts.js';
import { GraphBuilder } from '../../src/prover/onnx/graphBuilder.js';
import { type ProveInferenceResult, proveInference } from '../../src/prover/proveInference.js';
import { deployVerifier } from '../../src/verifier/deployVerifier.js';
import { useAnvil } from '../helpers/anvil.js';
import {
  type CliResult,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

/**
 * The attacks of issue 8 ("forged outputs pass with a trusted key", bad input reported as a bug)
 * and issue 10's "prove writes a bundle verify rejects", each played against the real engine.
 */

const anvil = useAnvil();
let mlp: ProveInferenceResult;
let dir: string;

beforeAll(async () => {
  mlp = await provedFixture('mlp');
  dir = tempDir();
});

/** A copy of the mlp bundle with one edit, written to a file. */
async function forged(name: string, edit: (bundle: any) => void): Promise<string> {
  const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
  edit(bundle);
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(bundle));
  return path;
}

const trustedArgs = () => ['--artifacts', mlp.artifacts.dir];
const trustedFileArgs = () => [
  '--vk',
  mlp.artifacts.path('vk.key'),
  '--settings',
  mlp.artifacts.path('settings.json'),
  '--srs',
  mlp.artifacts.manifest.srs.path,
];

/** Exit 1, and the failed checks name the field the bundle lied about. */
function expectRejectedNaming(result: CliResult, field: string): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  const json = result.json();
  expect(json.valid).toBe(false);
  const failed = json.checks.filter((c: any) => !c.ok).map((c: any) => c.detail);
  expect(failed.join(' ')).toContain(field);
}

/** A one-line error with its code and exit; never a stack trace. */
function expectCliError(result: CliResult, code: string, exit: number): void {
  expect(result.code, result.stdout + result.stderr).toBe(exit);
  const error = result.json().error;
  expect(error.code).toBe(code);
  expect(error.message).not.toContain('\n');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** The issue's relabelling: inputs declared private, outputs read from the input instances. */
const relabelInputsPrivate = (b: any) => {
  const inputs = b.public.inputs[0].values as number[];
  b.options.inputVisibility = 'private';
  b.public.inputs[0] = { name: b.public.inputs[0].name, dims: [1, 4], visibility: 'private' };
  b.public.outputs[0].values = inputs.slice(0, 3);
};

describe('verify with a trusted key reports only what the proof binds', () => {
  it('rejects inputs relabelled private (outputs read from the inputs), naming it', async () => {
    const path = await forged('relabel.proof', relabelInputsPrivate);
    const realOutputs = mlp.bundle.public.outputs[0].values;
    for (const args of [trustedArgs(), trustedFileArgs(), []]) {
      const result = await runCli(['verify', path, ...args, '--json']);
      expectRejectedNaming(result, 'options.inputVisibility');
      // What verify prints is read with the trusted layout: the real outputs, not the inputs.
      expect(result.json().public.outputs[0].values).toEqual(realOutputs);
    }
  });

  it('refuses --vk without --settings (exit 2): no scales from the bundle', async () => {
    const path = await forged('scales.proof', (b) => {
      b.settings.model_output_scales = [b.settings.model_output_scales[0] - 4];
      b.public.outputs[0].values = b.public.outputs[0].values.map((v: number) => v * 16);
    });
    const alone = await runCli(['verify', path, '--vk', mlp.artifacts.path('vk.key'), '--json']);
    expectCliError(alone, 'USAGE', 2);
    expect(alone.json().error.message).toContain('--settings');
    // With trusted settings the lowered scale is a named mismatch, and values are the real ones.
    const trusted = await runCli(['verify', path, ...trustedFileArgs(), '--json']);
    expectRejectedNaming(trusted, 'settings');
    expectRejectedNaming(trusted, 'public.outputs[0].values');
    expect(trusted.json().public.outputs[0].values).toEqual(mlp.bundle.public.outputs[0].values);
  });

  it('names each bundle field that disagrees with the trusted artifacts', async () => {
    const cases: [string, (b: any) => void][] = [
      ['public.outputs[0].dims', (b) => (b.public.outputs[0].dims = [3, 1])],
      ['model.sha256', (b) => (b.model.sha256 = sha256Hex('another model'))],
      ['srs.origin', (b) => (b.srs.origin = 'public-download')],
      ['options.outputVisibility', (b) => (b.options.outputVisibility = 'hashed')],
      ['public.inputs[0].name', (b) => (b.public.inputs[0].name = 'y')],
    ];
    for (const [field, edit] of cases) {
      const path = await forged(`${field}.proof`, edit);
      expectRejectedNaming(await runCli(['verify', path, ...trustedArgs(), '--json']), field);
    }
  });

  it('reports model and SRS origin from the trusted artifacts, not the bundle', async () => {
    const result = await runCli(['verify', mlp.bundlePath, ...trustedArgs(), '--json']);
    expect(result.code).toBe(0);
    expect(result.json().model.sha256).toBe(mlp.artifacts.manifest.model.sha256);
    expect(result.json().srsOrigin).toBe(mlp.artifacts.manifest.srs.origin);
    // --vk/--settings name no model: tensors are positional, no model is claimed.
    const byFile = await runCli(['verify', mlp.bundlePath, ...trustedFileArgs(), '--json']);
    expect(byFile.code).toBe(0);
    expect(byFile.json().model).toBeUndefined();
    expect(byFile.json().public.outputs[0].name).toBe('output_0');
  });
});

describe('weights are always bound by the verifying key (fixed params only)', () => {
  const hashedParams = { Hashed: { hash_is_public: true, outlets: [] } };

  it('refuses --param-visibility hashed as a usage error that says why', async () => {
    const result = await runCli([
      'compile',
      fixtureModel('mlp'),
      '--input',
      fixtureInput('mlp'),
      '--param-visibility',
      'hashed',
      '--json',
    ]);
    expectCliError(result, 'OPTION_INVALID', 2);
    expect(result.json().error.message).toContain('--param-visibility');
    expect(result.json().error.message).toContain('published');
    expect(result.json().error.hint).toContain('fixed');
  });

  it('refuses trusted settings whose params are hashed (never a silent pass)', async () => {
    const settings = JSON.parse(await readFile(mlp.artifacts.path('settings.json'), 'utf8'));
    settings.run_args.param_visibility = hashedParams;
    const path = join(dir, 'hashed-params-settings.json');
    await writeFile(path, JSON.stringify(settings));
    const args = [...trustedFileArgs()];
    args[3] = path;
    const result = await runCli(['verify', mlp.bundlePath, ...args, '--json']);
    expectCliError(result, 'SETTINGS_MISMATCH', 2);
    expect(result.json().error.message).toContain('param_visibility');
  });

  it('refuses a bundle that claims hashed params with its own settings', async () => {
    const path = await forged('hashed-params.proof', (b) => {
      b.options.paramVisibility = 'hashed';
      b.settings.run_args.param_visibility = hashedParams;
    });
    const result = await runCli(['verify', path, '--json']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.json().error.message).toContain('paramVisibility');
  });
});

describe('verify --onchain runs the same checks', () => {
  let verifier: string;
  beforeAll(async () => {
    const chain = await openChain({ rpc: anvil().rpcUrl });
    process.env.POCOMPUTE_PRIVATE_KEY = anvil().accounts[0].privateKey;
    verifier = (await deployVerifier({ artifacts: mlp.artifacts, chain })).verifier.address;
    await chain.close();
  });
  const onchain = (path: string, ...extra: string[]) =>
    runCli([
      'verify',
      path,
      '--onchain',
      '--verifier',
      verifier,
      '--rpc',
      anvil().rpcUrl,
      ...extra,
      '--json',
    ]);

  it('rejects a bundle whose stated outputs are not its instances (exit 1)', async () => {
    expect((await onchain(mlp.bundlePath)).code).toBe(0);
    const path = await forged('onchain-claim.proof', (b) => {
      b.public.outputs[0].values[0] += 1;
    });
    expectRejectedNaming(await onchain(path), 'public.outputs[0].values');
    const relabel = await forged('onchain-relabel.proof', relabelInputsPrivate);
    expectRejectedNaming(await onchain(relabel, ...trustedArgs()), 'options.inputVisibility');
  });

  it("says when its verdict rests on the bundle's own key and settings", async () => {
    const own = await onchain(mlp.bundlePath);
    expect(own.code, own.stdout + own.stderr).toBe(0);
    expect(own.json().keySource).toBe('bundled');
    expect(own.json().warnings.join(' ')).toContain('inside the bundle');
    const human = await runCli([
      'verify',
      mlp.bundlePath,
      '--onchain',
      '--verifier',
      verifier,
      '--rpc',
      anvil().rpcUrl,
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('key: bundled');
    expect(human.stderr).toContain('inside the bundle');
    const trusted = await onchain(mlp.bundlePath, ...trustedArgs());
    expect(trusted.json().keySource).toBe('artifacts');
    expect(trusted.json().warnings.join(' ')).not.toContain('inside the bundle');
  });

  it('rejects an instance that is not a BN254 field element as a bad bundle (exit 2)', async () => {
    const overR = (BN254_R + 5n).toString(16).padStart(64, '0');
    const littleEndian = overR.match(/../g)?.reverse().join('') ?? '';
    for (const felt of [littleEndian, 'zz'.repeat(32)]) {
      const path = await forged('felt.proof', (b) => {
        b.proof.instances[0][0] = felt;
      });
      expectCliError(await onchain(path), 'BUNDLE_INVALID', 2);
      expectCliError(await runCli(['calldata', path, '--json']), 'BUNDLE_INVALID', 2);
    }
  });
});

describe('bad files are usage errors (exit 2), never a crash', () => {
  it('refuses a bundle stating an infinite value (1e999), naming the field', async () => {
    const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
    for (const sign of ['', '-']) {
      const text = JSON.stringify(bundle).replace(
        /"outputs":\[\{"name":"([^"]*)","dims":(\[[^\]]*\]),"visibility":"public","values":\[[^,\]]+/,
        `"outputs":[{"name":"$1","dims":$2,"visibility":"public","values":[${sign}1e999`,
      );
      expect(text).toContain(`${sign}1e999`);
      const path = join(dir, `infinite${sign}.proof`);
      await writeFile(path, text);
      for (const args of [trustedArgs(), []]) {
        const result = await runCli(['verify', path, ...args, '--json']);
        expectCliError(result, 'BUNDLE_INVALID', 2);
        expect(result.json().error.message).toContain('public.outputs.0.values.0');
      }
    }
  });

  it('refuses a 600 MB bundle or input before reading it', async () => {
    const huge = join(dir, 'huge.proof');
    const handle = await open(huge, 'w');
    await handle.truncate(600 * 1024 * 1024); // sparse: no disk, no memory
    await handle.close();
    const started = Date.now();
    const verify = await runCli(['verify', huge, '--json']);
    expectCliError(verify, 'BUNDLE_INVALID', 2);
    expect(verify.json().error.message).toMatch(/over the 64\.0 MiB cap/);
    const prove = await runCli(['prove', mlp.artifacts.dir, '--input', huge, '--json']);
    expectCliError(prove, 'INPUT_INVALID', 2);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses JSON nested 5,000 levels deep (bundle, input, settings)', async () => {
    const nest = (inner: string) => `${'['.repeat(5000)}${inner}${']'.repeat(5000)}`;
    // A bundle that is complete but for one field nested 5,000 deep, and inputs with the right
    // values wrapped 5,000 deep: both parse with JSON.parse, neither may reach the engine.
    const deepBundle = join(dir, 'deep.proof');
    const text = JSON.stringify({ ...mlp.bundle, proof: { ...mlp.bundle.proof, proof: 'DEEP' } });
    await writeFile(deepBundle, text.replace('"DEEP"', nest('1')));
    const deepInput = join(dir, 'deep-input.json');
    await writeFile(deepInput, nest(mlp.bundle.public.inputs[0].values?.join(',') ?? ''));
    const bundle = await runCli(['verify', deepBundle, '--json']);
    expectCliError(bundle, 'BUNDLE_INVALID', 2);
    expect(bundle.json().error.message).toMatch(/nested more than/);
    const input = await runCli(['prove', mlp.artifacts.dir, '--input', deepInput, '--json']);
    expectCliError(input, 'INPUT_INVALID', 2);
    expect(input.json().error.message).toMatch(/nested more than/);
    const settings = await runCli([
      'verify',
      mlp.bundlePath,
      '--vk',
      mlp.artifacts.path('vk.key'),
      '--settings',
      deepInput,
      '--srs',
      mlp.artifacts.manifest.srs.path,
      '--json',
    ]);
    expectCliError(settings, 'SETTINGS_MISMATCH', 2);
  });

  it('refuses a directory without run.json (exit 2, not EISDIR)', async () => {
    const empty = join(dir, 'not-a-run');
    await mkdir(empty);
    const result = await runCli(['verify', empty, '--json']);
    expectCliError(result, 'BUNDLE_INVALID', 2);
    expect(result.json().error.message).toContain('run.json');
  });
});

describe('prove writes only bundles that verify', () => {
  it('records its self-check time in the bundle', () => {
    expect(mlp.bundle.timings.selfVerify).toBeGreaterThan(0);
  });

  it("takes the layout from the circuit's settings, not the declared ONNX shape", async () => {
    // ReduceMean whose declared output has no shape: EZKL's circuit gives it shape [1].
    const g = new GraphBuilder('reduce_mean');
    const x = g.input('x', [1, 4]);
    g.node('ReduceMean', [x], { axes: [1], keepdims: 0 }, 'mean');
    g.output('mean', [1]);
    const model = g.build();
    const output = model.graph?.output?.[0];
    if (output?.type?.tensorType) output.type.tensorType.shape = null;
    const modelDir = join(dir, 'reduce_mean');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'model.onnx'), onnxProto.onnx.ModelProto.encode(model).finish());
    await writeFile(join(modelDir, 'input.json'), JSON.stringify({ input_data: [[1, 2, 3, 6]] }));
    const out = join(modelDir, 'mean.proof');
    const prove = await runCli([
      'prove',
      join(modelDir, 'model.onnx'),
      '--input',
      join(modelDir, 'input.json'),
      '--out',
      out,
      '--json',
    ]);
    expect(prove.code, prove.stdout + prove.stderr).toBe(0);
    const bundle = JSON.parse(await readFile(out, 'utf8'));
    expect(bundle.public.outputs[0].dims).toEqual(bundle.settings.model_instance_shapes[1]);
    const verify = await runCli(['verify', out, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json().public.outputs[0].values[0]).toBeCloseTo(3, 2);
  });

  it('writes nothing, and fails clearly, when its proof does not verify', async () => {
    // An artifacts copy whose verifier has every 32-byte constant (the key's points, the field's
    // constants) altered in its last byte; its manifest is updated so that only the self-check can
    // notice.
    const copy = join(dir, 'bad-artifacts');
    await cp(mlp.artifacts.dir, copy, { recursive: true });
    const record = JSON.parse(await readFile(join(copy, 'verifier.json'), 'utf8'));
    const code = Buffer.from(record.verifier.deployedBytecode.replace(/^0x/, ''), 'hex');
    let altered = 0;
    for (let pc = 0; pc < code.length; pc++) {
      const op = code[pc] as number;
      if (op === 0x7f) {
        code[pc + 32] = (code[pc + 32] as number) ^ 1;
        altered++;
      }
      if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f;
    }
    expect(altered).toBeGreaterThan(0);
    record.verifier.deployedBytecode = `0x${code.toString('hex')}`;
    const text = JSON.stringify(record);
    await writeFile(join(copy, 'verifier.json'), text);
    const manifest = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8'));
    manifest.files['verifier.json'] = sha256Hex(text);
    await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
    const out = join(dir, 'never.proof');
    await expect(
      proveInference({ target: copy, input: fixtureInput('mlp'), out }),
    ).rejects.toMatchObject({ code: 'SELF_CHECK_FAILED', exitCode: 3 });
    expect(existsSync(out)).toBe(false);
  });
});
