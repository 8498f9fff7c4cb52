import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Common, Mainnet } from '@ethereumjs/common';
import { EVM, EVMMockBlockchain } from '@ethereumjs/evm';
import { SimpleStateManager } from '@ethereumjs/statemanager';
import { createAddressFromString } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3';
import mcl from 'mcl-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { MclBN254 } from '../../src/proof/bn254Mcl.js';
import {
  EVM_GAS_LIMIT,
  EVM_HARDFORK,
  encodeVerifierCalldata,
  verifierGasLimit,
} from '../../src/proof/evm.js';
import { feltFromHexLE } from '../../src/proof/felts.js';
import { type LoadedVerifier, loadVerifierCode, parseVka } from '../../src/proof/verifierCache.js';
import {
  type Bn254Arithmetic,
  PrecompileInputError,
  VerifierVm,
  type VmAccount,
} from '../../src/proof/verifierVm.js';

// A differential test: pocompute's verifier EVM against @ethereumjs/evm (Osaka, the same BN254
// arithmetic), on EZKL's verifiers with honest and tampered proofs and on random programs of every
// instruction the VM runs. Success, return data and gas must be the same.

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ezkl23');
const fixture = (name: string) => join(FIX, name);
const proofFile = JSON.parse(readFileSync(fixture('proof.json'), 'utf8'));
const PROOF = Uint8Array.from(proofFile.proof as number[]);
const INSTANCES: bigint[] = proofFile.instances[0].map(feltFromHexLE);

const CALLER = 0xc0den;
const GAS = Number(EVM_GAS_LIMIT);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const address = (value: bigint) => `0x${value.toString(16).padStart(40, '0')}`;

interface Outcome {
  ok: boolean;
  returnData: string;
  gasUsed: bigint;
}

let reference: EVM;
let ours: VerifierVm;
let single: LoadedVerifier;
let reusable: LoadedVerifier;
let vka: string[];
let installed = 0;

/** Both machines with the same code at the same address (and the same storage from then on). */
async function deploy(code: Uint8Array): Promise<{ mine: VmAccount; at: bigint }> {
  const at = 0xe2c1_0000n + BigInt(installed++);
  await reference.stateManager.putCode(createAddressFromString(address(at)), code);
  return { mine: ours.account(at, code), at };
}

async function both(
  target: { mine: VmAccount; at: bigint },
  data: Uint8Array,
): Promise<[Outcome, Outcome]> {
  const to = createAddressFromString(address(target.at));
  const caller = createAddressFromString(address(CALLER));
  reference.journal.cleanJournal();
  reference.journal.addAlwaysWarmAddress(address(CALLER));
  reference.journal.addAlwaysWarmAddress(to.toString());
  for (const p of reference.precompiles.keys()) reference.journal.addAlwaysWarmAddress(p);
  const r = (
    await reference.runCall({
      to,
      caller,
      origin: caller,
      data,
      gasLimit: EVM_GAS_LIMIT,
      skipBalance: true,
    })
  ).execResult;
  const failed = r.exceptionError !== undefined;
  const theirs: Outcome = {
    ok: !failed,
    // An exceptional halt returns nothing; a revert its data.
    returnData: failed && r.exceptionError?.error !== 'revert' ? '' : hex(r.returnValue),
    gasUsed: r.executionGasUsed,
  };
  const m = ours.call({ to: target.mine, caller: CALLER, data, gasLimit: GAS });
  return [theirs, { ok: m.ok, returnData: hex(m.returnData), gasUsed: m.gasUsed }];
}

async function expectSame(target: { mine: VmAccount; at: bigint }, data: Uint8Array) {
  const [theirs, mine] = await both(target, data);
  expect(mine).toEqual(theirs);
  return mine;
}

beforeAll(async () => {
  process.env.POCOMPUTE_HOME = mkdtempSync(join(tmpdir(), 'pocompute-vm-test-'));
  await mcl.init(mcl.BN_SNARK1);
  const common = new Common({ chain: Mainnet, hardfork: EVM_HARDFORK });
  reference = new EVM({
    common,
    blockchain: new EVMMockBlockchain(),
    stateManager: new SimpleStateManager(),
    bn254: new MclBN254(mcl),
  });
  ours = new VerifierVm(new MclBN254(mcl), keccak_256);
  vka = parseVka(readFileSync(fixture('vka.bin')));
  single = await loadVerifierCode(fixture('v.sol'), { layout: 'single' });
  reusable = await loadVerifierCode(fixture('r.sol'), {
    layout: 'reusable',
    vkaPath: fixture('vka.bin'),
  });
});

/** Tampered copies of the proof: a bit flipped at spread offsets, a word set to 0, p, 2^256−1. */
function tamperedProofs(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < PROOF.length; offset += 97) {
    const p = Uint8Array.from(PROOF);
    p[offset] ^= 1 << (offset % 8);
    out.push(p);
  }
  for (const fill of [0x00, 0xff]) {
    for (const at of [0, 64 * 21, 64 * 22, PROOF.length - 64]) {
      const p = Uint8Array.from(PROOF);
      p.fill(fill, at, at + 32);
      out.push(p);
    }
  }
  return out;
}

describe('EZKL verifiers: the same verdict, return data and gas as @ethereumjs/evm', () => {
  it('single layout: the honest proof, then tampered proofs and instances', async () => {
    const target = await deploy(single.runtime);
    const honest = await expectSame(target, encodeVerifierCalldata('single', PROOF, INSTANCES));
    expect(honest.ok).toBe(true);
    expect(BigInt(`0x${honest.returnData}`)).toBe(1n);
    let rejected = 0;
    for (const proof of tamperedProofs()) {
      const outcome = await expectSame(target, encodeVerifierCalldata('single', proof, INSTANCES));
      if (!outcome.ok) rejected++;
    }
    for (let i = 0; i < INSTANCES.length; i++) {
      const instances = INSTANCES.map((v, j) => (j === i ? v + 1n : v));
      const outcome = await expectSame(target, encodeVerifierCalldata('single', PROOF, instances));
      expect(outcome.ok).toBe(false);
    }
    expect(rejected).toBeGreaterThan(tamperedProofs().length / 2);
  });

  it('reusable layout: registerVka (storage, a log), then honest and tampered proofs', async () => {
    const target = await deploy(reusable.runtime);
    const hex32 = (v: bigint) => v.toString(16).padStart(64, '0');
    const register = Buffer.from(
      `dc8b4094${hex32(32n)}${hex32(BigInt(vka.length))}${vka.map((w) => w.slice(2)).join('')}`,
      'hex',
    );
    const registered = await expectSame(target, register);
    expect(registered.ok).toBe(true);
    // Registering again, and verifying before and after, read the storage both machines wrote.
    await expectSame(target, register);
    const honest = await expectSame(
      target,
      encodeVerifierCalldata('reusable', PROOF, INSTANCES, vka),
    );
    expect(honest.ok).toBe(true);
    for (const proof of tamperedProofs().slice(0, 12))
      await expectSame(target, encodeVerifierCalldata('reusable', proof, INSTANCES, vka));
    const otherVka = vka.map((w, i) => (i === 3 ? `0x${'11'.repeat(32)}` : w));
    await expectSame(target, encodeVerifierCalldata('reusable', PROOF, INSTANCES, otherVka));
  });
});

// ——— Random programs ———

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
const R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;
const MAX = (1n << 256n) - 1n;

function push(value: bigint): string {
  if (value === 0n) return '5f';
  let h = value.toString(16);
  if (h.length % 2) h = `0${h}`;
  return (0x5f + h.length / 2).toString(16) + h;
}

/** A value a program pushes: edge cases, small numbers, memory-sized offsets, random words. */
function value(rand: () => number): bigint {
  const pick = rand();
  if (pick < 0.15)
    return [0n, 1n, 2n, 31n, 32n, 255n, 256n, MAX, 1n << 255n, P, P - 1n][Math.floor(rand() * 11)];
  if (pick < 0.5) return BigInt(Math.floor(rand() * 300));
  if (pick < 0.7) return BigInt(Math.floor(rand() * 4096));
  let v = 0n;
  for (let i = 0; i < 4; i++)
    v =
      (v << 64n) |
      (BigInt(Math.floor(rand() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(rand() * 2 ** 32)));
  return v;
}

// Instructions taking n stack items, run on random operands.
const PURE: [number, number][] = [
  ...[
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17,
    0x18, 0x1a, 0x1b, 0x1c, 0x1d,
  ].map((op) => [op, 2] as [number, number]),
  [0x08, 3],
  [0x09, 3],
  [0x15, 1],
  [0x19, 1],
  [0x1e, 1],
];
// Instructions that touch memory, storage, calldata, code and return data (operands kept small).
const EFFECTS: [number, number][] = [
  [0x51, 1],
  [0x52, 2],
  [0x53, 2],
  [0x20, 2],
  [0x35, 1],
  [0x37, 3],
  [0x39, 3],
  [0x3e, 3],
  [0x5e, 3],
  [0x54, 1],
  [0x55, 2],
  [0x5c, 1],
  [0x5d, 2],
  [0xa0, 2],
  [0xa2, 4],
];
const NULLARY = [0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3d, 0x58, 0x59, 0x5a];

/** A random program that ends by storing its stack's top words and returning them. */
function program(rand: () => number): string {
  let code = '';
  let depth = 0;
  const steps = 20 + Math.floor(rand() * 40);
  for (let s = 0; s < steps; s++) {
    const kind = rand();
    if (kind < 0.45) {
      const [op, n] = PURE[Math.floor(rand() * PURE.length)];
      for (let i = 0; i < n; i++) code += push(value(rand));
      code += op.toString(16).padStart(2, '0');
      depth++;
    } else if (kind < 0.75) {
      const [op, n] = EFFECTS[Math.floor(rand() * EFFECTS.length)];
      // RETURNDATACOPY's source range stays within what a precompile returns, most of the time.
      const range = (i: number) => (op === 0x3e && i < 2 ? 48 : i === 0 ? 2048 : 200);
      for (let i = 0; i < n; i++) code += push(BigInt(Math.floor(rand() * range(i))));
      code += op.toString(16).padStart(2, '0');
      if ([0x51, 0x20, 0x35, 0x54, 0x5c].includes(op)) depth++;
    } else if (kind < 0.85) {
      code += NULLARY[Math.floor(rand() * NULLARY.length)].toString(16);
      depth++;
    } else if (kind < 0.97) {
      code += staticCall(rand);
      depth++;
    } else {
      // A DUP1–16 or SWAP1–16 of what is there (now and then one reaching below it: underflow).
      const n = 1 + Math.floor(rand() * Math.min(16, depth + (rand() < 0.05 ? 2 : 0)));
      if (rand() < 0.5) {
        code += (0x7f + n).toString(16);
        depth++;
      } else code += (0x8f + n).toString(16);
    }
  }
  // Store the top of the stack (at most 8 words) and return it with MSIZE and GAS.
  const keep = Math.min(depth, 8);
  for (let i = 0; i < keep; i++) code += `${push(BigInt(0x1000 + 32 * i))}52`;
  code += `59${push(0x1100n)}52`;
  return `${code}${push(0x120n)}${push(0x1000n)}f3`;
}

/** A STATICCALL of a precompile on memory written just before: valid points or random bytes. */
function staticCall(rand: () => number): string {
  const target = [5, 6, 7, 8][Math.floor(rand() * 4)];
  let code = '';
  const words: bigint[] = [];
  if (target === 5) {
    // Mostly an inversion in one of BN254's fields (as EZKL's verifiers do), else any modulus.
    const m = [P, R, value(rand)][Math.floor(rand() * 3)];
    words.push(32n, 32n, 32n, value(rand), rand() < 0.8 ? m - 2n : value(rand), m);
  } else if (target === 8) {
    // One pair: the generators (pairing ≠ 1), or a random word somewhere (invalid).
    words.push(1n, 2n);
    words.push(
      0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2n,
      0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6edn,
      0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975bn,
      0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daan,
    );
    if (rand() < 0.3) words[Math.floor(rand() * 6)] = value(rand);
  } else {
    // G1 generator (1, 2) or a random pair, and a scalar or second point.
    words.push(rand() < 0.8 ? 1n : value(rand), rand() < 0.8 ? 2n : value(rand));
    words.push(target === 6 ? 1n : value(rand), target === 6 ? 2n : 0n);
  }
  words.forEach((w, i) => {
    code += `${push(w)}${push(BigInt(0x800 + 32 * i))}52`;
  });
  const inSize = BigInt(32 * words.length - (rand() < 0.2 ? Math.floor(rand() * 40) : 0));
  const outSize = BigInt([0, 32, 64, 96][Math.floor(rand() * 4)]);
  // A failed call consumes all the gas it was given: mostly enough for one call, sometimes too little.
  const gas = rand() < 0.9 ? 200_000n : BigInt(Math.floor(rand() * 8000));
  return `${code}${push(outSize)}${push(0x700n)}${push(inSize)}${push(0x800n)}${push(BigInt(target))}${push(gas)}fa`;
}

describe('random programs: the same result, return data and gas as @ethereumjs/evm', () => {
  it('runs 400 programs of arithmetic, memory, storage, logs and precompile calls', async () => {
    const rand = random(20261206);
    let returned = 0;
    for (let n = 0; n < 400; n++) {
      const code = Buffer.from(program(rand), 'hex');
      const target = await deploy(code);
      const data = Uint8Array.from({ length: Math.floor(rand() * 100) }, () =>
        Math.floor(rand() * 256),
      );
      const [theirs, mine] = await both(target, data);
      expect(mine, `program ${n}: ${code.toString('hex')}`).toEqual(theirs);
      if (mine.ok) returned++;
    }
    // Most programs return (the ones that do not halt on out-of-bounds return data or a bad call).
    expect(returned).toBeGreaterThan(200);
  });

  it('computes every arithmetic, comparison and bit instruction on every pair of edge values', async () => {
    const edges = [
      0n,
      1n,
      2n,
      7n,
      30n,
      31n,
      32n,
      255n,
      256n,
      257n,
      MAX,
      MAX - 1n,
      1n << 255n,
      (1n << 255n) - 1n,
      P,
    ];
    for (const [op, n] of PURE) {
      const operands = n === 3 ? edges.filter((_, i) => i % 2 === 0) : edges;
      const tuples: bigint[][] =
        n === 1
          ? operands.map((a) => [a])
          : n === 2
            ? operands.flatMap((a) => operands.map((b) => [a, b]))
            : operands.flatMap((a) => operands.flatMap((b) => operands.map((c) => [a, b, c])));
      let code = '';
      tuples.forEach((tuple, i) => {
        // The first operand is pushed last (the top of the stack).
        for (const v of [...tuple].reverse()) code += push(v);
        code += `${op.toString(16).padStart(2, '0')}${push(BigInt(32 * i))}52`;
      });
      code += `${push(BigInt(32 * tuples.length))}${push(0n)}f3`;
      const outcome = await expectSame(await deploy(Buffer.from(code, 'hex')), new Uint8Array(0));
      expect(outcome.ok, `opcode 0x${op.toString(16)}`).toBe(true);
    }
  });

  it('refuses, as an internal error and not a verdict, an instruction a verifier does not use', async () => {
    for (const op of [
      '31',
      '3b',
      '3f',
      '40',
      '41',
      '42',
      '46',
      '47',
      'f0',
      'f1',
      'f2',
      'f4',
      'f5',
      'ff',
    ]) {
      const target = await deploy(Buffer.from(`${'6000'.repeat(7)}${op}00`, 'hex'));
      expect(() =>
        ours.call({ to: target.mine, caller: CALLER, data: new Uint8Array(0), gasLimit: GAS }),
      ).toThrow(/does not run/);
    }
  });

  it('halts as the EVM does: a bad jump, stack underflow, INVALID, REVERT with data, out of gas', async () => {
    const cases = [
      '600556', // JUMP to 5, not a JUMPDEST
      '6003565b00', // JUMP into push data? (3 is JUMPDEST here: runs)
      '01', // ADD on an empty stack
      'fe',
      '60aa6000526020601ffd', // REVERT 32 bytes
      '5b600056', // a loop until out of gas
      `${'60ff'.repeat(1025)}`, // stack overflow
      '6001600003600052', // MSTORE at 2^256-1: out of gas
      '60016000fa', // STATICCALL with too few operands
      '3d600060013e', // RETURNDATACOPY past empty return data
      // Not Osaka instructions: the EVM halts on them.
      ...[
        '0c',
        '0f',
        '1f',
        '21',
        '2f',
        '4b',
        '4f',
        'a5',
        'b0',
        'd0',
        'e0',
        'ef',
        'f6',
        'f9',
        'fb',
        'fc',
      ],
    ];
    for (const c of cases) {
      const target = await deploy(Buffer.from(c, 'hex'));
      await expectSame(target, new Uint8Array(0));
    }
  });
});

describe('what a transaction can give the verifier, and failures that are not verdicts', () => {
  it("gives a verifier the cap less a transaction's intrinsic and calldata gas; a longer run runs out", async () => {
    const cap = Number(EVM_GAS_LIMIT);
    expect(verifierGasLimit(new Uint8Array(0))).toBe(cap - 21_000);
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 0 : 7)); // 25 zeros
    expect(verifierGasLimit(data)).toBe(cap - 21_000 - 25 * 4 - 75 * 16);
    // EIP-7623's floor alone over the cap: nothing is left for execution.
    expect(verifierGasLimit(new Uint8Array(420_000).fill(1))).toBe(0);
    // A program that burns ~16.7M gas (a JUMPDEST loop counting down) then returns: it fits the cap
    // but not what a transaction carrying calldata leaves it.
    // JUMPDEST; counter − 1; jump back while not zero: 26 gas a loop.
    const loops = BigInt(Math.floor((cap - 10_000) / 26));
    const start = (push(loops).length / 2).toString(16).padStart(2, '0');
    const code = `${push(loops)}5b600190038060${start}57600160005260206000f3`;
    const target = await deploy(Buffer.from(code, 'hex'));
    const full = ours.call({
      to: target.mine,
      caller: CALLER,
      data: new Uint8Array(0),
      gasLimit: cap,
    });
    const capped = ours.call({
      to: target.mine,
      caller: CALLER,
      data: new Uint8Array(0),
      gasLimit: verifierGasLimit(new Uint8Array(0)),
    });
    expect(full.ok).toBe(true);
    expect(full.gasUsed > BigInt(cap - 21_000)).toBe(true);
    expect(capped).toMatchObject({ ok: false, error: 'out of gas' });
  });

  it('fails the call on a refused precompile input, and throws INTERNAL on any other failure', async () => {
    const refusing: Bn254Arithmetic = {
      add: () => {
        throw new PrecompileInputError('point not on the curve');
      },
      mul: () => {
        throw new Error('mcl-wasm is not initialised');
      },
      pairing: () => new Uint8Array(32),
    };
    const vm = new VerifierVm(refusing, keccak_256);
    // STATICCALL(gas, 6 or 7, 0, 128, 0, 64), then return its success word.
    const callCode = (address: number) =>
      `6040600060806000${push(BigInt(address))}${push(100_000n)}fa60005260206000f3`;
    const add = vm.call({
      to: vm.account(1n, Buffer.from(callCode(6), 'hex')),
      caller: CALLER,
      data: new Uint8Array(0),
      gasLimit: GAS,
    });
    expect(add.ok).toBe(true);
    expect(BigInt(`0x${hex(add.returnData)}`)).toBe(0n); // the precompile call failed
    expect(() =>
      vm.call({
        to: vm.account(2n, Buffer.from(callCode(7), 'hex')),
        caller: CALLER,
        data: new Uint8Array(0),
        gasLimit: GAS,
      }),
    ).toThrow(/BN254 precompile failed/);
  });
});
