import { bytesToHex } from '../core/bytes.js';
import { PocomputeError } from '../core/errors.js';
import { BN254_R } from './felts.js';
import { BN254_P } from './validateProof.js';

/**
 * The EVM that runs EZKL's Solidity verifiers in-process: an interpreter of the Osaka instruction set
 * a contract without calls to other contracts uses — arithmetic, memory, storage, jumps, logs and
 * STATICCALL to the precompiles a verifier calls (ModExp 0x05 and the BN254 precompiles 0x06–0x08) —
 * with the chain's gas rules for each, so a call's gas is the gas the chain charges for its execution.
 *
 * It exists for speed: a verification executes 20,000–50,000 instructions, and a general EVM
 * (@ethereumjs/evm, an async step per instruction) spent ~100 ms of a cold `pocompute verify` and a
 * third of a warm one on them; this one executes them synchronously on a bigint stack. Its verdict
 * is the general EVM's: test/proof/verifierVm.test.ts runs both on honest and tampered proofs and on
 * random programs of every instruction, and compares results, return data and gas.
 *
 * What a verifier does not use — CALL, DELEGATECALL, CREATE, SELFDESTRUCT, BALANCE and the other
 * account and block queries, calls to accounts or other precompiles — is not run: it throws
 * INTERNAL, never a verdict.
 */

/**
 * What a precompile implementation throws for an input the precompile refuses (EIP-196/197: a
 * coordinate not below p, a point off the curve or outside the subgroup): the call fails, as on
 * chain. Anything else it throws is pocompute's failure, an INTERNAL error, never a verdict.
 */
export class PrecompileInputError extends Error {}

/** The BN254 precompiles' arithmetic (EIP-196/197), as MclBN254 implements it: throws on bad input. */
export interface Bn254Arithmetic {
  add(input: Uint8Array): Uint8Array;
  mul(input: Uint8Array): Uint8Array;
  pairing(input: Uint8Array): Uint8Array;
}

export interface VmCallResult {
  /** true: the call returned (RETURN or STOP); false: it reverted or halted exceptionally. */
  ok: boolean;
  /** What RETURN or REVERT returned (empty after an exceptional halt). */
  returnData: Uint8Array;
  /** Execution gas used (a transaction's intrinsic and calldata gas not included). */
  gasUsed: bigint;
  /** Why the call did not return: 'revert', 'out of gas', 'invalid jump', … */
  error?: string;
}

const MAX = (1n << 256n) - 1n;
const EMPTY: Uint8Array = new Uint8Array(0);
const STACK_LIMIT = 1024;

/** The end of a call that did not return: an exceptional halt (all gas consumed) or a REVERT. */
class Halt {
  constructor(
    readonly reason: string,
    readonly data: Uint8Array = EMPTY,
    /** Gas left after a REVERT (an exceptional halt leaves none). */
    readonly gasLeft = 0,
  ) {}
}

const unsupported = (what: string): never => {
  throw new PocomputeError(
    'INTERNAL',
    `the verifier uses ${what}, which pocompute's in-process EVM does not run`,
    {
      hint: 'EZKL verifiers only compute and call the ModExp and BN254 precompiles; report this verifier.',
    },
  );
};

// ——— Gas (Osaka) ———

/** Static gas of each opcode; -1: not run here. Dynamic parts are charged by the instruction. */
const STATIC_GAS = new Int32Array(256).fill(-1);
const setGas = (gas: number, ...ops: number[]) => {
  for (const op of ops) STATIC_GAS[op] = gas;
};
/** Whether Osaka defines the opcode (the ones not run here throw INTERNAL; others halt the call). */
const DEFINED = new Uint8Array(256);
for (const [from, to] of [
  [0x00, 0x0b],
  [0x10, 0x1e],
  [0x20, 0x20],
  [0x30, 0x4a],
  [0x50, 0xa4],
  [0xf0, 0xf5],
  [0xfa, 0xfa],
  [0xfd, 0xff],
])
  DEFINED.fill(1, from, to + 1);
setGas(0, 0x00, 0xf3, 0xfd, 0xfe, 0x54, 0x55, 0xfa);
setGas(
  3,
  0x01,
  0x03,
  0x10,
  0x11,
  0x12,
  0x13,
  0x14,
  0x15,
  0x16,
  0x17,
  0x18,
  0x19,
  0x1a,
  0x1b,
  0x1c,
  0x1d,
);
setGas(5, 0x02, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x1e);
setGas(8, 0x08, 0x09, 0x56);
setGas(10, 0x0a, 0x57);
setGas(30, 0x20);
setGas(2, 0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3d, 0x50, 0x58, 0x59, 0x5a, 0x5f);
setGas(3, 0x35, 0x37, 0x39, 0x3e, 0x51, 0x52, 0x53, 0x5e);
setGas(1, 0x5b);
setGas(100, 0x5c, 0x5d);
for (let op = 0x60; op <= 0x9f; op++) STATIC_GAS[op] = 3; // PUSH1–32, DUP1–16, SWAP1–16
for (let n = 0; n <= 4; n++) STATIC_GAS[0xa0 + n] = 375 * (n + 1); // LOG0–4: 375 + 375 per topic

/** How many stack items each opcode reads, and how much it grows the stack (out − in). */
const STACK_IN = new Uint8Array(256);
const STACK_GROWTH = new Int8Array(256);
const setStack = (inputs: number, outputs: number, ...ops: number[]) => {
  for (const op of ops) {
    STACK_IN[op] = inputs;
    STACK_GROWTH[op] = outputs - inputs;
  }
};
setStack(2, 1, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14);
setStack(2, 1, 0x16, 0x17, 0x18, 0x1a, 0x1b, 0x1c, 0x1d, 0x20);
setStack(3, 1, 0x08, 0x09);
setStack(1, 1, 0x15, 0x19, 0x1e, 0x35, 0x51, 0x54, 0x5c);
setStack(0, 1, 0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3d, 0x58, 0x59, 0x5a, 0x5f);
setStack(3, 0, 0x37, 0x39, 0x3e, 0x5e);
setStack(1, 0, 0x50, 0x56);
setStack(2, 0, 0x52, 0x53, 0x55, 0x57, 0x5d, 0xf3, 0xfd);
setStack(6, 1, 0xfa);
for (let op = 0x60; op <= 0x7f; op++) setStack(0, 1, op);
for (let n = 1; n <= 16; n++) {
  setStack(n, n + 1, 0x7f + n); // DUPn
  setStack(n + 1, n + 1, 0x8f + n); // SWAPn
}
for (let n = 0; n <= 4; n++) setStack(n + 2, 0, 0xa0 + n);

const WARM_ACCESS = 100;
const COLD_SLOAD = 2100;
const SSTORE_SET = 20000;
const SSTORE_RESET = 2900;
const SSTORE_SENTRY = 2300;

/** Total memory cost of `words` 32-byte words: 3w + w²/512. */
const memoryCost = (words: number) => 3 * words + Math.floor((words * words) / 512);
const wordsOf = (bytes: number) => Math.ceil(bytes / 32);

/** The big-endian 256-bit word at `offset`. */
const wordAt = (view: DataView, offset: number): bigint =>
  (view.getBigUint64(offset) << 192n) |
  (view.getBigUint64(offset + 8) << 128n) |
  (view.getBigUint64(offset + 16) << 64n) |
  view.getBigUint64(offset + 24);

// ——— Precompiles ———

interface PrecompileResult {
  ok: boolean;
  gasUsed: number;
  output: Uint8Array;
}

const rightPad = (data: Uint8Array, length: number) => {
  if (data.length === length) return data;
  const out = new Uint8Array(length);
  out.set(data.subarray(0, length));
  return out;
};

const bytesToBigInt = (data: Uint8Array): bigint => BigInt(`0x0${bytesToHex(data)}`);

function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0 && value > 0n; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

const bitLength = (value: bigint) => (value === 0n ? 0 : value.toString(2).length);

/** a⁻¹ mod m (m prime, 0 ≤ a < m) by the extended Euclidean algorithm; 0 for a = 0. */
function inverse(a: bigint, m: bigint): bigint {
  if (a === 0n) return 0n;
  let [r0, r1] = [m, a];
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return t0 < 0n ? t0 + m : t0;
}

/** ModExp (0x05) with EIP-2565, EIP-7823 (inputs ≤ 1,024 bytes) and EIP-7883 (Osaka) gas. */
function modExp(input: Uint8Array, gasLimit: number): PrecompileResult {
  const data = input.length < 96 ? rightPad(input, 96) : input;
  const bLen = bytesToBigInt(data.subarray(0, 32));
  const eLen = bytesToBigInt(data.subarray(32, 64));
  const mLen = bytesToBigInt(data.subarray(64, 96));
  const failed = { ok: false, gasUsed: gasLimit, output: EMPTY };
  // The exponent's first word, as the gas rule reads it (past the input: zeros).
  const eStart = bLen > 1n << 40n ? Number.MAX_SAFE_INTEGER - 32 : 96 + Number(bLen);
  let head = bytesToBigInt(rightPad(data.subarray(eStart, eStart + 32), 32));
  if (eLen < 32n) head >>= 8n * (32n - eLen);
  const headBits = bitLength(head) - 1;
  let adjusted = (eLen > 32n ? eLen - 32n : 0n) * 16n;
  if (headBits > 0) adjusted += BigInt(headBits);
  if (adjusted < 1n) adjusted = 1n;
  let maxLen = bLen;
  if (mLen > maxLen) maxLen = mLen;
  const words = (maxLen + 7n) / 8n;
  let gas = adjusted * (maxLen > 32n ? 2n * words * words : 16n);
  if (gas < 500n) gas = 500n;
  if (gas > BigInt(gasLimit)) return failed;
  if (bLen > 1024n || eLen > 1024n || mLen > 1024n) return failed;
  const b = Number(bLen);
  const e = Number(eLen);
  const m = Number(mLen);
  const slice = (start: number, length: number) =>
    bytesToBigInt(rightPad(data.subarray(start, start + length), length));
  const base = slice(96, b);
  let exponent = slice(96 + b, e);
  const modulus = slice(96 + b + e, m);
  let result = 0n;
  if (exponent === modulus - 2n && (modulus === BN254_P || modulus === BN254_R)) {
    // base^(m−2) mod m for a prime m is base's inverse (0 for 0) by Fermat's little theorem: EZKL's
    // verifiers invert field elements this way, and Euclid finds the inverse ~10× faster.
    result = inverse(base % modulus, modulus);
  } else if (modulus !== 0n) {
    result = 1n % modulus;
    let square = base % modulus;
    while (exponent > 0n) {
      if (exponent & 1n) result = (result * square) % modulus;
      square = (square * square) % modulus;
      exponent >>= 1n;
    }
  }
  return { ok: true, gasUsed: Number(gas), output: bigIntToBytes(result, m) };
}

function bn254Call(
  run: () => Uint8Array,
  gas: number,
  gasLimit: number,
  size: number,
): PrecompileResult {
  if (gas > gasLimit) return { ok: false, gasUsed: gasLimit, output: EMPTY };
  let output: Uint8Array;
  try {
    output = run();
  } catch (error) {
    if (!(error instanceof PrecompileInputError))
      throw new PocomputeError(
        'INTERNAL',
        `a BN254 precompile failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    return { ok: false, gasUsed: gasLimit, output: EMPTY };
  }
  return output.length === size
    ? { ok: true, gasUsed: gas, output }
    : { ok: false, gasUsed: gasLimit, output: EMPTY };
}

function precompile(
  address: bigint,
  input: Uint8Array,
  gasLimit: number,
  bn254: Bn254Arithmetic,
): PrecompileResult {
  switch (address) {
    case 5n:
      return modExp(input, gasLimit);
    case 6n:
      return bn254Call(() => bn254.add(rightPad(input.subarray(0, 128), 128)), 150, gasLimit, 64);
    case 7n:
      return bn254Call(() => bn254.mul(rightPad(input.subarray(0, 128), 128)), 6000, gasLimit, 64);
    case 8n:
      if (input.length % 192 !== 0) return { ok: false, gasUsed: gasLimit, output: EMPTY };
      return bn254Call(
        () => bn254.pairing(input),
        45000 + 34000 * (input.length / 192),
        gasLimit,
        32,
      );
    default:
      return unsupported(
        `a STATICCALL to ${address < 0x10000n ? `precompile 0x${address.toString(16)}` : 'an account'}`,
      );
  }
}

// ——— Code analysis ———

interface Analysis {
  /** Valid jump destinations (JUMPDEST outside push data). */
  jumpdests: Uint8Array;
  /** The value each PUSH at this position pushes (code past its end reads as zeros). */
  pushes: (bigint | undefined)[];
}

function analyse(code: Uint8Array): Analysis {
  const jumpdests = new Uint8Array(code.length);
  const pushes: (bigint | undefined)[] = new Array(code.length);
  for (let pc = 0; pc < code.length; pc++) {
    const op = code[pc];
    if (op === 0x5b) jumpdests[pc] = 1;
    else if (op >= 0x60 && op <= 0x7f) {
      const n = op - 0x5f;
      pushes[pc] = bytesToBigInt(rightPad(code.subarray(pc + 1, pc + 1 + n), n));
      pc += n;
    }
  }
  return { jumpdests, pushes };
}

// ——— The machine ———

/** A contract installed in the VM: its code, analysis and storage. */
export interface VmAccount {
  readonly address: bigint;
  readonly code: Uint8Array;
  readonly analysis: Analysis;
  storage: Map<bigint, bigint>;
}

export interface VmCall {
  to: VmAccount;
  caller: bigint;
  data: Uint8Array;
  gasLimit: number;
}

export class VerifierVm {
  constructor(
    private readonly bn254: Bn254Arithmetic,
    private readonly keccak256: (data: Uint8Array) => Uint8Array,
  ) {}

  /** An account at `address` with this runtime code and empty storage. */
  account(address: bigint, code: Uint8Array): VmAccount {
    return { address, code, analysis: analyse(code), storage: new Map() };
  }

  /**
   * A message call as the body of a transaction (no value; storage slots start cold; precompiles
   * warm): storage changes stay when it returns and are undone when it reverts or halts.
   */
  call(message: VmCall): VmCallResult {
    const { to } = message;
    const before = new Map(to.storage);
    try {
      const { data, gasLeft } = this.execute(message, before);
      return { ok: true, returnData: data, gasUsed: BigInt(message.gasLimit - gasLeft) };
    } catch (error) {
      if (!(error instanceof Halt)) throw error;
      to.storage = before;
      return {
        ok: false,
        returnData: error.data,
        gasUsed: BigInt(message.gasLimit - error.gasLeft),
        error: error.reason,
      };
    }
  }

  private execute(
    message: VmCall,
    original: Map<bigint, bigint>,
  ): { data: Uint8Array; gasLeft: number } {
    const { to, data: calldata } = message;
    const { code } = to;
    const { jumpdests, pushes } = to.analysis;
    const storage = to.storage;
    const warmSlots = new Set<bigint>();
    const transient = new Map<bigint, bigint>();
    const bn254 = this.bn254;

    // Calldata with 32 zero bytes after it, so that CALLDATALOAD reads a word at any offset in it.
    const padded = new Uint8Array(calldata.length + 32);
    padded.set(calldata);
    const paddedCalldata = new DataView(padded.buffer);

    const stack: bigint[] = new Array(STACK_LIMIT);
    let sp = 0;
    let memory = new Uint8Array(1024);
    let view = new DataView(memory.buffer);
    let memoryWords = 0;
    let gas = message.gasLimit;
    let pc = 0;
    let returned: Uint8Array = EMPTY;

    const useGas = (amount: number) => {
      gas -= amount;
      if (gas < 0) throw new Halt('out of gas');
    };
    /** A memory offset or size that gas allows (anything ≥ 2^32 cannot be paid for). */
    const small = (value: bigint): number => {
      if (value > 0xffffffffn) throw new Halt('out of gas');
      return Number(value);
    };
    /** Charges expansion to cover [offset, offset + size) and grows the buffer; returns offset. */
    const expand = (offsetWord: bigint, sizeWord: bigint): number => {
      if (sizeWord === 0n) return 0;
      const size = small(sizeWord);
      const offset = small(offsetWord);
      const words = wordsOf(offset + size);
      if (words > memoryWords) {
        useGas(memoryCost(words) - memoryCost(memoryWords));
        memoryWords = words;
        if (words * 32 > memory.length) {
          const grown = new Uint8Array(Math.max(words * 32, memory.length * 2));
          grown.set(memory);
          memory = grown;
          view = new DataView(memory.buffer);
        }
      }
      return offset;
    };
    const copyGas = (size: bigint) => useGas(3 * wordsOf(small(size)));
    const writeWord = (offset: number, value: bigint) => {
      view.setBigUint64(offset, value >> 192n);
      view.setBigUint64(offset + 8, value >> 128n);
      view.setBigUint64(offset + 16, value >> 64n);
      view.setBigUint64(offset + 24, value);
    };
    /** Copies source[from, from + size) to memory, zeros past the source's end. */
    const copyToMemory = (dest: number, source: Uint8Array, fromWord: bigint, size: number) => {
      if (size === 0) return;
      const from = fromWord > BigInt(source.length) ? source.length : Number(fromWord);
      const available = Math.min(size, source.length - from);
      memory.set(source.subarray(from, from + available), dest);
      memory.fill(0, dest + available, dest + size);
    };
    const jump = (destination: bigint) => {
      if (destination >= BigInt(code.length) || jumpdests[Number(destination)] !== 1)
        throw new Halt('invalid jump');
      pc = Number(destination);
    };

    for (;;) {
      const op = pc < code.length ? code[pc] : 0x00;
      const staticGas = STATIC_GAS[op];
      if (staticGas < 0) {
        if (DEFINED[op]) unsupported(`opcode 0x${op.toString(16).padStart(2, '0')}`);
        throw new Halt('invalid opcode'); // not an Osaka instruction: the EVM halts on it
      }
      gas -= staticGas;
      if (gas < 0) throw new Halt('out of gas');
      // Operands are checked once here; instructions then read and write the stack directly.
      if (sp < STACK_IN[op]) throw new Halt('stack underflow');
      if (sp + STACK_GROWTH[op] > STACK_LIMIT) throw new Halt('stack overflow');
      pc++;
      switch (op) {
        case 0x00: // STOP
          return { data: EMPTY, gasLeft: gas };
        case 0x01: // ADD: a (top) + b
          sp--;
          stack[sp - 1] = BigInt.asUintN(256, stack[sp] + stack[sp - 1]);
          break;
        case 0x02:
          sp--;
          stack[sp - 1] = BigInt.asUintN(256, stack[sp] * stack[sp - 1]);
          break;
        case 0x03:
          sp--;
          stack[sp - 1] = BigInt.asUintN(256, stack[sp] - stack[sp - 1]);
          break;
        case 0x04: {
          sp--;
          const b = stack[sp - 1];
          stack[sp - 1] = b === 0n ? 0n : stack[sp] / b;
          break;
        }
        case 0x05: {
          sp--;
          const b = BigInt.asIntN(256, stack[sp - 1]);
          stack[sp - 1] = b === 0n ? 0n : BigInt.asUintN(256, BigInt.asIntN(256, stack[sp]) / b);
          break;
        }
        case 0x06: {
          sp--;
          const b = stack[sp - 1];
          stack[sp - 1] = b === 0n ? 0n : stack[sp] % b;
          break;
        }
        case 0x07: {
          sp--;
          const b = BigInt.asIntN(256, stack[sp - 1]);
          stack[sp - 1] = b === 0n ? 0n : BigInt.asUintN(256, BigInt.asIntN(256, stack[sp]) % b);
          break;
        }
        case 0x08: {
          // ADDMOD a b n: a is the top.
          sp -= 2;
          const n = stack[sp - 1];
          stack[sp - 1] = n === 0n ? 0n : (stack[sp + 1] + stack[sp]) % n;
          break;
        }
        case 0x09: {
          sp -= 2;
          const n = stack[sp - 1];
          stack[sp - 1] = n === 0n ? 0n : (stack[sp + 1] * stack[sp]) % n;
          break;
        }
        case 0x0a: {
          // EXP: 10 + 50 per byte of the exponent.
          sp--;
          let base = stack[sp];
          let exponent = stack[sp - 1];
          useGas(50 * Math.ceil(bitLength(exponent) / 8));
          let result = 1n;
          while (exponent > 0n) {
            if (exponent & 1n) result = BigInt.asUintN(256, result * base);
            base = BigInt.asUintN(256, base * base);
            exponent >>= 1n;
          }
          stack[sp - 1] = result;
          break;
        }
        case 0x0b: {
          sp--;
          const k = stack[sp];
          if (k < 31n)
            stack[sp - 1] = BigInt.asUintN(256, BigInt.asIntN(Number(8n * k + 8n), stack[sp - 1]));
          break;
        }
        case 0x10:
          sp--;
          stack[sp - 1] = stack[sp] < stack[sp - 1] ? 1n : 0n;
          break;
        case 0x11:
          sp--;
          stack[sp - 1] = stack[sp] > stack[sp - 1] ? 1n : 0n;
          break;
        case 0x12:
          sp--;
          stack[sp - 1] =
            BigInt.asIntN(256, stack[sp]) < BigInt.asIntN(256, stack[sp - 1]) ? 1n : 0n;
          break;
        case 0x13:
          sp--;
          stack[sp - 1] =
            BigInt.asIntN(256, stack[sp]) > BigInt.asIntN(256, stack[sp - 1]) ? 1n : 0n;
          break;
        case 0x14:
          sp--;
          stack[sp - 1] = stack[sp] === stack[sp - 1] ? 1n : 0n;
          break;
        case 0x15:
          stack[sp - 1] = stack[sp - 1] === 0n ? 1n : 0n;
          break;
        case 0x16:
          sp--;
          stack[sp - 1] = stack[sp] & stack[sp - 1];
          break;
        case 0x17:
          sp--;
          stack[sp - 1] = stack[sp] | stack[sp - 1];
          break;
        case 0x18:
          sp--;
          stack[sp - 1] = stack[sp] ^ stack[sp - 1];
          break;
        case 0x19:
          stack[sp - 1] = MAX ^ stack[sp - 1];
          break;
        case 0x1a: {
          sp--;
          const i = stack[sp];
          stack[sp - 1] = i < 32n ? (stack[sp - 1] >> (8n * (31n - i))) & 0xffn : 0n;
          break;
        }
        case 0x1b: {
          sp--;
          const shift = stack[sp];
          stack[sp - 1] = shift >= 256n ? 0n : BigInt.asUintN(256, stack[sp - 1] << shift);
          break;
        }
        case 0x1c: {
          sp--;
          const shift = stack[sp];
          stack[sp - 1] = shift >= 256n ? 0n : stack[sp - 1] >> shift;
          break;
        }
        case 0x1d: {
          sp--;
          const shift = stack[sp];
          const value = BigInt.asIntN(256, stack[sp - 1]);
          stack[sp - 1] = BigInt.asUintN(256, value >> (shift >= 256n ? 255n : shift));
          break;
        }
        case 0x1e: // CLZ (EIP-7939)
          stack[sp - 1] = BigInt(256 - bitLength(stack[sp - 1]));
          break;
        case 0x20: {
          sp--;
          const offsetWord = stack[sp];
          const sizeWord = stack[sp - 1];
          const size = small(sizeWord);
          useGas(6 * wordsOf(size));
          const offset = expand(offsetWord, sizeWord);
          const digest = this.keccak256(memory.subarray(offset, offset + size));
          stack[sp - 1] = wordAt(new DataView(digest.buffer, digest.byteOffset, 32), 0);
          break;
        }
        case 0x30:
          stack[sp++] = to.address;
          break;
        case 0x32:
        case 0x33:
          stack[sp++] = message.caller;
          break;
        case 0x34: // CALLVALUE
          stack[sp++] = 0n;
          break;
        case 0x35: {
          const offsetWord = stack[sp - 1];
          stack[sp - 1] =
            offsetWord >= BigInt(calldata.length) ? 0n : wordAt(paddedCalldata, Number(offsetWord));
          break;
        }
        case 0x36:
          stack[sp++] = BigInt(calldata.length);
          break;
        case 0x37:
        case 0x39:
        case 0x3e: {
          sp -= 3;
          const destWord = stack[sp + 2];
          const fromWord = stack[sp + 1];
          const sizeWord = stack[sp];
          const source = op === 0x37 ? calldata : op === 0x39 ? code : returned;
          if (op === 0x3e && fromWord + sizeWord > BigInt(returned.length))
            throw new Halt('return data out of bounds');
          copyGas(sizeWord);
          const dest = expand(destWord, sizeWord);
          copyToMemory(dest, source, fromWord, Number(sizeWord));
          break;
        }
        case 0x38:
          stack[sp++] = BigInt(code.length);
          break;
        case 0x3d:
          stack[sp++] = BigInt(returned.length);
          break;
        case 0x50:
          sp--;
          break;
        case 0x51: {
          const offset = expand(stack[sp - 1], 32n);
          stack[sp - 1] = wordAt(view, offset);
          break;
        }
        case 0x52: {
          sp -= 2;
          const offset = expand(stack[sp + 1], 32n);
          writeWord(offset, stack[sp]);
          break;
        }
        case 0x53: {
          sp -= 2;
          const offset = expand(stack[sp + 1], 1n);
          memory[offset] = Number(stack[sp] & 0xffn);
          break;
        }
        case 0x54: {
          const slot = stack[sp - 1];
          useGas(warmSlots.has(slot) ? WARM_ACCESS : COLD_SLOAD);
          warmSlots.add(slot);
          stack[sp - 1] = storage.get(slot) ?? 0n;
          break;
        }
        case 0x55: {
          // SSTORE: EIP-2200 with EIP-2929's cold surcharge and EIP-3529's prices (refunds aside).
          if (gas <= SSTORE_SENTRY) throw new Halt('out of gas');
          sp -= 2;
          const slot = stack[sp + 1];
          const value = stack[sp];
          const current = storage.get(slot) ?? 0n;
          const initial = original.get(slot) ?? 0n;
          let cost = WARM_ACCESS;
          if (current !== value && initial === current)
            cost = initial === 0n ? SSTORE_SET : SSTORE_RESET;
          if (!warmSlots.has(slot)) {
            cost += COLD_SLOAD;
            warmSlots.add(slot);
          }
          useGas(cost);
          storage.set(slot, value);
          break;
        }
        case 0x56:
          jump(stack[--sp]);
          break;
        case 0x57:
          sp -= 2;
          if (stack[sp] !== 0n) jump(stack[sp + 1]);
          break;
        case 0x58:
          stack[sp++] = BigInt(pc - 1);
          break;
        case 0x59:
          stack[sp++] = BigInt(memoryWords * 32);
          break;
        case 0x5a:
          stack[sp++] = BigInt(gas);
          break;
        case 0x5b:
          break;
        case 0x5c:
          stack[sp - 1] = transient.get(stack[sp - 1]) ?? 0n;
          break;
        case 0x5d:
          sp -= 2;
          transient.set(stack[sp + 1], stack[sp]);
          break;
        case 0x5e: {
          sp -= 3;
          const destWord = stack[sp + 2];
          const fromWord = stack[sp + 1];
          const sizeWord = stack[sp];
          copyGas(sizeWord);
          if (sizeWord !== 0n) {
            // Covering both ranges costs what covering the farther one does.
            expand(destWord, sizeWord);
            expand(fromWord, sizeWord);
            const from = small(fromWord);
            memory.copyWithin(small(destWord), from, from + Number(sizeWord));
          }
          break;
        }
        case 0x5f:
          stack[sp++] = 0n;
          break;
        case 0xa0:
        case 0xa1:
        case 0xa2:
        case 0xa3:
        case 0xa4: {
          // LOG0–4: the topics are dropped; 8 gas a byte and the memory are charged.
          sp -= STACK_IN[op];
          const offsetWord = stack[sp + STACK_IN[op] - 1];
          const sizeWord = stack[sp + STACK_IN[op] - 2];
          useGas(8 * small(sizeWord));
          expand(offsetWord, sizeWord);
          break;
        }
        case 0xf3:
        case 0xfd: {
          sp -= 2;
          const offsetWord = stack[sp + 1];
          const sizeWord = stack[sp];
          const offset = expand(offsetWord, sizeWord);
          const data = memory.slice(offset, offset + Number(sizeWord));
          if (op === 0xf3) return { data, gasLeft: gas };
          throw new Halt('revert', data, gas);
        }
        case 0xfa: {
          sp -= 5;
          const requested = stack[sp + 4];
          const address = stack[sp + 3];
          const inOffsetWord = stack[sp + 2];
          const inSizeWord = stack[sp + 1];
          const outOffsetWord = stack[sp];
          const outSizeWord = stack[sp - 1];
          expand(inOffsetWord, inSizeWord);
          expand(outOffsetWord, outSizeWord);
          useGas(WARM_ACCESS); // precompiles are always warm (EIP-2929)
          // EIP-150: at most all but one 64th of what is left.
          const allowed = gas - Math.floor(gas / 64);
          const gasLimit = requested < BigInt(allowed) ? Number(requested) : allowed;
          const inOffset = inSizeWord === 0n ? 0 : Number(inOffsetWord);
          const input = memory.slice(inOffset, inOffset + Number(inSizeWord));
          const result = precompile(BigInt.asUintN(160, address), input, gasLimit, bn254);
          useGas(result.gasUsed);
          returned = result.output;
          if (result.ok && returned.length > 0 && outSizeWord !== 0n)
            memory.set(returned.subarray(0, Number(outSizeWord)), Number(outOffsetWord));
          stack[sp - 1] = result.ok ? 1n : 0n;
          break;
        }
        case 0xfe:
          throw new Halt('invalid opcode');
        default:
          if (op >= 0x60 && op <= 0x7f) {
            stack[sp++] = pushes[pc - 1] as bigint;
            pc += op - 0x5f;
          } else if (op >= 0x80 && op <= 0x8f) {
            stack[sp] = stack[sp - (op - 0x7f)];
            sp++;
          } else if (op >= 0x90 && op <= 0x9f) {
            const other = sp - 2 - (op - 0x90);
            const top = stack[sp - 1];
            stack[sp - 1] = stack[other];
            stack[other] = top;
          } else unsupported(`opcode 0x${op.toString(16)}`);
      }
    }
  }
}
