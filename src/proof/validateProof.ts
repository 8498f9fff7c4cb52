import { bytesEqual, hexToBytes } from '../core/bytes.js';
import { PocomputeError } from '../core/errors.js';
import { BN254_R } from './felts.js';
import { G1_BYTES, SCALAR_BYTES, type TranscriptLayout, transcriptLength } from './transcript.js';

/** BN254's base field modulus: the coordinates of G1 points. */
export const BN254_P =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

const HINT =
  'The proof bytes or public values were altered, cut short or padded: pass the bundle exactly as `pocompute prove` wrote it.';

function malformed(message: string): PocomputeError {
  return new PocomputeError('BUNDLE_INVALID', `malformed proof: ${message}`, { hint: HINT });
}

function word(proof: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + 32; i++) value = (value << 8n) | BigInt(proof[i]);
  return value;
}

/** Is (x, y) an affine point of BN254's G1 (y² = x³ + 3 over F_p), both coordinates reduced? */
export function isG1Point(x: bigint, y: bigint): boolean {
  if (x >= BN254_P || y >= BN254_P) return false;
  return (y * y) % BN254_P === (((x * x) % BN254_P) * x + 3n) % BN254_P;
}

/** Where each G1 point and scalar of a proof sits, with a name for messages. */
function* transcriptItems(
  layout: TranscriptLayout,
): Generator<{ kind: 'point' | 'scalar'; offset: number; label: string }> {
  let offset = 0;
  for (const [phase, count] of layout.phasePoints.entries())
    for (let i = 0; i < count; i++, offset += G1_BYTES)
      yield { kind: 'point', offset, label: `commitment ${i} of phase ${phase + 1}` };
  for (let i = 0; i < layout.evaluations; i++, offset += SCALAR_BYTES)
    yield { kind: 'scalar', offset, label: `evaluation ${i}` };
  for (let i = 0; i < layout.openingPoints; i++, offset += G1_BYTES)
    yield { kind: 'point', offset, label: `opening point ${i === 0 ? 'W' : `W${"'".repeat(i)}`}` };
}

/** What a proof must fit: a ProofShape, or only the instance count the circuit's settings give. */
export interface ProofExpectations {
  instanceCount?: number;
  transcript?: TranscriptLayout;
}

/**
 * Refuses, as an input error (BUNDLE_INVALID, exit 2), a proof that EZKL's verifier could not even
 * read: public instances that are not BN254 scalars or not as many as expected, proof bytes of the
 * wrong length, or a word of the transcript out of its field — a coordinate ≥ p, a point off the
 * curve, an evaluation ≥ r (see transcript.ts for the layout). What passes is well-formed, and only
 * the verifier can then say whether it is valid. Without a transcript layout, only what holds for
 * every verifier is checked of the proof bytes: some, in whole 32-byte words.
 */
export function validateProof(
  proof: Uint8Array,
  instances: readonly bigint[],
  expected: ProofExpectations = {},
): void {
  const { instanceCount, transcript } = expected;
  if (instanceCount !== undefined && instances.length !== instanceCount)
    throw malformed(
      `${instances.length} public instances, where the verifier expects ${instanceCount}`,
    );
  for (const [i, value] of instances.entries())
    if (typeof value !== 'bigint' || value < 0n || value >= BN254_R)
      throw malformed(`public instance ${i} is not a BN254 scalar (0 ≤ x < r): ${value}`);
  if (proof.length === 0) throw malformed('the proof is empty');
  if (proof.length % 32 !== 0)
    throw malformed(`the proof is ${proof.length} bytes, not a whole number of 32-byte words`);
  if (!transcript) return;
  const length = transcriptLength(transcript);
  if (proof.length !== length)
    throw malformed(
      `the proof is ${proof.length} bytes, where the verifier reads ${length} (${describe(transcript)})`,
    );
  for (const item of transcriptItems(transcript)) {
    const at = `bytes ${item.offset}–${item.offset + (item.kind === 'point' ? G1_BYTES : SCALAR_BYTES) - 1}`;
    if (item.kind === 'scalar') {
      if (word(proof, item.offset) >= BN254_R)
        throw malformed(`${item.label} (${at}) is not a BN254 scalar (≥ r)`);
    } else if (!isG1Point(word(proof, item.offset), word(proof, item.offset + 32))) {
      throw malformed(`${item.label} (${at}) is not a point of BN254's G1`);
    }
  }
}

/**
 * The proof bytes of EZKL's proof JSON: its `proof` byte list, or its `hex_proof` (0x hex); when
 * both are there they must agree. Anything else is a malformed proof (BUNDLE_INVALID).
 */
export function proofBytesOf(ezklProof: unknown): Uint8Array {
  const { proof, hex_proof: hex } = (ezklProof ?? {}) as { proof?: unknown; hex_proof?: unknown };
  let fromList: Uint8Array | undefined;
  if (proof !== undefined && proof !== null) {
    if (
      !Array.isArray(proof) ||
      !proof.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255)
    )
      throw malformed('"proof" is not a list of bytes (integers 0–255)');
    fromList = Uint8Array.from(proof as number[]);
  }
  let fromHex: Uint8Array | undefined;
  if (hex !== undefined && hex !== null) {
    if (typeof hex !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(hex))
      throw malformed('"hex_proof" is not 0x-prefixed hex bytes');
    fromHex = hexToBytes(hex);
  }
  if (fromList && fromHex && !bytesEqual(fromList, fromHex))
    throw malformed('"proof" and "hex_proof" are different bytes');
  const bytes = fromList ?? fromHex;
  if (!bytes) throw malformed('no proof bytes ("proof" or "hex_proof")');
  return bytes;
}

function describe(layout: TranscriptLayout): string {
  const points = layout.phasePoints.reduce((a, b) => a + b, 0) + layout.openingPoints;
  return `${points} G1 points of 64 bytes and ${layout.evaluations} scalars of 32`;
}
