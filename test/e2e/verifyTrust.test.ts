import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openChain } from '../../src/chain/chainContext.js';
import { sha256Hex } from '../../src/core/files.js';
import { BN254_R } from '../../src/proof/felts.js';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
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
 * What `verify` trusts, against the attacks of issue 8 ("forged outputs pass with a trusted key"),
 * each played against the real engine: values come from the trusted key material and the proof's
 * instances, weights are bound by the key, and `verify --onchain` runs the same checks.
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

/** The relabelling: inputs declared private, outputs read from the input instances. */
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

  it("verifies against another compilation of the same circuit: the bundle's artifacts key is its prover's label", async () => {
    // Another calibration sample of one circuit is another artifacts key with the very same
    // verifying key and settings (a training run compiles its step on each batch).
    const path = await forged('relabelled.proof', (b) => (b.artifacts.key = 'f00dfeedf00dfeed'));
    const result = await runCli(['verify', path, ...trustedArgs(), '--json']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.json().valid).toBe(true);
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
