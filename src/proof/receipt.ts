import { AbiCoder, isAddress, keccak256, toUtf8Bytes } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import { z } from 'zod';
import { codePointSortedJson } from '../core/json.js';
import { bundleVerifierSchema } from './bundleVerifier.js';
import type { CircuitLayout } from './circuitLayout.js';
import { feltFromHexLE, feltHex, feltToSigned } from './felts.js';

/**
 * A receipt: one self-contained JSON file saying "this output came from this model on this input,
 * proved (and, with a settlement, paid on this chain)". Everything in it is a claim; checkReceipt
 * (src/verifier/checkReceipt.ts) decides what holds from the proof, the verifier and the chain.
 * No `node:` import: receipts are checked in browsers (`pocompute page`).
 */

/** The receipt format this version writes and reads (a new major changes the number). */
export const RECEIPT_FORMAT = 'pocompute-receipt@1';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const finite = () => z.number().finite();
/** An address: 0x and 40 hex digits, all one case or with a valid EIP-55 checksum. */
const address = () =>
  z
    .string()
    .regex(ADDRESS, 'must be a 0x address')
    .refine((a) => isAddress(a), 'must be an address with a valid checksum (or all one case)');
/** Control characters (C0, DEL, C1), bidirectional overrides and isolates, line separators. */
export const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is refused
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** A name a receipt shows (model, tensor, label): bounded, no control or bidi characters. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((t) => !UNPRINTABLE.test(t), 'must not hold control or bidirectional characters');
/** A chain id JavaScript numbers hold exactly. */
const chainId = () => z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const uint = () => z.string().regex(/^\d{1,78}$/, 'must be a decimal integer');

const readableSchema = z.discriminatedUnion('kind', [
  /** One value: a score. */
  z.object({ kind: z.literal('score'), label: text(200).optional(), value: finite() }),
  /** Several values: the k largest, highest first, with their label when the model names them. */
  z.object({
    kind: z.literal('top-k'),
    top: z.array(
      z.object({
        index: z.number().int().nonnegative(),
        label: text(200).optional(),
        value: finite(),
      }),
    ),
  }),
]);
export type ReadableOutput = z.infer<typeof readableSchema>;

const tensorSchema = z.object({
  name: text(200),
  dims: z.array(z.number().int().nonnegative()),
  visibility: z.enum(['public', 'hashed', 'private']),
  /** Dequantized values, for public tensors (an input's may be left out: its commitment stays). */
  values: z.array(finite()).optional(),
  /** Poseidon hash felts (hashed tensors). */
  hash: z.array(z.string()).optional(),
});
export type ReceiptTensor = z.infer<typeof tensorSchema>;

/** A paid training bounty (IPocomputeBounties): its terms, the proved metric, the transactions. */
const bountySchema = z
  .object({
    chainId: chainId(),
    /** The bounty contract. */
    contract: address(),
    bountyId: uint(),
    /** The terms' base model file (sha256, hex). */
    baseModelSha256: z.string().regex(SHA256, 'must be a sha256 in hex'),
    /** The terms' training data commitment (sha256-merkle@1, hex). */
    dataCommitment: z.string().regex(SHA256, 'must be a sha256 in hex'),
    /** The Poseidon hashes of the final trainable tensors: the proof's first k instances (0x bytes32, big-endian). */
    finalWeightsHash: z.array(z.string().regex(HEX32, 'must be a 0x bytes32')).min(1).max(1024),
    metric: z
      .object({
        kind: z.enum(['loss', 'accuracy']),
        /** The proved metric (the proof's last instance), dequantized at its output scale. */
        value: finite(),
        /** The terms' target, dequantized at the same scale. */
        target: finite(),
        /** loss: value <= target; accuracy: value >= target. */
        met: z.boolean(),
      })
      .strict(),
    /** The proveMetric transaction (it emitted MetricProved) and its block. */
    proveTxHash: z.string().regex(HEX32, 'must be a 0x bytes32'),
    proveBlock: z.number().int().nonnegative(),
    /** The settle transaction that paid the worker (BountySettled, phase Paid). */
    settleTxHash: z.string().regex(HEX32, 'must be a 0x bytes32').optional(),
    /** The committed worker the bounty paid. */
    worker: address(),
  })
  .strict();
export type ReceiptBounty = z.infer<typeof bountySchema>;

export const receiptSchema = z
  .object({
    format: z.literal(RECEIPT_FORMAT),
    ezklVersion: text(64),
    model: z.object({
      name: text(200),
      /** sha256 of the ONNX file (hex). */
      onnxSha256: z.string().regex(SHA256, 'must be a sha256 in hex'),
      /** sha256 of the ONNX initializers (the weights), each encoded as ONNX TensorProto, by name. */
      weightsSha256: z.string().regex(SHA256, 'must be a sha256 in hex'),
      /** sha256 of the verifying key file (what the market registers as vkHash). */
      vkSha256: z.string().regex(SHA256, 'must be a sha256 in hex'),
      /** sha256 of `settings` serialised with sorted keys. */
      settingsSha256: z.string().regex(SHA256, 'must be a sha256 in hex'),
      /** Output class names, from the ONNX model's `labels` metadata. */
      labels: z.array(text(200)).max(100_000).optional(),
    }),
    /**
     * The SRS the keys were made with, as the prover states it: `insecure-dev` (made by the prover,
     * who could forge proofs), `file` or `public-download`. Checked against trusted artifacts.
     */
    srs: z.object({
      origin: z.enum(['insecure-dev', 'file', 'public-download']),
      sha256: z.string().regex(SHA256, 'must be a sha256 in hex'),
    }),
    /** EZKL's settings.json: where the instances' layout and scales are read from. */
    settings: z.record(z.string(), z.unknown()),
    input: z.object({
      /** keccak256(abi.encode(uint256[] input instances)): the market's task inputHash. */
      commitment: z.string().regex(HEX32, 'must be a 0x bytes32'),
      tensors: z.array(tensorSchema),
    }),
    output: z.object({
      tensors: z.array(tensorSchema.extend({ readable: readableSchema.optional() })),
    }),
    proof: z.object({
      /** The proof bytes verifyProof takes (0x hex). */
      bytes: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'must be 0x-prefixed hex bytes'),
      /** keccak256 of the proof bytes: what the market's submit call carried. */
      hash: z.string().regex(HEX32, 'must be a 0x bytes32'),
      /** The public instances, 32-byte little-endian hex felts as EZKL writes them. */
      instances: z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a 32-byte felt in hex')),
    }),
    verifier: z.intersection(
      bundleVerifierSchema,
      z.object({
        /** keccak256 of the runtime code: EXTCODEHASH of the deployed verifier. */
        codeHash: z.string().regex(HEX32, 'must be a 0x bytes32'),
        /** The reusable layout's VKA digest. */
        vkaDigest: z.string().regex(HEX32, 'must be a 0x bytes32').optional(),
        chainId: chainId().optional(),
        address: address().optional(),
      }),
    ),
    settlement: z
      .object({
        chainId: chainId(),
        market: address(),
        taskId: uint(),
        modelId: uint(),
        txHash: z.string().regex(HEX32, 'must be a 0x bytes32'),
        blockNumber: z.number().int().nonnegative(),
        worker: address(),
      })
      .optional(),
    /**
     * A training bounty this proof (the evaluation proof) was paid for: `receipt --bounty`. The
     * receipt's model is the evaluation circuit's ONNX, its proof the one `proveMetric` carried.
     */
    bounty: bountySchema.optional(),
    signature: z
      .object({
        signer: address(),
        /** EIP-712 signature of receiptTypedData (65 bytes, 0x hex). */
        value: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte signature'),
      })
      .optional(),
  })
  .strict();
export type Receipt = z.infer<typeof receiptSchema>;

/** The largest receipt file read (the page refuses a larger dropped file before reading it). */
export const RECEIPT_MAX_BYTES = 32 * 1024 * 1024;
const RECEIPT_MAX_DEPTH = 64;

/**
 * A receipt file's text parsed as JSON, refused (RECEIPT_INVALID) when an object repeats a key —
 * JSON.parse keeps the last, so a reader and the checker could see different values — or nests
 * deeper than any receipt does. No `node:` import: the page parses dropped files with it.
 */
export function parseReceiptText(text: string): unknown {
  const invalid = (message: string) =>
    new PocomputeError('RECEIPT_INVALID', `not a receipt: ${message}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not valid JSON');
  }
  // A scan of the (valid) text: a stack of the keys seen in each open object (null: an array).
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      open.push(c === '{' ? new Set() : null);
      if (open.length > RECEIPT_MAX_DEPTH)
        throw invalid(`nested more than ${RECEIPT_MAX_DEPTH} levels`);
    } else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      let k = j + 1;
      while (/\s/.test(text[k] ?? '')) k++;
      if (keys && text[k] === ':') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key))
          throw invalid(`the key "${key.slice(0, 40)}" appears twice in one object`);
        keys.add(key);
      }
      i = j;
    }
  }
  return parsed;
}

/** The bytes of a receipt file: keys sorted (codePointSortedJson), two-space indent, one final newline. */
export function receiptJson(receipt: Receipt): string {
  return `${codePointSortedJson(receipt, 2)}\n`;
}

/** keccak256 of everything the receipt states but its signature (compact, sorted JSON). */
export function receiptContentsHash(receipt: Receipt): string {
  const { signature: _signature, ...contents } = receipt;
  return keccak256(toUtf8Bytes(codePointSortedJson(contents)));
}

/**
 * What a worker signs (EIP-712): the receipt's contents hash, with the proof's hash and the task
 * in clear so that a wallet shows what is signed. The domain names the settlement's chain, so a
 * signature does not carry over to another chain.
 */
export function receiptTypedData(receipt: Receipt) {
  const s = receipt.settlement;
  return {
    domain: {
      name: 'pocompute receipt',
      version: '1',
      ...(s ? { chainId: s.chainId, verifyingContract: s.market } : {}),
    },
    types: {
      Receipt: [
        { name: 'contents', type: 'bytes32' },
        { name: 'proofHash', type: 'bytes32' },
        { name: 'taskId', type: 'uint256' },
      ],
    },
    value: {
      contents: receiptContentsHash(receipt),
      proofHash: receipt.proof.hash,
      taskId: s ? BigInt(s.taskId) : 0n,
    },
  };
}

/** How many of a circuit's instances precede its public outputs: the market's `numInputs`. */
export function inputInstanceCount(layout: CircuitLayout): number {
  const inputHashes = layout.inputVisibility === 'hashed' ? layout.inputs.length : 0;
  const publicInputs =
    layout.inputVisibility === 'public'
      ? layout.inputs.reduce((n, t) => n + (t.dims ?? []).reduce((a, b) => a * b, 1), 0)
      : 0;
  return inputHashes + layout.paramHashes + publicInputs;
}

/** keccak256(abi.encode(uint256[])) of the input instances, as the market hashes a task's inputs. */
export function inputCommitment(instances: string[], layout: CircuitLayout): string {
  const inputs = instances.slice(0, inputInstanceCount(layout)).map(feltFromHexLE);
  return keccak256(AbiCoder.defaultAbiCoder().encode(['uint256[]'], [inputs]));
}

/** The largest values shown for an output of more than one value. */
export const TOP_K = 5;
/** Outputs with more values than this are left as values: no person reads them one by one. */
export const READABLE_MAX_VALUES = 1024;

/**
 * An output as a person reads it: one value is a score, several are the top k with their labels
 * (ties keep index order). The labels belong to the model's first output.
 */
export function readableOutput(
  values: number[] | undefined,
  labels: string[] | undefined,
): ReadableOutput | undefined {
  if (!values || values.length === 0 || values.length > READABLE_MAX_VALUES) return undefined;
  const labelOf = (i: number) =>
    labels && labels.length === values.length ? { label: labels[i] } : {};
  if (values.length === 1) return { kind: 'score', ...labelOf(0), value: values[0] };
  const top = values
    .map((value, index) => ({ index, value }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, TOP_K)
    .map(({ index, value }) => ({ index, ...labelOf(index), value }));
  return { kind: 'top-k', top };
}

/**
 * What an evaluation proof (a training bounty's) binds, read from its instances with its settings:
 * the Poseidon hashes of the k trainable tensors (its first k instances: the circuit hashes the k
 * weight tensors, the features and the labels), and the metric (its last instance, a signed felt)
 * at the last output's scale. A circuit that is not laid out so is a message, never a reading.
 */
export function provedBountyClaim(
  instances: string[],
  layout: CircuitLayout,
):
  | { finalWeightsHash: string[]; metricRaw: bigint; metricScale: number; metric: number }
  | { error: string } {
  const k = layout.inputs.length - 2;
  if (layout.inputVisibility !== 'hashed' || layout.outputVisibility !== 'public' || k < 1)
    return {
      error:
        'the settings are not an evaluation circuit (hashed weights, features and labels; public outputs)',
    };
  const metricScale = layout.outputs.at(-1)?.scale;
  if (metricScale === undefined || instances.length !== layout.instanceCount)
    return { error: `${instances.length} instances, the settings lay out ${layout.instanceCount}` };
  const metricRaw = feltToSigned(feltFromHexLE(instances.at(-1) as string));
  return {
    finalWeightsHash: instances.slice(0, k).map((f) => feltHex(feltFromHexLE(f))),
    metricRaw,
    metricScale,
    metric: Number(metricRaw) / 2 ** metricScale,
  };
}

/** Whether a metric meets its target: a loss at most, an accuracy at least. */
export const bountyMetricMet = (kind: 'loss' | 'accuracy', value: number, target: number) =>
  kind === 'loss' ? value <= target : value >= target;
