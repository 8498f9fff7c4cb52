import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, keccak256 } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPocomputeError } from '../../src/core/errors.js';
import { bytesToHex } from '../../src/core/bytes.js';
import { BUNDLE_FORMAT, type BundleVerifier } from '../../src/proof/bundleVerifier.js';
import { loadVerifierCode } from '../../src/proof/verifierCache.js';
import { verifyBundleProof } from '../../src/verifier/verifyBundleProof.js';

// EZKL 23.0.5's verifiers and proof of the mlp fixture (test/fixtures/ezkl23/README.md), wrapped
// in the fields of a bundle that verifyBundleProof reads.
const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ezkl23');
const proof = JSON.parse(readFileSync(join(FIX, 'proof.json'), 'utf8'));

let single: BundleVerifier;
let reusable: BundleVerifier;
const bundleWith = (verifier: BundleVerifier, proofJson: unknown = proof) => ({
  format: BUNDLE_FORMAT,
  verifier,
  proof: proofJson,
});
const hashOf = (v: BundleVerifier) => keccak256(v.runtime);
const digestOf = (v: BundleVerifier) => keccak256(concat(v.vka ?? []));

beforeAll(async () => {
  process.env.POCOMPUTE_HOME = mkdtempSync(join(tmpdir(), 'pocompute-verify-proof-test-'));
  const s = await loadVerifierCode(join(FIX, 'v.sol'), { layout: 'single' });
  const r = await loadVerifierCode(join(FIX, 'r.sol'), {
    layout: 'reusable',
    vkaPath: join(FIX, 'vka.bin'),
  });
  single = { layout: 'single', runtime: `0x${bytesToHex(s.runtime)}` };
  reusable = {
    layout: 'reusable',
    runtime: `0x${bytesToHex(r.runtime)}`,
    vka: r.layout === 'reusable' ? r.vka : [],
  };
});

describe('verifyBundleProof (the browser-safe verify path)', () => {
  it('verifies against a pinned code hash, and reports the hash the EVM computed (= keccak256)', async () => {
    const verdict = await verifyBundleProof({
      bundle: bundleWith(single),
      trusted: { codeHash: hashOf(single) },
    });
    expect(verdict).toMatchObject({
      ok: true,
      checkedAgainst: 'pinned-hash',
      verifier: { layout: 'single', codeHash: hashOf(single) },
    });
  });

  it('reusable: verifies against its code hash and VKA digest (= registerVka, keccak256 of the words)', async () => {
    const verdict = await verifyBundleProof({
      bundle: bundleWith(reusable),
      trusted: { codeHash: hashOf(reusable), vkaDigest: digestOf(reusable) },
    });
    expect(verdict).toMatchObject({
      ok: true,
      verifier: { layout: 'reusable', vkaDigest: digestOf(reusable) },
    });
  });

  it('reusable: refuses a pin of the code hash alone, and another VKA digest', async () => {
    const codeOnly = await verifyBundleProof({
      bundle: bundleWith(reusable),
      trusted: { codeHash: hashOf(reusable) },
    });
    expect(codeOnly).toMatchObject({ ok: false, checkedAgainst: 'pinned-hash' });
    expect(codeOnly.reason).toMatch(/pin its vkaDigest too/);
    const other = await verifyBundleProof({
      bundle: bundleWith(reusable),
      trusted: { codeHash: hashOf(reusable), vkaDigest: keccak256('0x01') },
    });
    expect(other.reason).toMatch(/VKA has digest 0x[0-9a-f]{64}, not the pinned/);
  });

  it("refuses a bundle whose verifier is not the caller's, before running it", async () => {
    const verdict = await verifyBundleProof({
      bundle: bundleWith(single),
      trusted: { verifier: { ...single, runtime: `${single.runtime.slice(0, -2)}00` } },
    });
    expect(verdict).toMatchObject({ ok: false, checkedAgainst: 'trusted-verifier' });
    expect(verdict.reason).toMatch(/another verifier than the trusted one/);
  });

  it('turns a malformed bundle or proof into a refusal with a reason', async () => {
    const notBundle = await verifyBundleProof({ bundle: { format: 'pocompute-proof@1' } });
    expect(notBundle).toMatchObject({ ok: false, checkedAgainst: 'bundle-only' });
    expect(notBundle.reason).toMatch(/not a pocompute-proof@2 proof bundle: format/);
    const cut = await verifyBundleProof({
      bundle: bundleWith(reusable, { ...proof, proof: proof.proof.slice(0, -32), hex_proof: null }),
      trusted: { codeHash: hashOf(reusable), vkaDigest: digestOf(reusable) },
    });
    expect(cut).toMatchObject({ ok: false });
    expect(cut.reason).toMatch(/^malformed proof: the proof is \d+ bytes/);
  });

  it('throws OPTION_INVALID for a pin that is not a hash (a caller bug, not a verdict)', async () => {
    const error = await verifyBundleProof({
      bundle: bundleWith(single),
      trusted: { codeHash: 'abc' },
    }).catch((e: unknown) => e);
    expect(isPocomputeError(error, 'OPTION_INVALID')).toBe(true);
  });
});
