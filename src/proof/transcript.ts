import { PocomputeError } from '../core/errors.js';

/**
 * The bytes of a Halo2/KZG proof as EZKL 23's Solidity verifiers read them (the EVM transcript:
 * Keccak Fiat–Shamir, big-endian 32-byte words). Both layouts read the same proof:
 *
 *   1. for each challenge phase, that phase's G1 commitments — advice columns of the phase, then
 *      (later phases) lookup/shuffle/permutation products, then the quotient chunks — each point
 *      64 bytes `x ‖ y`; after every phase the verifier squeezes its challenge(s) (θ, β γ, y, x);
 *   2. the polynomial evaluations at x (and its rotations): 32-byte scalars, each checked `< r`;
 *   3. the batch-opening proof: two G1 points, W (after ζ, ν) and W' (after μ).
 *
 * Each point is checked `x < p`, `y < p` and `y² = x³ + 3 (mod p)` (so the identity, encoded
 * (0, 0), is refused), each scalar `< r`, each public instance `< r`; any failure reverts. The
 * single verifier also requires `proof.length` to equal the layout's length (its constant
 * `eq(0x…, proof.length)`); the reusable one only requires canonical ABI offsets and would ignore
 * trailing bytes — pocompute holds both to the exact length.
 *
 * Where the counts come from:
 *  - single (`Halo2Verifier`): unrolled in the source — one `proof_cptr_end := add(proof_cptr, N)`
 *    loop of `read_ec_point` per phase, one such loop of `calldataload` evaluations, then the
 *    stand-alone `read_ec_point` calls of W and W'; `num_instances` is a `mstore` of the vk.
 *  - reusable (`Halo2VerifierReusable`): driven by the verifying-key artifact (VKA), which the
 *    verifier's ABI decoder copies to memory (word i at `0xa0 + 32·i`): `num_instances` and the
 *    number of evaluations are VKA words at fixed addresses, and the phases are packed from the
 *    word at `challenge_len_ptr`: a byte with the number of packed words, then per phase 16 bits of
 *    point bytes and 8 bits of challenge count. The addresses are read from the verifier's source.
 */
export interface TranscriptLayout {
  /** G1 points read in each challenge phase, in order. */
  phasePoints: number[];
  /** 32-byte scalar evaluations after the last phase. */
  evaluations: number;
  /** G1 points of the batch-opening proof (W, W'). */
  openingPoints: number;
}

/** What a verifier expects of a proof and its public instances. */
export interface ProofShape {
  instanceCount: number;
  transcript: TranscriptLayout;
}

/** Where the reusable verifier reads its proof shape from the VKA (word indices). */
export interface ReusableVkaLayout {
  instanceCountWord: number;
  numEvaluationsWord: number;
  challengeLengthsWord: number;
  openingPoints: number;
}

/** Where EZKL 23.0.5's reusable verifier reads them (checked against its source by the tests). */
export const EZKL_REUSABLE_VKA_LAYOUT: ReusableVkaLayout = {
  instanceCountWord: 2,
  numEvaluationsWord: 3,
  challengeLengthsWord: 33,
  openingPoints: 2,
};

export const G1_BYTES = 64;
export const SCALAR_BYTES = 32;

export function transcriptLength(layout: TranscriptLayout): number {
  const points = layout.phasePoints.reduce((a, b) => a + b, 0) + layout.openingPoints;
  return points * G1_BYTES + layout.evaluations * SCALAR_BYTES;
}

/** The verifier source is not the EZKL 23 template this module understands. */
function unknownTemplate(what: string, detail: string): PocomputeError {
  return new PocomputeError(
    'ARTIFACTS_INVALID',
    `${what}: not an EZKL 23 Solidity verifier pocompute can read (${detail})`,
    {
      hint: 'Re-emit the verifier with the EZKL version pocompute uses (recompile with --force); pocompute reads the proof layout from it.',
    },
  );
}

const hexInt = (text: string) => Number.parseInt(text, 16);

/** The assembly of `verifyProof` up to the first revert-on-failure: where the proof is read. */
function readSection(source: string, start: RegExp, what: string): string {
  const from = source.search(start);
  if (from < 0) throw unknownTemplate(what, 'no proof-length check');
  const to = source.indexOf('if iszero(success)', from);
  if (to < 0) throw unknownTemplate(what, 'no revert after reading the proof');
  return source.slice(from, to);
}

const POINT_LOOP =
  /proof_cptr_end := add\(proof_cptr, (0x[0-9a-fA-F]+)\)\s*\}[^{]*\{\s*\}\s*\{\s*(success, proof_cptr, hash_mptr := read_ec_point|let eval := calldataload\(proof_cptr\))/g;

/** Stand-alone point reads outside loops (W, W'): a read_ec_point call after the evaluations loop. */
function openingReads(section: string): number {
  const evalLoop = section.search(/let eval := calldataload\(proof_cptr\)/);
  if (evalLoop < 0) return 0;
  return (section.slice(evalLoop).match(/:= read_ec_point\(/g) ?? []).length;
}

/** The proof shape of EZKL 23's single verifier (`Halo2Verifier`), from its source. */
export function shapeFromSingleVerifier(source: string, what = 'verifier'): ProofShape {
  const section = readSection(source, /eq\(0x[0-9a-fA-F]+, proof\.length\)/, what);
  const declared = hexInt(/eq\((0x[0-9a-fA-F]+), proof\.length\)/.exec(section)![1]);
  const instanceCount = /mstore\(0x[0-9a-fA-F]+, (0x[0-9a-fA-F]+)\) \/\/ num_instances/.exec(
    section,
  );
  if (!instanceCount) throw unknownTemplate(what, 'no num_instances');
  const phasePoints: number[] = [];
  let evaluations = -1;
  for (const m of section.matchAll(POINT_LOOP)) {
    const bytes = hexInt(m[1]);
    if (m[2].startsWith('let eval')) {
      if (evaluations >= 0 || bytes % SCALAR_BYTES) throw unknownTemplate(what, 'evaluations');
      evaluations = bytes / SCALAR_BYTES;
    } else {
      if (evaluations >= 0 || bytes % G1_BYTES) throw unknownTemplate(what, 'phase after evals');
      phasePoints.push(bytes / G1_BYTES);
    }
  }
  const transcript = { phasePoints, evaluations, openingPoints: openingReads(section) };
  if (evaluations < 0 || phasePoints.length === 0 || transcriptLength(transcript) !== declared)
    throw unknownTemplate(
      what,
      `the layout read (${JSON.stringify(transcript)}) does not add up to its proof length ${declared}`,
    );
  return { instanceCount: Number(BigInt(instanceCount[1])), transcript };
}

/** Where EZKL 23's reusable verifier (`Halo2VerifierReusable`) reads the proof shape in the VKA. */
export function reusableVkaLayout(source: string, what = 'verifier'): ReusableVkaLayout {
  const section = readSection(
    source,
    /eq\(sub\(instance_cptr, 0x[0-9a-fA-F]+\), proof\.length\)/,
    what,
  );
  const base = /mstore\(vka_end, mload\((0x[0-9a-fA-F]+)\)\)/.exec(section);
  const instanceCount = /let num_instances := mload\((0x[0-9a-fA-F]+)\)/.exec(section);
  const numEvals = /let num_evals := mul\(0x20, mload\((0x[0-9a-fA-F]+)\)\)/.exec(section);
  const challenges = /let challenge_len_ptr := (0x[0-9a-fA-F]+)/.exec(section);
  if (!base || !instanceCount || !numEvals || !challenges)
    throw unknownTemplate(
      what,
      'the VKA addresses of num_instances, num_evals or challenge lengths',
    );
  const word = (address: string) => {
    const offset = hexInt(address) - hexInt(base[1]);
    if (offset < 0 || offset % 32) throw unknownTemplate(what, `VKA address ${address}`);
    return offset / 32;
  };
  const openingPoints = openingReads(section);
  if (
    !/for \{ \} lt\(proof_cptr, proof_cptr_end\) \{ \} \{\s*success, proof_cptr, hash_mptr := read_ec_point/.test(
      section,
    ) ||
    openingPoints === 0
  )
    throw unknownTemplate(what, 'no phase or opening reads');
  return {
    instanceCountWord: word(instanceCount[1]),
    numEvaluationsWord: word(numEvals[1]),
    challengeLengthsWord: word(challenges[1]),
    openingPoints,
  };
}

/** A VKA is trusted key material: malformed, it is an artifacts problem, not a bad proof. */
function badVka(detail: string): PocomputeError {
  return new PocomputeError('ARTIFACTS_INVALID', `verifying-key artifact (VKA): ${detail}`, {
    hint: 'Re-create the VKA with the verifier (recompile with --force); it is truncated or altered.',
  });
}

const SMALL = 1n << 32n;

/** The proof shape the reusable verifier will read with this VKA (as bytes32 hex words). */
export function shapeFromVka(
  vka: readonly string[],
  layout: ReusableVkaLayout = EZKL_REUSABLE_VKA_LAYOUT,
): ProofShape {
  const at = (i: number): bigint => {
    if (i >= vka.length) throw badVka(`${vka.length} words, too short for word ${i}`);
    return BigInt(vka[i]);
  };
  const instanceCount = at(layout.instanceCountWord);
  const evaluations = at(layout.numEvaluationsWord);
  if (instanceCount >= SMALL || evaluations >= SMALL) throw badVka('instance or evaluation count');
  let data = at(layout.challengeLengthsWord);
  const words = Number(data & 0xffn);
  data >>= 8n;
  const phasePoints: number[] = [];
  for (let w = 1; w <= words; w++) {
    while (data !== 0n) {
      const bytes = Number(data & 0xffffn);
      if (bytes % G1_BYTES) throw badVka(`a phase of ${bytes} bytes is not whole G1 points`);
      phasePoints.push(bytes / G1_BYTES);
      data >>= 24n; // 16 bits of point bytes, 8 bits of challenge count
    }
    if (w < words) data = at(layout.challengeLengthsWord + w);
  }
  if (phasePoints.length === 0) throw badVka('no challenge phases');
  return {
    instanceCount: Number(instanceCount),
    transcript: {
      phasePoints,
      evaluations: Number(evaluations),
      openingPoints: layout.openingPoints,
    },
  };
}
