import type { ErrorCode } from '../core/errorCodes.js';
import { PocomputeError } from '../core/errors.js';
import { floatToFelt, poseidonHash } from '../proof/poseidon.js';
import { feltFromHexLE, feltToSigned } from '../proof/felts.js';

/** How a value that cannot be quantized is reported: the error code and what the values are. */
export interface QuantizeContext {
  code?: ErrorCode;
  /** Names the values in the message, e.g. "input 0 value" or "step 1 loss". */
  what?: string;
  /** The largest quantized magnitude the circuit holds, and why (e.g. its range check). */
  range?: { max: bigint; why: string };
  /** What to do about a value that does not fit (default: the code's hint). */
  hint?: string;
}

/**
 * Quantizes floats exactly as EZKL does for an input of this scale and type (f32 by default), with
 * src/proof/poseidon.ts's implementation of EZKL's float_to_felt (no engine). A value past EZKL's
 * 64-bit fixed point (or one EZKL refuses) is a typed error naming it, never a bare exception.
 */
export function toFelts(
  values: ArrayLike<number>,
  scale: number,
  type = 'f32',
  context: QuantizeContext = {},
): string[] {
  const { code = 'INPUT_INVALID', what = 'value', range, hint } = context;
  return Array.from(values, (v, j) => {
    const which = values.length > 1 ? `${what} ${j}` : what;
    const scaled = Math.abs(v) * 2 ** scale;
    if (!Number.isFinite(scaled) || scaled >= 2 ** 63)
      throw new PocomputeError(
        code,
        `${which} (${v}) does not fit the circuit's fixed point (scale 2^${scale})`,
        { hint },
      );
    let felt: string;
    try {
      felt = floatToFelt(v, scale, type.toLowerCase());
    } catch (error) {
      // EZKL's refusal of a value is about that value, so it is reported as such, in its words.
      throw new PocomputeError(
        code,
        `${which} (${v}) cannot be quantized: ${(error as Error).message ?? error}`,
        { hint },
      );
    }
    const quantized = range ? feltToSigned(feltFromHexLE(felt)) : 0n;
    if (range && (quantized < 0n ? -quantized : quantized) > range.max)
      throw new PocomputeError(
        code,
        `${which} (${v}) is outside the circuit's range: quantized at scale 2^${scale} it is ` +
          `${quantized}, beyond ±${range.max} (${range.why})`,
        { hint },
      );
    return felt;
  });
}

/**
 * The Poseidon hash EZKL publishes for a tensor with "hashed" visibility, recomputed (in
 * TypeScript, bit-identical to EZKL): checks that a proof's hashed instance is these exact values.
 */
export function poseidonOfTensor(
  values: ArrayLike<number>,
  scale: number,
  type = 'f32',
  context: QuantizeContext = {},
): string {
  return poseidonOfFelts(toFelts(values, scale, type, context));
}

/**
 * EZKL's Poseidon hash of a message of field elements (as `toFelts` writes them). EZKL has no hash
 * of an empty message: that gives undefined, as EZKL's engine always did here (it equals no
 * instance, so a check against one fails rather than throws).
 */
export function poseidonOfFelts(message: string[]): string {
  if (message.length === 0) return undefined as unknown as string;
  return poseidonHash(message);
}
