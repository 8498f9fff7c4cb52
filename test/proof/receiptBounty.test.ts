import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { codePointSortedJson } from '../../src/core/json.js';
import { circuitLayout } from '../../src/proof/circuitLayout.js';
import { BN254_R, feltHex } from '../../src/proof/felts.js';
import {
  bountyMetricMet,
  inputCommitment,
  provedBountyClaim,
  type Receipt,
  receiptContentsHash,
  receiptSchema,
} from '../../src/proof/receipt.js';
import { checkReceiptFile } from '../../src/verifier/checkReceiptFile.js';
import { describeReceipt } from '../../src/verifier/describeReceipt.js';

const fixture: Receipt = receiptSchema.parse(
  JSON.parse(
    readFileSync(
      join(PACKAGE_ROOT, 'test', 'fixtures', 'receipts', 'mlp-0.1.0.receipt.json'),
      'utf8',
    ),
  ),
);

/** A felt as EZKL writes it: 32 bytes little-endian hex. */
const le = (felt: bigint) =>
  feltHex(((felt % BN254_R) + BN254_R) % BN254_R)
    .slice(2)
    .match(/../g)!
    .reverse()
    .join('');

const METRIC_SCALE = 7;
/** 115 / 2^7: the proved accuracy. */
const METRIC_RAW = 115n;
const WEIGHTS_HASH = 0x1234_5678_9abc_def0_1234n;

/**
 * A synthetic receipt of an evaluation proof: the settings lay out an evaluation circuit with one
 * trainable tensor (k = 1: weights, features and labels hashed; public outputs: a copy of the two
 * weights, of the three evaluation felts, and the metric), and the bounty section is what its
 * instances say. Its proof is the fixture's (it does not verify these instances): only the bounty
 * checks are looked at here.
 */
function bountyReceipt(): Receipt {
  const settings = structuredClone(fixture.settings) as Record<string, any>;
  settings.run_args.input_visibility = { Hashed: { hash_is_public: true, outlets: [] } };
  settings.model_input_scales = [7, 7, 7];
  settings.model_output_scales = [7, 7, METRIC_SCALE];
  settings.model_instance_shapes = [[1, 2], [1, 3], [1]];
  settings.module_sizes = { polycommit: [], poseidon: [0, [3]] };
  const felts = [WEIGHTS_HASH, 11n, 12n, 64n, -32n, 1n, 2n, 3n, METRIC_RAW];
  const instances = felts.map(le);
  const layout = circuitLayout(settings);
  const receipt: Receipt = {
    ...structuredClone(fixture),
    settings,
    input: { commitment: inputCommitment(instances, layout), tensors: [] },
    output: { tensors: [] },
    proof: { ...fixture.proof, instances },
    bounty: {
      chainId: 31337,
      contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      bountyId: '0',
      baseModelSha256: 'a'.repeat(64),
      dataCommitment: 'b'.repeat(64),
      finalWeightsHash: [feltHex(WEIGHTS_HASH)],
      metric: { kind: 'accuracy', value: 115 / 128, target: 0.875, met: true },
      proveTxHash: `0x${'c'.repeat(64)}`,
      proveBlock: 12,
      settleTxHash: `0x${'d'.repeat(64)}`,
      worker: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    },
  };
  receipt.model.settingsSha256 = sha256(toUtf8Bytes(codePointSortedJson(settings))).slice(2);
  return receipt;
}

const bountyChecks = async (receipt: unknown, pinSettings = true) => {
  const r = receipt as Receipt;
  const result = await checkReceiptFile({
    receipt,
    ...(pinSettings ? { settingsHash: r.model.settingsSha256 } : {}),
  });
  return {
    result,
    bounty: result.checks.find((c) => c.name === 'bounty')!,
    payment: result.checks.find((c) => c.name === 'bounty payment')!,
  };
};

describe('the bounty section of a receipt', () => {
  it('is optional: the 0.1.0 fixture still parses, and a bounty receipt parses', () => {
    expect(receiptSchema.safeParse(fixture).success).toBe(true);
    expect(receiptSchema.parse(bountyReceipt()).bounty?.bountyId).toBe('0');
  });

  it('is strict and typed: unknown keys, bad hashes, no weights hash, a non-uint id are refused', () => {
    const bad = (edit: (b: Record<string, any>) => void) => {
      const r = bountyReceipt() as Record<string, any>;
      edit(r.bounty);
      return receiptSchema.safeParse(r).success;
    };
    expect(bad(() => {})).toBe(true);
    expect(bad((b) => (b.extra = 1))).toBe(false);
    expect(bad((b) => (b.metric.extra = 1))).toBe(false);
    expect(bad((b) => (b.finalWeightsHash = []))).toBe(false);
    expect(bad((b) => (b.finalWeightsHash = ['0x12']))).toBe(false);
    expect(bad((b) => (b.baseModelSha256 = `0x${'a'.repeat(64)}`))).toBe(false);
    expect(bad((b) => (b.bountyId = '-1'))).toBe(false);
    expect(bad((b) => (b.metric.kind = 'f1'))).toBe(false);
    expect(bad((b) => (b.worker = '0x70997970C51812dc3A010C7d01b50e0d17dc79c8'))).toBe(false);
    expect(bad((b) => delete b.settleTxHash)).toBe(true);
  });

  it('is in the contents a signature covers', () => {
    const r = bountyReceipt();
    const changed = structuredClone(r);
    changed.bounty!.metric.value = 0.5;
    expect(receiptContentsHash(changed)).not.toBe(receiptContentsHash(r));
  });

  it('reads the final weights hash and the metric from an evaluation layout', () => {
    const r = bountyReceipt();
    const claim = provedBountyClaim(r.proof.instances, circuitLayout(r.settings));
    expect(claim).toEqual({
      finalWeightsHash: [feltHex(WEIGHTS_HASH)],
      metricRaw: METRIC_RAW,
      metricScale: METRIC_SCALE,
      metric: 115 / 128,
    });
    // The mlp's own layout (public inputs) is not an evaluation circuit.
    expect(provedBountyClaim(fixture.proof.instances, circuitLayout(fixture.settings))).toEqual({
      error: expect.stringMatching(/not an evaluation circuit/),
    });
    expect(bountyMetricMet('loss', 0.1, 0.12)).toBe(true);
    expect(bountyMetricMet('loss', 0.13, 0.12)).toBe(false);
    expect(bountyMetricMet('accuracy', 0.9, 0.9)).toBe(true);
    expect(bountyMetricMet('accuracy', 0.8, 0.9)).toBe(false);
  });

  it('checks offline: ok with pinned settings, not checked with its own, the payment not checked without a chain', async () => {
    const pinned = await bountyChecks(bountyReceipt());
    expect(pinned.bounty).toMatchObject({ status: 'ok', ok: true });
    expect(pinned.payment.status).toBe('not-checked');
    expect(pinned.payment.detail).toMatch(/--rpc <url> and --market <address>/);
    expect(pinned.result.trusted.bounty).toBe(false);
    const own = await bountyChecks(bountyReceipt(), false);
    expect(own.bounty.status).toBe('not-checked');
    const rows = describeReceipt(own.result.receipt, own.result.trusted).map((l) => l.label);
    expect(rows).toContain('bounty');
    expect(rows).toContain('bounty metric');
  });

  it('fails a tampered final weights hash', async () => {
    const r = bountyReceipt();
    r.bounty!.finalWeightsHash = [feltHex(WEIGHTS_HASH + 1n)];
    const { bounty, result } = await bountyChecks(r);
    expect(bounty.status).toBe('failed');
    expect(bounty.detail).toMatch(/finalWeightsHash/);
    expect(result.verdict).toBe('invalid');
    // More hashes than the circuit has (k is the settings'), even a prefix of the truth.
    const longer = bountyReceipt();
    longer.bounty!.finalWeightsHash = [feltHex(WEIGHTS_HASH), feltHex(11n)];
    expect((await bountyChecks(longer)).bounty.status).toBe('failed');
  });

  it('fails a tampered metric value, even with its own settings (a contradiction)', async () => {
    const r = bountyReceipt();
    r.bounty!.metric.value = 0.99;
    for (const pin of [true, false]) {
      const { bounty, result } = await bountyChecks(r, pin);
      expect(bounty.status).toBe('failed');
      expect(bounty.detail).toMatch(/metric\.value 0\.99 is not the proved metric 0\.8984375/);
      expect(result.verdict).toBe('invalid');
    }
  });

  it('fails a `met` the value and target contradict, and a target off the metric scale', async () => {
    const missed = bountyReceipt();
    missed.bounty!.metric.target = 0.9375;
    expect((await bountyChecks(missed)).bounty.detail).toMatch(/met is true/);
    const loss = bountyReceipt();
    loss.bounty!.metric.kind = 'loss';
    expect((await bountyChecks(loss)).bounty.status).toBe('failed');
    const offScale = bountyReceipt();
    offScale.bounty!.metric.target = 0.8;
    expect((await bountyChecks(offScale)).bounty.detail).toMatch(/metric's scale/);
  });

  it('fails a bounty and a settlement together, and a verifier on another chain', async () => {
    const both = bountyReceipt();
    both.settlement = {
      chainId: 31337,
      market: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      taskId: '1',
      modelId: '0',
      txHash: `0x${'e'.repeat(64)}`,
      blockNumber: 3,
      worker: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    };
    expect((await bountyChecks(both)).bounty.detail).toMatch(/not both/);
    const chain = bountyReceipt();
    chain.verifier = { ...chain.verifier, chainId: 1 };
    expect((await bountyChecks(chain)).bounty.detail).toMatch(/verifier\.chainId 1/);
  });
});
