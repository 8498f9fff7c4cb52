import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interface } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileSolidity } from '../../src/chain/solc.js';
import { isPocomputeError } from '../../src/core/errors.js';
import { homePaths } from '../../src/core/paths.js';
import { venvPython } from '../../src/engine/managedVenv.js';
import {
  type EvmVerdict,
  type VerifierCode,
  bn254Backend,
  encodeVerifierCalldata,
  runVerifier,
} from '../../src/proof/evm.js';
import {
  EZKL_REUSABLE_VKA_LAYOUT,
  reusableVkaLayout,
  shapeFromSingleVerifier,
  shapeFromVka,
  transcriptLength,
} from '../../src/proof/transcript.js';
import { BN254_P, proofBytesOf, validateProof } from '../../src/proof/validateProof.js';
import {
  type LoadedVerifier,
  loadVerifierCode,
  parseVka,
  verifierCachePath,
} from '../../src/proof/verifierCache.js';
import { BN254_R, feltFromHexLE } from '../../src/proof/felts.js';

// Counts compilations: a warm cache must not reach solc.
vi.mock('../../src/chain/solc.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/chain/solc.js')>();
  return { ...actual, compileSolidity: vi.fn(actual.compileSolidity) };
});

/** EZKL 23.0.5 artifacts of fixtures/mlp (see test/fixtures/ezkl23/README.md). */
const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ezkl23');
const fixture = (name: string) => join(FIX, name);

interface ProofFile {
  instances: string[][];
  proof: number[];
  hex_proof: string;
  [key: string]: unknown;
}
const proofFile: ProofFile = JSON.parse(readFileSync(fixture('proof.json'), 'utf8'));
const PROOF = Uint8Array.from(proofFile.proof);
const INSTANCES = proofFile.instances[0].map(feltFromHexLE);

const readWord = (bytes: Uint8Array, offset: number) =>
  BigInt(`0x${Buffer.from(bytes.subarray(offset, offset + 32)).toString('hex')}`);
const writeWord = (bytes: Uint8Array, offset: number, value: bigint) =>
  bytes.set(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'), offset);

// The mlp proof's transcript: 22 phase points, 48 evaluations, W and W'.
const PHASE_POINTS = [6, 4, 8, 4];
const EVALS_AT = 22 * 64;
const W_AT = EVALS_AT + 48 * 32;

/** The proof with one G1 point replaced by its negation (x, p − y): still on the curve. */
function negatePoint(offset: number): Uint8Array {
  const p = Uint8Array.from(PROOF);
  writeWord(p, offset + 32, BN254_P - readWord(p, offset + 32));
  return p;
}
function flipByte(offset: number, mask = 0x01): Uint8Array {
  const p = Uint8Array.from(PROOF);
  p[offset] ^= mask;
  return p;
}
const withInstance = (i: number, value: bigint) => INSTANCES.map((v, j) => (j === i ? value : v));

let single: LoadedVerifier;
let reusable: LoadedVerifier;
let vka: string[];

beforeAll(async () => {
  process.env.POCOMPUTE_HOME = mkdtempSync(join(tmpdir(), 'pocompute-evm-test-'));
  vka = parseVka(readFileSync(fixture('vka.bin')));
  single = await loadVerifierCode(fixture('v.sol'), { layout: 'single' });
  reusable = await loadVerifierCode(fixture('r.sol'), {
    layout: 'reusable',
    vkaPath: fixture('vka.bin'),
  });
});

const layouts = () =>
  [
    ['single', single],
    ['reusable', reusable],
  ] as const;

async function expectMalformed(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPocomputeError(error, 'BUNDLE_INVALID'), String(error)).toBe(true);
  const e = error as { message: string; hint: string; exitCode: number };
  expect(e.message).toMatch(message);
  expect(e.exitCode).toBe(2);
  expect(e.hint).not.toMatch(/\n/);
}

describe('the proof transcript EZKL 23 verifiers read', () => {
  it('is read from the single verifier source: phases, evaluations, W and W′, 3072 bytes', () => {
    const shape = shapeFromSingleVerifier(readFileSync(fixture('v.sol'), 'utf8'));
    expect(shape).toEqual({
      instanceCount: 7,
      transcript: { phasePoints: PHASE_POINTS, evaluations: 48, openingPoints: 2 },
    });
    expect(transcriptLength(shape.transcript)).toBe(PROOF.length);
  });

  it('is read from the VKA where the reusable verifier source says, and is the same proof', () => {
    expect(reusableVkaLayout(readFileSync(fixture('r.sol'), 'utf8'))).toEqual(
      EZKL_REUSABLE_VKA_LAYOUT,
    );
    expect(shapeFromVka(vka)).toEqual(single.shape);
    expect(reusable.shape).toEqual(single.shape);
  });

  it('refuses a source that is not an EZKL 23 verifier, before solc', async () => {
    const bogus = join(mkdtempSync(join(tmpdir(), 'pocompute-evm-bogus-')), 'x.sol');
    writeFileSync(bogus, 'contract Halo2Verifier { function verifyProof() public {} }');
    await expect(loadVerifierCode(bogus, { layout: 'single' })).rejects.toMatchObject({
      code: 'ARTIFACTS_INVALID',
    });
  });
});

describe('proof bytes and their checks outside the EVM', () => {
  it('reads EZKL’s "proof" byte list and "hex_proof", which must agree', () => {
    expect(proofBytesOf(proofFile)).toEqual(PROOF);
    expect(proofBytesOf({ hex_proof: proofFile.hex_proof })).toEqual(PROOF);
    expect(proofBytesOf({ proof: proofFile.proof })).toEqual(PROOF);
  });

  it('refuses what is not proof bytes, as BUNDLE_INVALID', () => {
    const refused = (value: unknown, message: RegExp) => {
      const error = (() => {
        try {
          proofBytesOf(value);
        } catch (e) {
          return e;
        }
      })();
      expect(isPocomputeError(error, 'BUNDLE_INVALID'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    };
    refused({ ...proofFile, hex_proof: `${proofFile.hex_proof.slice(0, -2)}00` }, /differ/);
    refused({ proof: [1, 256] }, /list of bytes/);
    refused({ proof: 'abc' }, /list of bytes/);
    refused({ hex_proof: '0xabc' }, /hex/);
    refused({}, /no proof bytes/);
    refused(null, /no proof bytes/);
  });

  it('checks the instance count the settings give, without a transcript layout', () => {
    expect(() => validateProof(PROOF, INSTANCES, { instanceCount: 7 })).not.toThrow();
    expect(() => validateProof(PROOF, INSTANCES, { instanceCount: 8 })).toThrow(/expects 8/);
    expect(() => validateProof(PROOF.subarray(1), INSTANCES, {})).toThrow(/32-byte words/);
  });
});

describe('verifier calldata', () => {
  it('single: the canonical ABI encoding — EZKL’s encode_evm_calldata without its trailing zero word', () => {
    const ezkl = readFileSync(fixture('calldata.bin'));
    const ours = encodeVerifierCalldata('single', PROOF, INSTANCES);
    // EZKL 23 appends one 32-byte zero word (an empty VKA slot); the verifier never reads it.
    expect(ezkl.length).toBe(ours.length + 32);
    expect(Buffer.from(ours).equals(ezkl.subarray(0, ours.length))).toBe(true);
    expect(ezkl.subarray(ours.length).every((b) => b === 0)).toBe(true);
    const iface = new Interface(readFileSync(fixture('v.abi'), 'utf8'));
    expect(Buffer.from(ours).toString('hex')).toBe(
      iface.encodeFunctionData('verifyProof', [PROOF, INSTANCES]).slice(2),
    );
  });

  it('reusable: byte-identical to EZKL’s encode_evm_calldata with the VKA', () => {
    const ezkl = readFileSync(fixture('calldata-reusable.bin'));
    const ours = encodeVerifierCalldata('reusable', PROOF, INSTANCES, vka);
    expect(Buffer.from(ours).equals(ezkl)).toBe(true);
    const iface = new Interface(readFileSync(fixture('r.abi'), 'utf8'));
    expect(Buffer.from(ours).toString('hex')).toBe(
      iface.encodeFunctionData('verifyProof', [PROOF, INSTANCES, vka]).slice(2),
    );
  });
});

describe('the compiled-verifier cache', () => {
  it('compiles once per source, as emitEvmVerifier does, and a warm load never reaches solc', async () => {
    const compile = vi.mocked(compileSolidity);
    const before = compile.mock.calls.length;
    const again = await loadVerifierCode(fixture('v.sol'), { layout: 'single' });
    expect(compile.mock.calls.length).toBe(before);
    expect(again.fromCache).toBe(true);
    expect(single.fromCache).toBe(false);
    expect(again.runtime).toEqual(single.runtime);
    expect(again.compilerVersion).toMatch(/^0\.8\.20\+/);
    const path = verifierCachePath(single.sourceSha256);
    expect(path.startsWith(homePaths.evm())).toBe(true);
    const record = JSON.parse(await readFile(path, 'utf8'));
    expect(record).toMatchObject({ layout: 'single', contract: 'Halo2Verifier' });
    // The same bytecode as the deployed contract: same source unit name and settings.
    const deployed = compileSolidity({ 'Verifier.sol': readFileSync(fixture('v.sol'), 'utf8') })
      .contracts.Halo2Verifier.deployedBytecode;
    expect(record.runtime).toBe(deployed);
  });

  it('recompiles over a damaged cache file', async () => {
    const path = verifierCachePath(reusable.sourceSha256);
    await writeFile(path, '{"format":1,"runtime":"0xzz"');
    const reloaded = await loadVerifierCode(fixture('r.sol'), {
      layout: 'reusable',
      vkaPath: fixture('vka.bin'),
    });
    expect(reloaded.fromCache).toBe(false);
    expect(reloaded.runtime).toEqual(reusable.runtime);
    expect(JSON.parse(await readFile(path, 'utf8')).layout).toBe('reusable');
  });
});

describe('runVerifier: EZKL’s Solidity verifier in the in-process EVM', () => {
  it('uses the mcl-wasm BN254 precompiles', async () => {
    expect(await bn254Backend()).toBe('mcl-wasm');
  });

  it('verifies the honest proof, single and reusable + VKA', async () => {
    const s = await runVerifier(single, PROOF, INSTANCES);
    expect(s).toMatchObject({ ok: true });
    const r = await runVerifier(reusable, PROOF, INSTANCES);
    expect(r).toMatchObject({ ok: true });
    if (!s.ok || !r.ok) return;
    expect(s.gasUsed).toBeGreaterThan(200_000n);
    expect(r.gasUsed).toBeGreaterThan(200_000n);
    // The instances rescaled to 18 decimals: EZKL's own pretty_public_inputs.
    const pretty = proofFile.pretty_public_inputs as Record<string, string[][]>;
    const decimals = [...pretty.rescaled_inputs[0], ...pretty.rescaled_outputs[0]].map((d) => {
      const [whole, fraction = ''] = d.replace('-', '').split('.');
      const value = BigInt(whole) * 10n ** 18n + BigInt(fraction.padEnd(18, '0'));
      return d.startsWith('-') ? -value : value;
    });
    expect(r.rescaledInstances).toEqual(decimals);
    // Repeatable, and gas does not depend on what ran before (each call is a fresh transaction).
    expect(await runVerifier(single, PROOF, INSTANCES)).toEqual(s);
  });

  it('verifies concurrent calls one at a time, each with its own verdict', async () => {
    const verdicts = await Promise.all([
      runVerifier(single, PROOF, INSTANCES),
      runVerifier(reusable, flipByte(EVALS_AT + 31), INSTANCES),
      runVerifier(reusable, PROOF, INSTANCES),
    ]);
    expect(verdicts.map((v) => v.ok)).toEqual([true, false, true]);
  });

  const tampered: [string, () => Uint8Array, bigint[]][] = [
    ['the first commitment negated (x, p − y)', () => negatePoint(0), INSTANCES],
    ['a phase-3 commitment negated', () => negatePoint(64 * 12), INSTANCES],
    ['W negated', () => negatePoint(W_AT), INSTANCES],
    ['W′ negated (its last byte changes)', () => negatePoint(W_AT + 64), INSTANCES],
    ['the first evaluation, low bit flipped', () => flipByte(EVALS_AT + 31), INSTANCES],
    ['the last evaluation, a high byte flipped', () => flipByte(W_AT - 30, 0x04), INSTANCES],
    ['two commitments swapped', () => swapPoints(0, 1), INSTANCES],
    ['an instance changed (+1)', () => PROOF, withInstance(3, INSTANCES[3] + 1n)],
    ['an output negated', () => PROOF, withInstance(4, BN254_R - INSTANCES[4])],
    ['two instances swapped', () => PROOF, [INSTANCES[1], INSTANCES[0], ...INSTANCES.slice(2)]],
  ];

  for (const [what, proof, instances] of tampered)
    it(`says invalid (ok: false, no exception): ${what}`, async () => {
      const p = proof();
      for (const [, code] of layouts()) {
        const verdict = await runVerifier(code, p, instances);
        expect(verdict.ok).toBe(false);
        if (!verdict.ok) expect(verdict.reason).toMatch(/revert|false/);
      }
    });

  it('says invalid when a VKA word the proof check reads is changed (the new VKA registers, the pairing fails)', async () => {
    const changeWord = (word: number) =>
      vka.map((w, i) => (i === word ? `0x${(BigInt(w) ^ 1n).toString(16).padStart(64, '0')}` : w));
    // The vk digest, k, ω, a fixed commitment, the packed PCS layout.
    for (const word of [0, 5, 7, 34, 100, 140]) {
      const verdict = await runVerifier({ ...reusable, vka: changeWord(word) }, PROOF, INSTANCES);
      expect(verdict.ok, `VKA word ${word}`).toBe(false);
    }
    // The last word only says how to rescale the instances for the caller (decimals, scales): the
    // proof still verifies, against another digest, and the rescaled values change.
    const last = await runVerifier(
      { ...reusable, vka: changeWord(vka.length - 1) },
      PROOF,
      INSTANCES,
    );
    const honest = await runVerifier(reusable, PROOF, INSTANCES);
    expect(last.ok && honest.ok).toBe(true);
    if (last.ok && honest.ok) expect(last.rescaledInstances).not.toEqual(honest.rescaledInstances);
  });

  it('never says valid for a random byte flip: invalid, or refused as malformed', async () => {
    let seed = 0x5eed;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 12; n++) {
      const p = flipByte(next() % PROOF.length, 1 << (next() % 8));
      const outcome = await runVerifier(single, p, INSTANCES).then(
        (v: EvmVerdict) => (v.ok ? 'valid' : 'invalid'),
        (e: unknown) => (isPocomputeError(e, 'BUNDLE_INVALID') ? 'malformed' : String(e)),
      );
      expect(['invalid', 'malformed']).toContain(outcome);
    }
  });

  describe('refuses a malformed proof before the EVM, as BUNDLE_INVALID (exit 2)', () => {
    const offCurve = () => {
      const p = Uint8Array.from(PROOF);
      writeWord(p, 0, readWord(p, 0) + 1n);
      return p;
    };
    const cases: [string, () => Uint8Array, bigint[], RegExp][] = [
      ['an instance ≥ r', () => PROOF, withInstance(2, BN254_R), /public instance 2 .*scalar/],
      ['a negative instance', () => PROOF, withInstance(0, -1n), /public instance 0/],
      ['one instance too few', () => PROOF, INSTANCES.slice(1), /6 public instances.*expects 7/],
      ['one instance too many', () => PROOF, [...INSTANCES, 1n], /8 public instances/],
      ['a length not a multiple of 32', () => PROOF.subarray(0, 3071), INSTANCES, /32-byte words/],
      ['a truncated proof', () => PROOF.subarray(0, 3008), INSTANCES, /3008 bytes.*reads 3072/],
      [
        'a padded proof',
        () => Uint8Array.from([...PROOF, ...new Uint8Array(32)]),
        INSTANCES,
        /3104 bytes/,
      ],
      ['an empty proof', () => new Uint8Array(0), INSTANCES, /empty/],
      ['a point not on the curve', offCurve, INSTANCES, /commitment 0 of phase 1.*not a point/],
      [
        'the last byte flipped (W′ off the curve)',
        () => flipByte(PROOF.length - 1),
        INSTANCES,
        /opening point W'/,
      ],
      [
        'a coordinate ≥ p (x + p)',
        () => {
          const p = Uint8Array.from(PROOF);
          writeWord(p, 64 * 7, readWord(p, 64 * 7) + BN254_P);
          return p;
        },
        INSTANCES,
        /commitment 1 of phase 2/,
      ],
      [
        'an evaluation ≥ r',
        () => {
          const p = Uint8Array.from(PROOF);
          writeWord(p, EVALS_AT + 32 * 5, readWord(p, EVALS_AT + 32 * 5) + BN254_R);
          return p;
        },
        INSTANCES,
        /evaluation 5 .*≥ r/,
      ],
    ];
    for (const [what, proof, instances, message] of cases)
      it(what, async () => {
        for (const [, code] of layouts())
          await expectMalformed(runVerifier(code, proof(), instances), message);
      });
  });

  it('holds the reusable verifier to the exact length, which it does not check itself', async () => {
    // EZKL's reusable verifier reads what the VKA lays out and ignores trailing bytes: a proof
    // padded with one more (valid) point still verifies there — other bytes, the same proof.
    const padded = Uint8Array.from([...PROOF, ...PROOF.subarray(-64)]);
    const lax = (code: LoadedVerifier): VerifierCode => ({
      ...code,
      shape: { ...code.shape, transcript: { ...code.shape.transcript, openingPoints: 3 } },
    });
    expect((await runVerifier(lax(reusable), padded, INSTANCES)).ok).toBe(true);
    expect((await runVerifier(lax(single), padded, INSTANCES)).ok).toBe(false);
    for (const [, code] of layouts())
      await expectMalformed(runVerifier(code, padded, INSTANCES), /3136 bytes.*reads 3072/);
  });

  it('without a shape, the single verifier itself refuses what it cannot read (a revert)', async () => {
    const bare: VerifierCode = { layout: 'single', runtime: single.runtime };
    expect((await runVerifier(bare, PROOF, INSTANCES)).ok).toBe(true);
    expect((await runVerifier(bare, flipByte(PROOF.length - 1), INSTANCES)).ok).toBe(false);
    expect((await runVerifier(bare, PROOF, INSTANCES.slice(1))).ok).toBe(false);
    await expectMalformed(runVerifier(bare, PROOF, withInstance(0, BN254_R)), /instance 0/);
    // The reusable layout reads its shape from the VKA.
    const { shape: _shape, ...bareReusable } = reusable;
    await expectMalformed(runVerifier(bareReusable, flipByte(PROOF.length - 1), INSTANCES), /W'/);
  });
});

function swapPoints(a: number, b: number): Uint8Array {
  const p = Uint8Array.from(PROOF);
  p.set(PROOF.subarray(64 * b, 64 * b + 64), 64 * a);
  p.set(PROOF.subarray(64 * a, 64 * a + 64), 64 * b);
  return p;
}

// ——— Differential: the same verdicts as EZKL 23's own Rust verifier (Python ezkl.verify) ———

/**
 * A Python with ezkl 23: POCOMPUTE_PYTHON, the managed venv of this home (CI installs it before
 * the tests), else a dev venv at /tmp/ez23.
 */
function ezkl23Python(): string | undefined {
  const candidates = [process.env.POCOMPUTE_PYTHON, venvPython(), '/tmp/ez23/bin/python'].filter(
    (p): p is string => !!p && existsSync(p),
  );
  for (const python of candidates) {
    const run = spawnSync(python, ['-c', 'import ezkl; print(ezkl.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status === 0 && run.stdout.trim().startsWith('23.')) return python;
  }
  return undefined;
}

const PYTHON = ezkl23Python();
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs Python code with ezkl in `cwd`; returns its last stdout line as JSON. */
function python(code: string, cwd: string, home: string): unknown {
  const run = spawnSync(PYTHON!, ['-c', code], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, HOME: home },
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new Error(
      `python failed (status ${run.status}, signal ${run.signal}): ${run.stderr.slice(-2000)}`,
    );
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const SETUP_PY = `
import asyncio, inspect, json, os, sys, ezkl
def run(call):
    async def go():
        value = call()
        return (await value) if inspect.isawaitable(value) else value
    return asyncio.run(go())
ezkl.compile_circuit('model.onnx', 'model.compiled', 'settings.json')
ezkl.gen_srs('k.srs', json.load(open('settings.json'))['run_args']['logrows'])
ezkl.setup('model.compiled', 'vk.key', 'pk.key', 'k.srs', None, False)
run(lambda: ezkl.gen_witness('input.json', 'model.compiled', 'witness.json', None, None))
ezkl.prove('witness.json', 'model.compiled', 'pk.key', 'proof.json', 'k.srs')
run(lambda: ezkl.create_evm_verifier('vk.key', 'settings.json', 'v.sol', 'v.abi', 'k.srs', False))
run(lambda: ezkl.create_evm_verifier('vk.key', 'settings.json', 'r.sol', 'r.abi', 'k.srs', True))
run(lambda: ezkl.create_evm_vka('vk.key', 'settings.json', 'vka.bin', 'k.srs'))
print(json.dumps(True))
sys.stdout.flush()
os._exit(0)  # EZKL's pyo3 runtime can abort during interpreter shutdown (as the worker knows)
`;

const VERIFY_PY = (files: string[]) => `
import json, os, sys, ezkl
out = []
for f in ${JSON.stringify(files)}:
    try:
        out.append(bool(ezkl.verify(f, 'settings.json', 'vk.key', 'k.srs', False)))
    except Exception as e:
        out.append(False)
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
`;

/** svm's solc 0.8.20 for create_evm_verifier, backed by the npm solc (offline). */
async function installSolcShim(home: string): Promise<void> {
  const dir = join(home, '.svm', '0.8.20');
  await mkdir(dir, { recursive: true });
  const solc = createRequire(import.meta.url).resolve('solc');
  const main = join(dir, 'shim.cjs');
  await writeFile(
    main,
    `const solc = require(${JSON.stringify(solc)});
const args = process.argv.slice(2);
if (args.includes('--version')) process.stdout.write('solc, the solidity compiler commandline interface\\nVersion: ' + solc.version() + '\\n');
else process.stdout.write(solc.compile(require('fs').readFileSync(0, 'utf8')));
`,
  );
  const bin = join(dir, 'solc-0.8.20');
  await writeFile(bin, `#!/bin/sh\nexec "${process.execPath}" "${main}" "$@"\n`);
  await chmod(bin, 0o755);
}

const LE = (value: bigint) =>
  (value.toString(16).padStart(64, '0').match(/../g) ?? []).reverse().join('');

describe.skipIf(!PYTHON)(
  `differential against EZKL 23 Python ezkl.verify (${PYTHON ? `with ${PYTHON}` : 'skipped: no Python with ezkl 23 — set POCOMPUTE_PYTHON'})`,
  () => {
    let dir: string;
    let proof: Uint8Array;
    let instances: bigint[];
    let codes: LoadedVerifier[];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pocompute-evm-diff-'));
      const home = join(dir, 'home');
      await installSolcShim(home);
      for (const [from, to] of [
        [join(REPO, 'fixtures', 'mlp', 'model.onnx'), 'model.onnx'],
        [join(REPO, 'fixtures', 'mlp', 'input.json'), 'input.json'],
        [fixture('settings.json'), 'settings.json'],
      ])
        writeFileSync(join(dir, to), readFileSync(from));
      python(SETUP_PY, dir, home);
      const made: ProofFile = JSON.parse(readFileSync(join(dir, 'proof.json'), 'utf8'));
      proof = Uint8Array.from(made.proof);
      instances = made.instances[0].map(feltFromHexLE);
      codes = [
        await loadVerifierCode(join(dir, 'v.sol'), { layout: 'single' }),
        await loadVerifierCode(join(dir, 'r.sol'), {
          layout: 'reusable',
          vkaPath: join(dir, 'vka.bin'),
        }),
      ];
    }, 900_000);

    afterAll(() => rmSync(dir, { recursive: true, force: true })); // a 130 MB proving key

    it('agrees on the honest proof and on tampered and malformed ones', async () => {
      const made: ProofFile = JSON.parse(readFileSync(join(dir, 'proof.json'), 'utf8'));
      const change = (p: Uint8Array, offset: number, f: (v: bigint) => bigint) => {
        const q = Uint8Array.from(p);
        writeWord(q, offset, f(readWord(q, offset)));
        return q;
      };
      const evals = 64 * codes[0].shape.transcript.phasePoints.reduce((a, b) => a + b, 0);
      const cases: [string, Uint8Array, bigint[]][] = [
        ['honest', proof, instances],
        ['commitment negated', change(proof, 32, (y) => BN254_P - y), instances],
        ['evaluation changed', change(proof, evals, (v) => (v + 1n) % BN254_R), instances],
        ['W′ negated', change(proof, proof.length - 32, (y) => BN254_P - y), instances],
        ['instance changed', proof, instances.map((v, i) => (i === 0 ? (v + 1n) % BN254_R : v))],
        ['instances swapped', proof, [instances[1], instances[0], ...instances.slice(2)]],
        ['point off the curve', change(proof, 0, (x) => x + 1n), instances],
        ['last byte flipped', change(proof, proof.length - 32, (y) => y ^ 1n), instances],
        ['instance = r', proof, instances.map((v, i) => (i === 1 ? BN254_R : v))],
      ];
      const files = cases.map(([, p, inst], i) => {
        const file = join(dir, `case-${i}.json`);
        writeFileSync(
          file,
          JSON.stringify({
            ...made,
            proof: Array.from(p),
            hex_proof: `0x${Buffer.from(p).toString('hex')}`,
            instances: [inst.map(LE)],
          }),
        );
        return file;
      });
      const ezkl = python(VERIFY_PY(files), dir, join(dir, 'home')) as boolean[];
      expect(ezkl[0]).toBe(true);
      for (const [i, [what, p, inst]] of cases.entries())
        for (const code of codes) {
          const ours = await runVerifier(code, p, inst).then(
            (v) => v.ok,
            (e: unknown) => {
              if (!isPocomputeError(e, 'BUNDLE_INVALID')) throw e;
              return false;
            },
          );
          expect(ours, `${what} (${code.layout}): EZKL says ${ezkl[i]}`).toBe(ezkl[i]);
        }
    });
  },
);
