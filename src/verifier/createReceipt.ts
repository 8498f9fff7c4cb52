import { hexlify, keccak256, sha256, type Signer, toUtf8Bytes } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { codePointSortedJson } from '../core/json.js';
import { type Artifacts, readArtifactFile } from '../proof/artifacts.js';
import { findCompilationsOfModel } from '../proof/artifactsIndex.js';
import { type ProofBundle, readBundle } from '../proof/bundle.js';
import { bundleVerifierCode } from '../proof/bundleVerifier.js';
import { circuitLayout } from '../proof/circuitLayout.js';
import { verifierIdentity } from '../proof/evm.js';
import { type ModelIdentity, modelIdentity } from '../proof/modelIdentity.js';
import { readModelIdentity } from '../proof/readModelIdentity.js';
import {
  inputCommitment,
  RECEIPT_FORMAT,
  type Receipt,
  readableOutput,
  receiptJson,
  receiptTypedData,
} from '../proof/receipt.js';
import { proofBytesOf } from '../proof/validateProof.js';
import { verifyBundle } from './verifyBundle.js';

export interface CreateReceiptParams {
  /** A proof bundle written by `prove` (path or parsed). */
  bundle: string | ProofBundle;
  /**
   * The ONNX model the bundle proves (its sha256 must be the bundle's); default: the copy in the
   * model's artifacts compiled here (its compilation with the bundle's key).
   */
  model?: string;
  /** The artifacts the bundle was proved with (`prove --receipt`); default: found here. */
  artifacts?: Artifacts;
  /** Leave the input values out; the receipt keeps their commitment (default: include them). */
  omitInputValues?: boolean;
  /** Where the proof was paid (readSettlement, src/market/readSettlement.ts). */
  settlement?: Receipt['settlement'];
  /** The verifier's deployment the settlement (or the bounty) paid against. */
  deployedVerifier?: { chainId: number; address: string };
  /** The training bounty an evaluation proof was paid for (createBountyReceipt, src/market/bountyReceipt.ts). */
  bounty?: Receipt['bounty'];
}

/**
 * A receipt for a proof bundle. The bundle is verified first (against the model's artifacts
 * compiled here when there are some, else its own verifier): no receipt is written for a proof
 * that fails. Every value comes from the proof's instances read with the bundle's settings, the
 * model identity from the ONNX file, the verifier's hashes from the EVM that runs it.
 */
export async function createReceipt(params: CreateReceiptParams): Promise<Receipt> {
  const bundle =
    typeof params.bundle === 'string' ? await readBundle(params.bundle) : params.bundle;
  // This model's compilation with this key: another model may share the key (same circuit, other
  // metadata), and its artifacts would name another model file.
  const artifacts =
    params.artifacts ??
    (await findCompilationsOfModel(bundle.model.sha256)).find(
      (a) => a.manifest.files['vk.key'] === bundle.artifacts.vkSha256,
    );
  const verdict = await verifyBundle({ bundle, ...(artifacts ? { artifacts } : {}) });
  if (!verdict.valid) {
    const failed = verdict.checks.find((c) => !c.ok);
    throw new PocomputeError(
      'PROOF_INVALID',
      `the bundle does not verify (${failed?.name}: ${failed?.detail})`,
      {
        hint: 'Only a proof that verifies gets a receipt; prove again.',
      },
    );
  }
  const identity = await identityOf(bundle, params.model, artifacts);
  const layout = circuitLayout(bundle.settings, "the bundle's settings");
  const instances = (bundle.proof.instances[0] ?? []).map((f) =>
    f.replace(/^0x/, '').toLowerCase(),
  );
  const proof = proofBytesOf(bundle.proof);
  const verifierId = await verifierIdentity(bundleVerifierCode(bundle.verifier));
  const labels = identity.labels;
  return {
    format: RECEIPT_FORMAT,
    ezklVersion: bundle.ezklVersion,
    model: {
      name: bundle.model.name,
      onnxSha256: identity.onnxSha256,
      weightsSha256: identity.weightsSha256,
      vkSha256: bundle.artifacts.vkSha256,
      settingsSha256: sha256(toUtf8Bytes(codePointSortedJson(bundle.settings))).slice(2),
      ...(labels ? { labels } : {}),
    },
    srs: { origin: bundle.srs.origin, sha256: bundle.srs.sha256 },
    settings: bundle.settings,
    input: {
      commitment: inputCommitment(instances, layout),
      tensors: verdict.public.inputs.map((t) =>
        params.omitInputValues ? withoutValues(t) : { ...t },
      ),
    },
    output: {
      tensors: verdict.public.outputs.map((t, i) => {
        const readable = readableOutput(t.values, i === 0 ? labels : undefined);
        return { ...t, ...(readable ? { readable } : {}) };
      }),
    },
    proof: { bytes: hexlify(proof), hash: keccak256(proof), instances },
    verifier: {
      ...bundle.verifier,
      runtime: bundle.verifier.runtime.toLowerCase(),
      codeHash: verifierId.codeHash,
      ...(verifierId.vkaDigest ? { vkaDigest: verifierId.vkaDigest } : {}),
      ...(params.deployedVerifier
        ? { chainId: params.deployedVerifier.chainId, address: params.deployedVerifier.address }
        : {}),
    },
    ...(params.settlement ? { settlement: params.settlement } : {}),
    ...(params.bounty ? { bounty: params.bounty } : {}),
  };
}

/** Where `prove --receipt` puts a bundle's receipt: beside it, `x.proof` → `x.receipt.json`. */
export function receiptPathFor(bundlePath: string): string {
  return `${bundlePath.replace(/\.(proof|json)$/, '')}.receipt.json`;
}

/** createReceipt, written atomically to `out` as its canonical bytes. */
export async function writeReceipt(
  params: CreateReceiptParams & { out: string },
): Promise<{ path: string; bytes: number; receipt: Receipt }> {
  const receipt = await createReceipt(params);
  const text = receiptJson(receipt);
  await writeFileAtomic(params.out, text);
  return { path: params.out, bytes: Buffer.byteLength(text), receipt };
}

export interface SignReceiptParams {
  receipt: Receipt;
  /** The worker's key (an ethers Signer): the address the market paid. */
  signer: Signer;
}

/** The receipt signed (EIP-712) by `signer`: who did the work. Never logs the key. */
export async function signReceipt({ receipt, signer }: SignReceiptParams): Promise<Receipt> {
  const { signature: _old, ...unsigned } = receipt;
  const { domain, types, value } = receiptTypedData(unsigned);
  const signature = await signer.signTypedData(domain, types, value);
  return { ...unsigned, signature: { signer: await signer.getAddress(), value: signature } };
}

const withoutValues = ({ values: _values, ...rest }: Receipt['input']['tensors'][number]) => rest;

async function identityOf(
  bundle: ProofBundle,
  model: string | undefined,
  artifacts: Artifacts | undefined,
): Promise<ModelIdentity> {
  let identity: ModelIdentity;
  if (model) identity = await readModelIdentity(model);
  else if (artifacts)
    identity = modelIdentity(await readArtifactFile(artifacts, 'model.onnx'), 'the compiled model');
  else
    throw new PocomputeError(
      'USAGE',
      `the model of this bundle (${bundle.model.name}) is not compiled here: pass --model <model.onnx>`,
      {
        hint: 'A receipt names the model by its file and weights: pass the ONNX file the bundle proves.',
      },
    );
  if (identity.onnxSha256 !== bundle.model.sha256)
    throw new PocomputeError(
      'OPTION_INVALID',
      `${model ?? 'the compiled model'} is not the model the bundle proves (sha256 ${identity.onnxSha256.slice(0, 16)}…, the bundle's ${bundle.model.sha256.slice(0, 16)}…)`,
      { hint: 'Pass the ONNX file the bundle was proved with.' },
    );
  return identity;
}
