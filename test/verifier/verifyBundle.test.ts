import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errorCodes.js';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { bundleKeyMaterial } from '../../src/proof/bundleKeyMaterial.js';
import { BN254_R, feltFromHexLE } from '../../src/proof/felts.js';
import type { CompileResult } from '../../src/proof/artifacts.js';
import type { VerifyBundleResult } from '../../src/proof/checkBundle.js';
import { compileModel } from '../../src/prover/compileModel.js';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import { type VerifyBundleParams, verifyBundle } from '../../src/verifier/verifyBundle.js';
import {
  alterEvaluation,
  fixtureInput,
  fixtureModel,
  provedFixture,
  tempDir,
} from '../helpers/pocompute.js';

/**
 * verifyBundle's decisions, on real material: the mlp fixture proved once by the real EZKL engine
 * (compiled with the optimiser, as `prove` does), and the same model compiled with EZKL's own preset
 * ("resources", unoptimised) — another circuit, so another verifying key and verifier for the same
 * model. Each test edits a copy of the honest bundle and checks the verdict, the checks that fail
 * (by name, in order), and the documented error code and exit code of a refusal.
 */

let mlp: ProveInferenceResult;
/** The mlp compiled with EZKL's preset: the same model, another key. */
let otherKey: CompileResult;
let dir: string;

/** --vk, --settings and --srs of the key the mlp bundle was proved with. */
const trustedFiles = (): Pick<VerifyBundleParams, 'vk' | 'settings' | 'srs'> => ({
  vk: mlp.artifacts.path('vk.key'),
  settings: mlp.artifacts.path('settings.json'),
  srs: mlp.artifacts.manifest.srs.path,
});
/**
 * The three ways to say which key decides: trusted artifacts, trusted files, the bundle's own
 * (options made when a test runs, after beforeAll).
 */
const keySources: [string, () => Omit<VerifyBundleParams, 'bundle'>][] = [
  ['--artifacts', () => ({ artifacts: mlp.artifacts.dir })],
  ['--vk --settings --srs', trustedFiles],
  ["the bundle's own key", () => ({})],
];

beforeAll(async () => {
  mlp = await provedFixture('mlp');
  otherKey = await compileModel({
    model: fixtureModel('mlp'),
    input: fixtureInput('mlp'),
    options: { optimizer: 'off' },
  });
  dir = tempDir('pocompute-verify-bundle-test-');
});

/** A copy of the honest bundle with one edit. */
function forged(edit: (bundle: ProofBundle) => void): ProofBundle {
  const bundle = structuredClone(mlp.bundle);
  edit(bundle);
  return bundle;
}

/** The names of the checks that failed, in the order verifyBundle made them. */
const failed = (result: VerifyBundleResult) =>
  result.checks.filter((c) => !c.ok).map((c) => c.name);
const detailOf = (result: VerifyBundleResult, name: string) =>
  result.checks.find((c) => c.name === name)?.detail ?? `(no "${name}" check)`;

/** What verifyBundle threw; fails the test if it returned a verdict or threw anything else. */
async function refusal(
  params: VerifyBundleParams,
  code: ErrorCode,
  exitCode: number,
): Promise<PocomputeError> {
  const outcome = await verifyBundle(params).then(
    (verdict) => ({ verdict }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome))
    throw new Error(`expected ${code}, got a verdict: ${JSON.stringify(outcome.verdict.checks)}`);
  expect(outcome.error).toBeInstanceOf(PocomputeError);
  expect(outcome.error).toMatchObject({ code, exitCode });
  return outcome.error as PocomputeError;
}

/** A field element as EZKL writes an instance: 32 bytes little-endian hex. */
const feltHexLE = (value: bigint) =>
  (value.toString(16).padStart(64, '0').match(/../g) ?? []).reverse().join('');

/** The index of the first output instance (public inputs, then public outputs). */
const firstOutputInstance = (bundle: ProofBundle) =>
  bundle.public.inputs.reduce((n, t) => n + (t.values?.length ?? 0), 0);

/** Adds 1.0 to the first output's instance (its felt + 2^scale): a valid felt, another value. */
function shiftFirstOutputInstance(bundle: ProofBundle): void {
  const scale = (bundle.settings.model_output_scales as number[])[0];
  const row = bundle.proof.instances[0];
  const at = firstOutputInstance(bundle);
  row[at] = feltHexLE(feltFromHexLE(row[at]) + 2n ** BigInt(scale));
}

describe('verifyBundle: an honest bundle', () => {
  it('is valid against the trusted artifacts: four checks pass, values and model come from the trusted side', async () => {
    const result = await verifyBundle({ bundle: mlp.bundlePath, artifacts: mlp.artifacts.dir });
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['verifying key', true],
      ['proof', true],
      ['public values', true],
      ['bundle fields', true],
    ]);
    expect(result.valid).toBe(true);
    expect(detailOf(result, 'proof')).toMatch(
      /^verifies \(EZKL single Solidity verifier, in-process EVM, \d+ gas\)$/,
    );
    expect(result).toMatchObject({
      keySource: 'artifacts',
      srsSource: 'artifacts',
      srsOrigin: mlp.artifacts.manifest.srs.origin,
      model: {
        name: mlp.artifacts.manifest.model.name,
        sha256: mlp.artifacts.manifest.model.sha256,
      },
    });
    expect(result.public).toEqual(mlp.bundle.public);
    expect(result.public.outputs[0].values).toHaveLength(3);
  });

  it('gives the same verdict for the bundle read from its file or passed as an object, with artifacts by path or opened', async () => {
    const fromFile = await verifyBundle({ bundle: mlp.bundlePath, artifacts: mlp.artifacts.dir });
    const fromObject = await verifyBundle({
      bundle: structuredClone(mlp.bundle),
      artifacts: mlp.artifacts,
    });
    expect(fromObject).toEqual(fromFile);
    expect(fromObject.valid).toBe(true);
  });

  it("verifies the bundle's bare EZKL proof with --artifacts, and refuses it without (USAGE, exit 2)", async () => {
    const path = join(dir, 'bare-proof.json');
    await writeFile(path, JSON.stringify(mlp.bundle.proof));
    const result = await verifyBundle({ bundle: path, artifacts: mlp.artifacts.dir });
    expect(result.valid).toBe(true);
    expect(result.public.outputs[0].values).toEqual(mlp.bundle.public.outputs[0].values);
    const error = await refusal({ bundle: path }, 'USAGE', 2);
    expect(error.message).toMatch(/is a bare EZKL proof: pass --artifacts/);
  });
});

describe('verifyBundle: tampering is caught', () => {
  it.each(keySources)(
    'a changed proof byte (an evaluation: well formed, wrong) fails only the proof check, with %s',
    async (_, key) => {
      const result = await verifyBundle({
        bundle: forged((b) => alterEvaluation(b.proof as never)),
        ...key(),
      });
      expect(result.valid).toBe(false);
      expect(failed(result)).toEqual(['proof']);
      expect(detailOf(result, 'proof')).toMatch(/^the verifier rejects it/);
    },
  );

  it('a flipped byte in a commitment is a malformed proof: BUNDLE_INVALID (exit 2) naming the point', async () => {
    const bundle = forged((b) => {
      const bytes = b.proof.proof as number[];
      bytes[100] ^= 1;
      b.proof.hex_proof = `0x${Buffer.from(bytes).toString('hex')}`;
    });
    const error = await refusal({ bundle, artifacts: mlp.artifacts.dir }, 'BUNDLE_INVALID', 2);
    expect(error.message).toMatch(
      /commitment 1 of phase 1 \(bytes 64–127\) is not a point of BN254's G1/,
    );
  });

  it('a proof cut short by one word, or whose two copies of the bytes differ: BUNDLE_INVALID (exit 2)', async () => {
    const cut = forged((b) => {
      const bytes = (b.proof.proof as number[]).slice(0, -32);
      b.proof.proof = bytes;
      b.proof.hex_proof = `0x${Buffer.from(bytes).toString('hex')}`;
    });
    const short = await refusal({ bundle: cut, artifacts: mlp.artifacts.dir }, 'BUNDLE_INVALID', 2);
    expect(short.message).toMatch(
      /^malformed proof: the proof is \d+ bytes, where the verifier reads/,
    );
    const twoCopies = forged((b) => {
      (b.proof.proof as number[])[40] ^= 1;
    });
    const differ = await refusal({ bundle: twoCopies }, 'BUNDLE_INVALID', 2);
    expect(differ.message).toMatch(/"proof" and "hex_proof" are different bytes/);
  });

  it.each(keySources)(
    'a changed public instance, with every stated value changed to match, fails only the proof check, with %s',
    async (_, key) => {
      const bundle = forged((b) => {
        shiftFirstOutputInstance(b);
        b.public.outputs[0].values = (b.public.outputs[0].values ?? []).map((v, i) =>
          i === 0 ? v + 1 : v,
        );
        b.proof.pretty_public_inputs = null;
      });
      const result = await verifyBundle({ bundle, ...key() });
      expect(result.valid).toBe(false);
      expect(failed(result)).toEqual(['proof']);
      // What is reported is read from the (tampered) instances: the proof's values, not a guess.
      expect(result.public.outputs[0].values?.[0]).toBe(
        (mlp.bundle.public.outputs[0].values?.[0] ?? Number.NaN) + 1,
      );
    },
  );

  it('a changed public instance alone also disagrees with the stated values and EZKL’s readable copy, naming both', async () => {
    const result = await verifyBundle({
      bundle: forged(shiftFirstOutputInstance),
      artifacts: mlp.artifacts.dir,
    });
    expect(failed(result)).toEqual(['proof', 'public values']);
    expect(detailOf(result, 'public values')).toContain('public.outputs[0].values');
    expect(detailOf(result, 'public values')).toContain(
      'proof.pretty_public_inputs.rescaled_outputs[0]',
    );
  });

  it.each(keySources)(
    'a changed output value (the proof untouched) fails only the public values check, and the proved value is reported, with %s',
    async (_, key) => {
      const bundle = forged((b) => {
        (b.public.outputs[0].values as number[])[0] += 1;
      });
      const result = await verifyBundle({ bundle, ...key() });
      expect(result.valid).toBe(false);
      expect(failed(result)).toEqual(['public values']);
      expect(detailOf(result, 'public values')).toContain('public.outputs[0].values');
      expect(result.public.outputs[0].values).toEqual(mlp.bundle.public.outputs[0].values);
    },
  );

  it("a changed value in EZKL's readable copy (pretty_public_inputs) fails the public values check, naming the field", async () => {
    const bundle = forged((b) => {
      const rows = b.proof.pretty_public_inputs?.rescaled_outputs as string[][];
      rows[0][0] = String(Number(rows[0][0]) + 1);
    });
    const result = await verifyBundle({ bundle, artifacts: mlp.artifacts.dir });
    expect(failed(result)).toEqual(['public values']);
    expect(detailOf(result, 'public values')).toContain(
      'proof.pretty_public_inputs.rescaled_outputs[0]',
    );
  });
});

describe('verifyBundle: the key the bundle claims and the key that decides', () => {
  it("a wrong model hash is refused against the artifacts (which report their own); --vk and the bundle's own key cannot check it, and say so", async () => {
    const other = `${'ab'.repeat(32)}`;
    const bundle = forged((b) => {
      b.model.sha256 = other;
    });
    const trusted = await verifyBundle({ bundle, artifacts: mlp.artifacts.dir });
    expect(failed(trusted)).toEqual(['bundle fields']);
    expect(detailOf(trusted, 'bundle fields')).toContain('model.sha256');
    expect(trusted.model?.sha256).toBe(mlp.artifacts.manifest.model.sha256);

    const byFiles = await verifyBundle({ bundle, ...trustedFiles() });
    expect(byFiles.valid).toBe(true);
    expect(byFiles.model).toBeUndefined();
    expect(byFiles.warnings.join(' ')).toMatch(/model name and hash are not checked/);

    const own = await verifyBundle({ bundle });
    expect(own.valid).toBe(true);
    expect(own.model?.sha256).toBe(other);
    expect(own.warnings.join(' ')).toMatch(/not that it is for a model you trust/);
  });

  it('a bundle claiming another verifying key (artifacts.vkSha256) fails the verifying key check against a trusted key; its proof still verifies', async () => {
    const bundle = forged((b) => {
      b.artifacts.vkSha256 = otherKey.manifest.files['vk.key'];
    });
    for (const key of [{ artifacts: mlp.artifacts.dir }, trustedFiles()]) {
      const result = await verifyBundle({ bundle, ...key });
      expect(failed(result)).toEqual(['verifying key']);
      expect(detailOf(result, 'verifying key')).toMatch(/is not the key the bundle was made with/);
    }
    // The bundle's own key has no key to compare it with: there is no verifying key check.
    const own = await verifyBundle({ bundle });
    expect(own.checks.map((c) => c.name)).not.toContain('verifying key');
  });

  it("a bundle carrying another key's verifier: a trusted key's verifier decides (and names the field); the bundle's own key runs the carried one, which rejects", async () => {
    const { verifier } = await bundleKeyMaterial(otherKey);
    expect(verifier.runtime).not.toBe(mlp.bundle.verifier.runtime);
    const bundle = forged((b) => {
      b.verifier = verifier;
    });
    for (const key of [{ artifacts: mlp.artifacts.dir }, trustedFiles()]) {
      const result = await verifyBundle({ bundle, ...key });
      expect(failed(result)).toEqual(['bundle fields']);
      expect(detailOf(result, 'bundle fields')).toContain('verifier (not the trusted verifier)');
    }
    const own = await verifyBundle({ bundle });
    expect(failed(own)).toEqual(['proof']);
    expect(detailOf(own, 'proof')).toMatch(/^the verifier rejects it/);
  });

  it("an honest proof checked against another key of the same model: that key's verifier rejects it", async () => {
    const byArtifacts = await verifyBundle({ bundle: mlp.bundle, artifacts: otherKey.dir });
    const byFiles = await verifyBundle({
      bundle: mlp.bundle,
      vk: otherKey.path('vk.key'),
      settings: otherKey.path('settings.json'),
      srs: otherKey.manifest.srs.path,
    });
    for (const result of [byArtifacts, byFiles]) {
      expect(result.valid).toBe(false);
      expect(failed(result)).toEqual(['verifying key', 'proof', 'bundle fields']);
      expect(detailOf(result, 'proof')).toMatch(/^the verifier rejects it/);
      expect(detailOf(result, 'bundle fields')).toMatch(/artifacts\.logrows .*settings/);
    }
  });
});

describe('verifyBundle: trust options, and the verdict says which key it used', () => {
  it("the bundle's own key: keySource and SRS are the bundle's, and the verdict warns it shows self-consistency only", async () => {
    const result = await verifyBundle({ bundle: mlp.bundlePath });
    expect(result.valid).toBe(true);
    expect(result).toMatchObject({
      keySource: 'bundled',
      srsSource: 'bundled',
      srsOrigin: mlp.bundle.srs.origin,
      model: mlp.bundle.model,
    });
    expect(result.checks.map((c) => c.name)).toEqual(['proof', 'public values', 'bundle fields']);
    expect(detailOf(result, 'bundle fields')).toContain('self-consistency only');
    expect(result.warnings[0]).toMatch(/^Verified with the verifier inside the bundle/);
  });

  it('--vk + --settings + --srs: keySource trusted-file, SRS from the file, tensors named by position, no model', async () => {
    const result = await verifyBundle({ bundle: mlp.bundlePath, ...trustedFiles() });
    expect(result.valid).toBe(true);
    expect(result).toMatchObject({
      keySource: 'trusted-file',
      srsSource: 'file',
      srsOrigin: 'file',
    });
    expect(result.model).toBeUndefined();
    expect(result.public.inputs.map((t) => t.name)).toEqual(['input_0']);
    expect(result.public.outputs.map((t) => t.name)).toEqual(['output_0']);
    expect(result.public.outputs[0].values).toEqual(mlp.bundle.public.outputs[0].values);
    const warnings = result.warnings.join(' ');
    expect(warnings).toMatch(/--vk\/--settings name no model/);
    expect(warnings).not.toMatch(/inside the bundle|bundle's own verifier/);
  });

  it("the SRS origin is the trusted artifacts' (a claim of another is named); only the bundle's own key reports the bundle's claim", async () => {
    const bundle = forged((b) => {
      b.srs.origin = 'public-download';
    });
    const trusted = await verifyBundle({ bundle, artifacts: mlp.artifacts.dir });
    expect(trusted.srsOrigin).toBe(mlp.artifacts.manifest.srs.origin);
    expect(failed(trusted)).toEqual(['bundle fields']);
    expect(detailOf(trusted, 'bundle fields')).toContain('srs.origin');
    const own = await verifyBundle({ bundle });
    expect(own).toMatchObject({ valid: true, srsSource: 'bundled', srsOrigin: 'public-download' });
  });

  it("outputs rescaled together with the bundle's own settings pass the bundle's own key (self-consistency) but no trusted key, which reports the proved values", async () => {
    const bundle = forged((b) => {
      const scales = b.settings.model_output_scales as number[];
      b.settings.model_output_scales = [scales[0] - 4];
      b.public.outputs[0].values = (b.public.outputs[0].values ?? []).map((v) => v * 16);
      b.proof.pretty_public_inputs = null;
    });
    const own = await verifyBundle({ bundle });
    expect(own.valid).toBe(true);
    expect(own.public.outputs[0].values).toEqual(bundle.public.outputs[0].values);
    for (const key of [{ artifacts: mlp.artifacts.dir }, trustedFiles()]) {
      const result = await verifyBundle({ bundle, ...key });
      expect(failed(result)).toEqual(['public values', 'bundle fields']);
      expect(detailOf(result, 'bundle fields')).toContain('settings (not the trusted settings)');
      expect(result.public.outputs[0].values).toEqual(mlp.bundle.public.outputs[0].values);
    }
  });

  it.each<[string, Omit<VerifyBundleParams, 'bundle'>, RegExp]>([
    ['--artifacts with --vk', { artifacts: '/x', vk: '/x' }, /--artifacts already holds the key/],
    ['--artifacts with --settings', { artifacts: '/x', settings: '/x' }, /--artifacts already/],
    ['--vk alone', { vk: '/x' }, /--vk needs --settings/],
    ['--vk --settings without --srs', { vk: '/x', settings: '/x' }, /--vk needs --srs/],
    ['--settings without --vk', { settings: '/x' }, /--settings goes with --vk/],
    ['--srs without --vk', { srs: '/x' }, /--srs goes with --vk and --settings/],
  ])('refuses %s before reading anything (USAGE, exit 2)', async (_, options, message) => {
    // The bundle path does not exist: a refusal that read it first would be another error.
    const error = await refusal({ bundle: join(dir, 'missing.proof'), ...options }, 'USAGE', 2);
    expect(error.message).toMatch(message);
  });
});

describe('verifyBundle: malformed bundles are refused with their documented code', () => {
  it('a missing field, or a value of the wrong type or not finite: BUNDLE_INVALID (exit 2) naming it', async () => {
    const missing = await refusal(
      {
        bundle: forged((b) => {
          delete (b as Partial<ProofBundle>).verifier;
        }),
      },
      'BUNDLE_INVALID',
      2,
    );
    expect(missing.message).toMatch(/not a pocompute proof bundle: verifier: Required/);
    const wrongType = await refusal(
      { bundle: forged((b) => Object.assign(b.public.outputs[0], { dims: 'three' })) },
      'BUNDLE_INVALID',
      2,
    );
    expect(wrongType.message).toContain('public.outputs.0.dims');
    const infinite = await refusal(
      {
        bundle: forged((b) => {
          (b.public.outputs[0].values as number[])[0] = Number.POSITIVE_INFINITY;
        }),
        artifacts: mlp.artifacts.dir,
      },
      'BUNDLE_INVALID',
      2,
    );
    expect(infinite.message).toContain('public.outputs.0.values.0');
  });

  it('a truncated bundle file, and a staged bundle given as a bundle: BUNDLE_INVALID (exit 2)', async () => {
    const text = JSON.stringify(mlp.bundle);
    const truncated = join(dir, 'truncated.proof');
    await writeFile(truncated, text.slice(0, Math.floor(text.length / 2)));
    await refusal({ bundle: truncated }, 'BUNDLE_INVALID', 2);
    const staged = join(dir, 'staged.proof');
    await writeFile(staged, JSON.stringify({ format: 'pocompute-staged-proof@2', stages: [] }));
    const error = await refusal({ bundle: staged }, 'BUNDLE_INVALID', 2);
    expect(error.message).toMatch(/is a staged proof bundle/);
  });

  it('a bundle of the previous format or another EZKL release: BUNDLE_OUTDATED (exit 2), never checked', async () => {
    const formatOne = await refusal(
      {
        bundle: forged((b) =>
          Object.assign(b, { format: 'pocompute-proof@1', ezklVersion: undefined }),
        ),
      },
      'BUNDLE_OUTDATED',
      2,
    );
    expect(formatOne.message).toMatch(/was proved with EZKL 21\.0\.0/);
    const otherRelease = await refusal(
      {
        bundle: forged((b) => Object.assign(b, { ezklVersion: '22.0.0' })),
        artifacts: mlp.artifacts.dir,
      },
      'BUNDLE_OUTDATED',
      2,
    );
    expect(otherRelease.message).toMatch(/was proved with EZKL 22\.0\.0/);
  });

  it('a public instance that is not a BN254 field element: BUNDLE_INVALID (exit 2)', async () => {
    for (const felt of [feltHexLE(BN254_R + 5n), 'zz'.repeat(32)]) {
      const bundle = forged((b) => {
        b.proof.instances[0][0] = felt;
      });
      await refusal({ bundle, artifacts: mlp.artifacts.dir }, 'BUNDLE_INVALID', 2);
      await refusal({ bundle }, 'BUNDLE_INVALID', 2);
    }
  });

  it("an instance count that is not the circuit's is a verdict, not an error: the proof is not run", async () => {
    const bundle = forged((b) => {
      b.proof.instances[0] = b.proof.instances[0].slice(0, -1);
    });
    const count = mlp.bundle.proof.instances[0].length;
    const result = await verifyBundle({ bundle, artifacts: mlp.artifacts.dir });
    expect(failed(result)).toEqual(['proof', 'public values']);
    expect(detailOf(result, 'proof')).toBe("not checked: its instances are not the circuit's");
    expect(detailOf(result, 'public values')).toContain(
      `the proof has ${count - 1} instances, the circuit's settings lay out ${count}`,
    );
    expect(result.public).toEqual({ inputs: [], outputs: [] });
  });

  it('a bundle stating hashed params is refused (BUNDLE_INVALID, exit 2): the weights must be fixed', async () => {
    const error = await refusal(
      {
        bundle: forged((b) => {
          Object.assign(b.options, { paramVisibility: 'hashed' });
        }),
      },
      'BUNDLE_INVALID',
      2,
    );
    expect(error.message).toContain('paramVisibility');
  });
});
