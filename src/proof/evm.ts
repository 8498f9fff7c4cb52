import { bytesToHex, hexToBytes } from '../core/bytes.js';
import { PocomputeError } from '../core/errors.js';
import { MclBN254 } from './bn254Mcl.js';
import { type ProofShape, shapeFromVka } from './transcript.js';
import { keccak256 } from './keccak.js';
import { validateProof } from './validateProof.js';
import { VerifierVm, type VmAccount } from './verifierVm.js';

/**
 * One verifier everywhere: a proof is verified in Node by running EZKL's own Solidity verifier —
 * the bytecode a chain would run — in an in-process EVM (verifierVm.ts), on the calldata a
 * transaction would carry. The EVM is created on first use and reused; each verifier's runtime code
 * is installed once at an address of its own (no deployment transaction), and each call starts with
 * cold storage, as a transaction would, so gas is what the call's execution costs on chain (without
 * the transaction's intrinsic 21,000 + calldata gas).
 */

export type VerifierLayout = 'single' | 'reusable';

/**
 * A compiled verifier and what it expects of a proof (see transcript.ts). Without `shape`, the
 * reusable layout's is read from its VKA; the single layout's cannot be read from bytecode, and
 * only the checks every verifier shares are made before the EVM (loadVerifierCode sets `shape`).
 */
export type VerifierCode =
  | { layout: 'single'; runtime: Uint8Array; shape?: ProofShape }
  | {
      layout: 'reusable';
      runtime: Uint8Array;
      /** The verifying-key artifact, as 0x-prefixed bytes32 words. */
      vka: string[];
      shape?: ProofShape;
    };

export type EvmVerdict =
  | {
      ok: true;
      /** Execution gas of the verifyProof call (no intrinsic or calldata gas). */
      gasUsed: bigint;
      /** The reusable verifier's rescaled instances (fixed point → decimal integers). */
      rescaledInstances?: bigint[];
    }
  | { ok: false; reason: string };

/** The hardfork the EVM runs: Osaka (mainnet since Fusaka) — its ModExp pricing and gas cap. */
export const EVM_HARDFORK = 'osaka';
/** EIP-7825 (Osaka): no transaction may use more gas, so neither may a verification here. */
export const EVM_GAS_LIMIT = 1n << 24n;
/** A transaction's intrinsic gas before its calldata. */
const TX_BASE_GAS = 21_000;

/**
 * The execution gas a transaction calling the verifier with this calldata can give it under
 * EIP-7825's cap: the cap less the intrinsic 21,000 and the calldata's gas (EIP-2028: 4 a zero
 * byte, 16 any other). Under EIP-7623 the transaction also pays at least 10 gas a token (a zero
 * byte one token, any other four) in all: when that floor alone is over the cap, nothing is left.
 */
export function verifierGasLimit(data: Uint8Array): number {
  let zeros = 0;
  for (const byte of data) if (byte === 0) zeros++;
  const others = data.length - zeros;
  const cap = Number(EVM_GAS_LIMIT);
  if (TX_BASE_GAS + 10 * (zeros + 4 * others) > cap) return 0;
  return Math.max(0, cap - TX_BASE_GAS - 4 * zeros - 16 * others);
}

const SELECTOR = {
  verifySingle: '1e8e1e13', // verifyProof(bytes,uint256[])
  verifyReusable: '3409fc9f', // verifyProof(bytes,uint256[],bytes32[])
  registerVka: 'dc8b4094', // registerVka(bytes32[])
} as const;

// ——— ABI encoding (by hand: ethers would add ~150 ms to a cold `verify` for three fixed calls) ———

const hex32 = (value: bigint) => value.toString(16).padStart(64, '0');
const padTo32 = (hex: string) => hex.padEnd(Math.ceil(hex.length / 64) * 64, '0');

function bytesWord(word: string, what: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(word))
    throw new PocomputeError('ARTIFACTS_INVALID', `${what}: not a bytes32 word: ${word}`, {
      hint: 'Re-create the VKA with the verifier (recompile with --force); it is truncated or altered.',
    });
  return word.slice(2).toLowerCase();
}

function uintWord(value: bigint, what: string): string {
  if (typeof value !== 'bigint' || value < 0n || value >= 1n << 256n)
    throw new PocomputeError('BUNDLE_INVALID', `${what} is not a uint256: ${value}`);
  return hex32(value);
}

/** ABI-encodes dynamic arguments (each given as its encoded tail, without head) after a selector. */
function encodeCall(selector: string, tails: string[]): Uint8Array {
  let offset = 32n * BigInt(tails.length);
  const heads: string[] = [];
  for (const tail of tails) {
    heads.push(hex32(offset));
    offset += BigInt(tail.length / 2);
  }
  return hexToBytes(selector + heads.join('') + tails.join(''));
}

const bytesTail = (data: Uint8Array) => hex32(BigInt(data.length)) + padTo32(bytesToHex(data));
const arrayTail = (words: string[]) => hex32(BigInt(words.length)) + words.join('');

/**
 * The calldata of EZKL's `verifyProof`: `(bytes proof, uint256[] instances)` for the single
 * verifier, `(bytes proof, uint256[] instances, bytes32[] vka)` for the reusable one — canonical ABI
 * encoding, as the reusable verifier requires (it checks the instances' offset against the proof
 * length). EZKL's own `encode_evm_calldata` appends one zero word to the single layout's; the
 * verifier ignores it.
 */
export function encodeVerifierCalldata(
  layout: VerifierLayout,
  proof: Uint8Array,
  instances: readonly bigint[],
  vka?: readonly string[],
): Uint8Array {
  const tails = [
    bytesTail(proof),
    arrayTail(instances.map((v, i) => uintWord(v, `public instance ${i}`))),
  ];
  if (layout === 'single') return encodeCall(SELECTOR.verifySingle, tails);
  if (!vka) throw new PocomputeError('INTERNAL', 'the reusable verifier needs its VKA');
  tails.push(arrayTail(vka.map((w, i) => bytesWord(w, `VKA word ${i}`))));
  return encodeCall(SELECTOR.verifyReusable, tails);
}

// ——— The EVM ———

interface VerifierEvm {
  vm: VerifierVm;
  /** Installed runtime code: the code as hex → its account. */
  installed: Map<string, VmAccount>;
  /** The same, by the array that was installed (the array must not change after). */
  byArray: WeakMap<Uint8Array, VmAccount>;
  /** Registered VKAs: `<address> <registerVka calldata as hex>` → the digest registerVka returned. */
  registered: Map<string, string>;
  /** Records V8's compiled code of the runtime, once a verification compiled what it uses. */
  saveCodeCache?: () => void;
}

const CALLER = 0xc0den;

let current: Promise<VerifierEvm> | undefined;

/** mcl's state is global to its module: initialised for BN254 (its BN_SNARK1) once. */
async function initMcl(mcl: typeof import('mcl-wasm')) {
  if (mcl.curveType !== mcl.BN_SNARK1) await mcl.init(mcl.BN_SNARK1);
  return mcl;
}

async function createVerifierEvm(): Promise<VerifierEvm> {
  // mcl-wasm (bundled at build time: evmRuntime.ts), loaded on first use: commands that never
  // verify do not pay for it.
  const runtime = await import('./evmRuntime.js');
  const bn254 = new MclBN254(await initMcl(runtime.mcl));
  return {
    vm: new VerifierVm(bn254, keccak256),
    installed: new Map(),
    byArray: new WeakMap(),
    registered: new Map(),
    saveCodeCache: runtime.saveCodeCache,
  };
}

function verifierEvm(): Promise<VerifierEvm> {
  current ??= createVerifierEvm().catch((error) => {
    current = undefined;
    throw error;
  });
  return current;
}

/**
 * Starts creating the EVM (loading its module, compiling the BN254 WebAssembly) without waiting,
 * so that a cold `verify` overlaps it with reading the bundle and the keys. A failure is reported
 * by the verification that needs the EVM.
 */
export function prepareVerifierEvm(): void {
  verifierEvm().catch(() => undefined);
}

/** The BN254 backend of the EVM (herumi's mcl in WebAssembly, bn254Mcl.ts), creating the EVM. */
export async function bn254Backend(): Promise<'mcl-wasm'> {
  await verifierEvm();
  return 'mcl-wasm';
}

/**
 * A call as the body of a transaction: storage cold, precompiles warm, with the gas a transaction
 * under EIP-7825's cap can give it (verifierGasLimit): a verifier that needs more runs out of gas
 * here as it would on chain. (A contract calling the verifier passes it at most 63/64 of its own
 * gas, less again: the market's gas is measured on anvil, see docs/benchmarks.md.)
 */
function call(ctx: VerifierEvm, to: VmAccount, data: Uint8Array) {
  return ctx.vm.call({ to, caller: CALLER, data, gasLimit: verifierGasLimit(data) });
}

function install(ctx: VerifierEvm, runtime: Uint8Array): VmAccount {
  // The same array (a verifier loaded once, verifying many proofs) is found without hashing it.
  let account = ctx.byArray.get(runtime);
  if (account) return account;
  const key = bytesToHex(runtime);
  account = ctx.installed.get(key);
  if (!account) {
    account = ctx.vm.account(0xe2c1_0000n + BigInt(ctx.installed.size), runtime);
    ctx.installed.set(key, account);
  }
  ctx.byArray.set(runtime, account);
  return account;
}

/** Registers the VKA with the reusable verifier (once), as on chain; returns its digest. */
function register(ctx: VerifierEvm, account: VmAccount, vka: readonly string[]) {
  const data = encodeCall(SELECTOR.registerVka, [
    arrayTail(vka.map((w, i) => bytesWord(w, `VKA word ${i}`))),
  ]);
  const key = `${account.address} ${bytesToHex(data)}`;
  let digest = ctx.registered.get(key);
  if (digest === undefined) {
    const result = call(ctx, account, data);
    if (!result.ok || result.returnData.length !== 32)
      throw new PocomputeError(
        'INTERNAL',
        `the reusable verifier refused to register the VKA (${result.error ?? 'no digest'})`,
      );
    digest = bytesToHex(result.returnData);
    ctx.registered.set(key, digest);
  }
  return digest;
}

/** What a chain knows a verifier by: the hashes a registry or an attestation pins. */
export interface VerifierIdentity {
  /** keccak256 of the runtime code (0x hex): EXTCODEHASH of the deployed verifier. */
  codeHash: string;
  /** reusable: the digest registerVka returns for the VKA (keccak256 of its words, 0x hex). */
  vkaDigest?: string;
}

/**
 * The identity of a verifier: the keccak-256 of the runtime code that will run (EXTCODEHASH on
 * chain) and, for the reusable layout, the digest the verifier's own registerVka returns in the
 * EVM — so a pinned hash is compared with exactly the code and VKA that will run.
 */
export async function verifierIdentity(code: VerifierCode): Promise<VerifierIdentity> {
  const codeHash = `0x${bytesToHex(keccak256(code.runtime))}`;
  if (code.layout === 'single') return { codeHash };
  const ctx = await verifierEvm();
  return { codeHash, vkaDigest: `0x${register(ctx, install(ctx, code.runtime), code.vka)}` };
}

const U256 = (data: Uint8Array, offset: number): bigint =>
  offset + 32 <= data.length ? BigInt(`0x${bytesToHex(data.subarray(offset, offset + 32))}`) : -1n;

const toInt256 = (value: bigint) => (value >= 1n << 255n ? value - (1n << 256n) : value);

/**
 * Reads the reusable verifier's return data. Not the ABI encoding its signature declares, `(bool,
 * bytes32, int256[])`: its assembly returns `success`, `vka_digest`, then the byte length of the
 * rescaled instances where an offset belongs, then the rescaled instances — so `abi.decode` (or
 * ethers) would misread the array. `success` and the digest are where the ABI puts them.
 */
function decodeReusable(data: Uint8Array) {
  if (data.length < 96 || data.length % 32 !== 0) return undefined;
  const rescaled: bigint[] = [];
  for (let offset = 96; offset < data.length; offset += 32)
    rescaled.push(toInt256(U256(data, offset)));
  return {
    success: U256(data, 0),
    digest: bytesToHex(data.subarray(32, 64)),
    rescaled,
  };
}

/**
 * Verifies a proof by running the verifier's code on its calldata. A malformed proof (see
 * validateProof) is refused first, as BUNDLE_INVALID; a well-formed proof gets a verdict: ok only
 * if the call returned `true` (single) or `success = true` with the registered VKA's digest
 * (reusable); a revert, a false or anything else is `ok: false` with a short reason.
 */
export async function runVerifier(
  code: VerifierCode,
  proof: Uint8Array,
  instances: readonly bigint[],
): Promise<EvmVerdict> {
  validateProof(
    proof,
    instances,
    code.shape ?? (code.layout === 'reusable' ? shapeFromVka(code.vka) : undefined),
  );
  const data = encodeVerifierCalldata(
    code.layout,
    proof,
    instances,
    code.layout === 'reusable' ? code.vka : undefined,
  );
  const ctx = await verifierEvm();
  const account = install(ctx, code.runtime);
  const digest = code.layout === 'reusable' ? register(ctx, account, code.vka) : '';
  const result = call(ctx, account, data);
  ctx.saveCodeCache?.();
  if (!result.ok) {
    return {
      ok: false,
      reason:
        result.error === 'revert'
          ? 'the verifier reverted'
          : `the verifier failed: ${result.error}`,
    };
  }
  if (code.layout === 'single') {
    return U256(result.returnData, 0) === 1n && result.returnData.length === 32
      ? { ok: true, gasUsed: result.gasUsed }
      : { ok: false, reason: 'the verifier returned false' };
  }
  const decoded = decodeReusable(result.returnData);
  if (!decoded) return { ok: false, reason: 'the verifier returned malformed data' };
  if (decoded.success !== 1n) return { ok: false, reason: 'the verifier returned success = false' };
  if (decoded.digest !== digest)
    return {
      ok: false,
      reason: 'the verifier returned another VKA digest than the registered one',
    };
  return { ok: true, gasUsed: result.gasUsed, rescaledInstances: decoded.rescaled };
}
