import { AbiCoder, keccak256, ZeroHash } from 'ethers';
import { PocomputeError } from '../../core/errors.js';
import { batchPath as treePath, batchRoot as treeRoot } from '../../market/batchTree.js';
import { feltFromHexLE } from '../../proof/felts.js';
import { poseidonOfTensor, toFelts } from '../poseidon.js';
import { batchSchedule } from './batchSchedule.js';
import type { TrainingData } from './trainingData.js';

/**
 * What a training bounty commits to on chain: the secret evaluation set (a salted keccak256 of the
 * felts the evaluation proof later reveals) and the scheduled batches of a run (a Merkle tree of
 * one leaf per step, the tree contracts/libraries/BatchMerkle.sol checks).
 */
const abi = AbiCoder.defaultAbiCoder();

type Hex32 = `0x${string}`;

/**
 * keccak256(abi.encode(keccak256(abi.encode(uint256[] evalFelts)), bytes32 salt)). The felts are
 * uint256 values, as decimal strings or 0x-prefixed big-endian hex (what `evalSetFelts` gives).
 */
export function evalCommitment(evalFelts: string[], salt: Hex32): Hex32 {
  const values = evalFelts.map((f) => {
    if (!/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(f))
      throw new PocomputeError('INPUT_INVALID', 'an evaluation felt is not a uint256');
    return BigInt(f);
  });
  const inner = keccak256(abi.encode(['uint256[]'], [values]));
  return keccak256(abi.encode(['bytes32', 'bytes32'], [inner, salt])) as Hex32;
}

/**
 * The evaluation set as the evaluation circuit's public copies carry it: the features flattened row
 * by row, then the labels (target vectors), each quantized as EZKL quantizes the input (toFelts) at
 * the circuit's features and labels input scales; as decimal uint256 strings (the values a
 * contract reads from the instances; an instance string is the same felt in little-endian hex).
 */
export function evalSetFelts(
  features: number[][],
  labels: number[][],
  scales: readonly [features: number, labels: number] | readonly number[],
): string[] {
  return [...toFelts(features.flat(), scales[0]), ...toFelts(labels.flat(), scales[1])].map((h) =>
    feltFromHexLE(h).toString(),
  );
}

/** A felt given as a bigint or as an EZKL instance string (32-byte little-endian hex). */
const feltValue = (f: bigint | string) => (typeof f === 'bigint' ? f : feltFromHexLE(f));

/** keccak256(abi.encode(uint256 step, uint256 featuresHash, uint256 labelsHash)). */
export function batchLeaf(
  step: number,
  featuresHash: bigint | string,
  labelsHash: bigint | string,
): Hex32 {
  return keccak256(
    abi.encode(
      ['uint256', 'uint256', 'uint256'],
      [step, feltValue(featuresHash), feltValue(labelsHash)],
    ),
  ) as Hex32;
}

/** The leaves padded with zero leaves to maxSteps (BatchMerkle pads on to a power of two). */
function padded(leaves: readonly string[], maxSteps: number): string[] {
  if (!Number.isInteger(maxSteps) || maxSteps < 1 || leaves.length > maxSteps)
    throw new PocomputeError(
      'OPTION_INVALID',
      `${leaves.length} batch leaves do not fit a tree of maxSteps ${maxSteps}`,
    );
  return [...leaves, ...Array<string>(maxSteps - leaves.length).fill(ZeroHash)];
}

/** The root of the steps' leaves in a tree of maxSteps leaves (src/market/batchTree.ts). */
export function batchRoot(leaves: readonly string[], maxSteps: number): Hex32 {
  return treeRoot(padded(leaves, maxSteps)) as Hex32;
}

/** Leaf `index`'s siblings from the leaves up: ⌈log2 maxSteps⌉ of them. */
export function batchPath(leaves: readonly string[], maxSteps: number, index: number): Hex32[] {
  if (!Number.isInteger(index) || index < 0 || index >= maxSteps)
    throw new PocomputeError('OPTION_INVALID', `step ${index} is not below maxSteps ${maxSteps}`);
  return treePath(padded(leaves, maxSteps), index) as Hex32[];
}

/**
 * For each step i < maxSteps, the Poseidon hashes [features, labels] of its scheduled batch
 * (sha256-shuffle@1 on the seed), at the step circuit's batch scales: exactly the instances k and
 * k+1 of that step's proof (EZKL instance strings).
 */
export function scheduledBatchHashes(
  data: TrainingData,
  scales: readonly number[],
  seed: string,
  batch: number,
  maxSteps: number,
): [features: string, labels: string][] {
  const schedule = batchSchedule(seed, data.features.length, batch);
  return Array.from({ length: maxSteps }, (_, i) => {
    const rows = schedule(i);
    return [
      poseidonOfTensor(
        rows.flatMap((r) => data.features[r]),
        scales[0],
      ),
      poseidonOfTensor(
        rows.flatMap((r) => data.targets[r]),
        scales[1],
      ),
    ];
  });
}
