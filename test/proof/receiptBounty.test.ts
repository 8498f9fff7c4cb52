import { Phase } from '../../src/chain/generated/contracts.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Contract, hexlify, Interface, type Provider, sha256, toUtf8Bytes } from 'ethers';
import { createBountyReceipt } from '../../src/market/bountyReceipt.js';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { proofBytesOf } from '../../src/proof/validateProof.js';
import { pocomputeBountiesAbi, pocomputeMarketAbi } from '../../src/chain/generated/contracts.js';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { codePointSortedJson } from '../../src/core/json.js';
import { circuitLayout } from '../../src/proof/circuitLayout.js';
import { BN254_R, feltFromHexLE, feltHex } from '../../src/proof/felts.js';
import { prepareVerifierEvm } from '../../src/proof/evm.js';
import {
  bountyMetricMet,
  inputCommitment,
  provedBountyClaim,
  type Receipt,
  receiptContentsHash,
  receiptSchema,
} from '../../src/proof/receipt.js';
import { checkReceipt } from '../../src/verifier/checkReceipt.js';
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

// ---------------------------------------------------------------- the chain, faked

const bountiesAbi = new Interface(pocomputeBountiesAbi);
const marketAbi = new Interface(pocomputeMarketAbi);
const MARKET = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const OTHER = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0';
const PROVE_TX = `0x${'c'.repeat(64)}`;
const SETTLE_TX = `0x${'d'.repeat(64)}`;

interface FakeChain {
  phase: number;
  worker: string;
  metricValue: bigint;
  dataCommitment: string;
  metric: number;
  target: bigint;
  proof: string;
  instances: bigint[];
  provedMetric: bigint;
  settledPhase: number;
}

/** The chain a paid bounty leaves, as a Provider answering the calls checkReceipt makes. */
function fakeChain(receipt: Receipt, edit: (c: FakeChain) => void = () => {}): Provider {
  const b = receipt.bounty!;
  const c: FakeChain = {
    phase: Phase.indexOf('Paid'),
    worker: b.worker,
    metricValue: METRIC_RAW,
    dataCommitment: `0x${b.dataCommitment}`,
    metric: 1,
    target: 112n,
    proof: receipt.proof.bytes,
    instances: receipt.proof.instances.map(feltFromHexLE),
    provedMetric: METRIC_RAW,
    settledPhase: Phase.indexOf('Paid'),
  };
  edit(c);
  const zero = `0x${'0'.repeat(64)}`;
  const log = (name: string, values: unknown[]) => ({
    address: b.contract,
    ...bountiesAbi.encodeEventLog(name, values),
  });
  const txs: Record<string, { data: string; logs: ReturnType<typeof log>[] }> = {
    [PROVE_TX]: {
      data: bountiesAbi.encodeFunctionData('proveMetric', [0n, c.proof, c.instances]),
      logs: [log('MetricProved', [0n, c.provedMetric, true, [11n, 12n]])],
    },
    [SETTLE_TX]: {
      data: bountiesAbi.encodeFunctionData('settle', [0n]),
      logs: [log('BountySettled', [0n, c.settledPhase, c.worker, 10n ** 18n])],
    },
  };
  /** A function's struct result: the given fields, every other one a zero of its type. */
  const struct = (abi: Interface, name: string, fields: Record<string, unknown>) => {
    const components = abi.getFunction(name)!.outputs[0].components!;
    const zeroOf = (type: string) =>
      type === 'address'
        ? OTHER
        : type === 'bytes32'
          ? zero
          : type === 'string'
            ? ''
            : type === 'bool'
              ? false
              : 0;
    return abi.encodeFunctionResult(name, [
      components.map((p) => (p.name in fields ? fields[p.name] : zeroOf(p.type))),
    ]);
  };
  const answer = (to: string, data: string): string => {
    if (to.toLowerCase() === MARKET.toLowerCase())
      return struct(marketAbi, 'getModel', {
        verifier: OTHER,
        vkHash: `0x${receipt.model.vkSha256}`,
        verifierCodeHash: receipt.verifier.codeHash,
        metadataURI: `pocompute-eval#${receipt.model.onnxSha256}`,
      });
    const call = bountiesAbi.parseTransaction({ data })!;
    if (call.name === 'market') return bountiesAbi.encodeFunctionResult('market', [MARKET]);
    if (call.name === 'getBounty')
      return struct(bountiesAbi, 'getBounty', {
        phase: c.phase,
        worker: c.worker,
        metricValue: c.metricValue,
      });
    if (call.name === 'getTerms')
      return struct(bountiesAbi, 'getTerms', {
        baseModelSha256: `0x${'a'.repeat(64)}`,
        dataCommitment: c.dataCommitment,
        metric: c.metric,
        target: c.target,
        evalModelId: 1n,
      });
    throw new Error(`unexpected call ${call.name}`);
  };
  return {
    getNetwork: async () => ({ chainId: 31337n }),
    getCode: async () => '0x6001',
    call: async (tx: { to: string; data: string }) => answer(tx.to, tx.data),
    getTransaction: async (hash: string) =>
      txs[hash] ? { to: b.contract, data: txs[hash].data } : null,
    getTransactionReceipt: async (hash: string) =>
      txs[hash]
        ? {
            status: 1,
            blockNumber: hash === PROVE_TX ? 12 : 17,
            logs: txs[hash].logs,
          }
        : null,
  } as unknown as Provider;
}

const onChain = async (receipt: Receipt, rpc: Provider, market: string | null = MARKET) => {
  prepareVerifierEvm();
  const result = await checkReceipt({
    receipt,
    rpc,
    ...(market ? { market } : {}),
    settingsSha256: receipt.model.settingsSha256,
  });
  return {
    result,
    bounty: result.checks.find((c) => c.name === 'bounty')!,
    payment: result.checks.find((c) => c.name === 'bounty payment')!,
  };
};

describe('the bounty payment, checked on a (fake) chain', () => {
  it("is ok for the pinned market, not checked for the receipt's own contract", async () => {
    const r = bountyReceipt();
    const pinned = await onChain(r, fakeChain(r));
    expect(pinned.payment).toMatchObject({ status: 'ok' });
    expect(pinned.payment.detail).toMatch(
      /bounty 0 paid to 0x7099.* by the bounty contract of the trusted market/,
    );
    expect(pinned.result.trusted.bounty).toBe(true);
    const own = await onChain(r, fakeChain(r), null);
    expect(own.payment.status).toBe('not-checked');
    expect(own.result.warnings.join()).toMatch(/Pin the market you trust/);
    const other = await onChain(r, fakeChain(r), OTHER);
    expect(other.payment.status).toBe('failed');
    expect(other.payment.detail).toMatch(/not the trusted market/);
  });

  it('fails what the chain contradicts', async () => {
    const r = bountyReceipt();
    const failed = async (edit: (c: FakeChain) => void, detail: RegExp) => {
      const { payment, result } = await onChain(r, fakeChain(r, edit));
      expect(payment.status).toBe('failed');
      expect(payment.detail).toMatch(detail);
      expect(result.verdict).toBe('invalid');
    };
    await failed((c) => (c.phase = Phase.indexOf('Met')), /is met on the contract, not paid/);
    await failed((c) => (c.worker = OTHER), /worker is 0x9fE4/);
    await failed((c) => (c.dataCommitment = `0x${'f'.repeat(64)}`), /dataCommitment/);
    await failed((c) => (c.metric = 0), /metric\.kind/);
    await failed((c) => (c.target = 120n), /metric\.target is not the terms' target \(0\.9375\)/);
    await failed((c) => (c.metricValue = 100n), /metric the contract recorded/);
    await failed((c) => (c.proof = `${c.proof.slice(0, -2)}00`), /another proof/);
    await failed(
      (c) => (c.instances = [...c.instances.slice(0, -1), 116n]),
      /instances are not the receipt's/,
    );
    await failed((c) => (c.provedMetric = 116n), /MetricProved event's metric/);
    await failed((c) => (c.settledPhase = Phase.indexOf('Refunded')), /settleTxHash/);
  });

  it('fails a receipt whose claims the chain contradicts', async () => {
    const block = bountyReceipt();
    block.bounty!.proveBlock = 13;
    expect((await onChain(block, fakeChain(block))).payment.detail).toMatch(/proveBlock 13/);
    const base = bountyReceipt();
    base.bounty!.baseModelSha256 = 'e'.repeat(64);
    expect((await onChain(base, fakeChain(base))).payment.detail).toMatch(/baseModelSha256/);
    const tx = bountyReceipt();
    tx.bounty!.proveTxHash = `0x${'9'.repeat(64)}`;
    expect((await onChain(tx, fakeChain(tx))).payment.detail).toMatch(/no transaction/);
    const chain = bountyReceipt();
    chain.bounty!.chainId = 1;
    expect((await onChain(chain, fakeChain(chain))).payment.detail).toMatch(/serves chain 31337/);
    // A tampered metric is the offline check's: it fails even when the payment checks.
    const metric = bountyReceipt();
    metric.bounty!.metric.value = 0.99;
    const tampered = await onChain(metric, fakeChain(metric));
    expect(tampered.bounty.status).toBe('failed');
    expect(tampered.result.verdict).toBe('invalid');
  });
});

// ---------------------------------------------------------------- createBountyReceipt's refusals

describe('createBountyReceipt', () => {
  const proof = JSON.parse(
    readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'ezkl23', 'proof.json'), 'utf8'),
  );
  const bundle = { proof } as unknown as ProofBundle;
  const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

  /** A bounty contract as createBountyReceipt reads it: bounty 0 in `phase`, proved by `sent`. */
  function fakeBounties(phase: number, sent: { proof: string; instances: bigint[] }) {
    const data = bountiesAbi.encodeFunctionData('proveMetric', [0n, sent.proof, sent.instances]);
    const zero = `0x${'0'.repeat(64)}`;
    return {
      runner: {
        provider: {
          getTransaction: async () => ({ to: CONTRACT, data }),
          getNetwork: async () => ({ chainId: 31337n }),
        },
      },
      getAddress: async () => CONTRACT,
      interface: bountiesAbi,
      filters: { MetricProved: () => 'proved', BountySettled: () => 'settled' },
      queryFilter: async (filter: string) =>
        filter === 'proved' ? [{ transactionHash: PROVE_TX, blockNumber: 12 }] : [],
      bountyCount: async () => 1n,
      getBounty: async () => ({
        phase,
        requester: OTHER,
        worker: OTHER,
        reward: 0n,
        steps: 1,
        revealDeadline: 0,
        proveDeadline: 0,
        challengeEnd: 0,
        openChallenges: 0,
        metricValue: 0n,
      }),
      getTerms: async () => ({
        metric: 1,
        target: 0n,
        maxSteps: 1,
        stepModelId: 0n,
        evalModelId: 1n,
        baseModelSha256: zero,
        dataCommitment: zero,
        commitDeadline: 0,
        workerBond: 0n,
        challengerBond: 0n,
      }),
    } as unknown as Contract;
  }
  const honest = {
    proof: hexlify(proofBytesOf(proof)),
    instances: (proof.instances[0] as string[]).map(feltFromHexLE),
  };

  it('refuses a bounty that is not Paid (OPTION_INVALID, exit 2)', async () => {
    for (const phase of ['Met', 'Missed', 'Refunded'].map((p) => Phase.indexOf(p as never)))
      await expect(
        createBountyReceipt({ bundle, bounties: fakeBounties(phase, honest), bountyId: '0' }),
      ).rejects.toMatchObject({ code: 'OPTION_INVALID', message: /only a bounty that paid/ });
  });

  it('refuses a bundle that is not the proof the proveMetric transaction carried', async () => {
    // The proof it carried passes this point (the fake has nothing more to answer).
    const past = await createBountyReceipt({
      bundle,
      bounties: fakeBounties(Phase.indexOf('Paid'), honest),
      bountyId: '0',
    }).catch((error: Error) => error);
    expect(String(past)).not.toMatch(/another proof|only a bounty that paid/);
    const another = { ...honest, proof: `${honest.proof.slice(0, -2)}00` };
    const others = { ...honest, instances: [...honest.instances.slice(0, -1), 1n] };
    for (const sent of [another, others])
      await expect(
        createBountyReceipt({
          bundle,
          bounties: fakeBounties(Phase.indexOf('Paid'), sent),
          bountyId: '0',
        }),
      ).rejects.toMatchObject({
        code: 'OPTION_INVALID',
        message: /proved with another proof or other instances/,
      });
  });
});
