import { PocomputeError } from '../core/errors.js';
import { readFileCapped } from '../core/files.js';
import {
  type Artifacts,
  openArtifacts,
  readArtifactFile,
  VERIFYING_FILES,
} from '../proof/artifacts.js';
import { parseJsonText } from '../core/json.js';
import { prepareVerifierEvm } from '../proof/evm.js';
import { modelIdentity } from '../proof/modelIdentity.js';
import { readModelIdentity } from '../proof/readModelIdentity.js';
import { parseReceiptText } from '../proof/receipt.js';
import { readArtifactsVerifier } from '../proof/verifierRecord.js';
import { type CheckReceiptParams, checkReceipt, type ReceiptCheckResult } from './checkReceipt.js';

export interface CheckReceiptFileParams {
  /** A receipt file, or its parsed JSON. */
  receipt: string | unknown;
  /** The ONNX model the receipt names: its file hash, weights and labels are compared. */
  model?: string;
  /** Artifacts compiled here whose verifier and key the checker trusts (EZKL's for that vk). */
  artifacts?: string | Artifacts;
  /** A verifier pinned by code hash (and VKA digest, reusable layout). */
  codeHash?: string;
  vkaDigest?: string;
  /** An RPC of the receipt's chain: its verifier's code and its settlement are read there. */
  rpc?: string;
  /** The market the checker trusts: the settlement must be its (see CheckReceiptParams.market). */
  market?: string;
  /** A pinned settings hash (see CheckReceiptParams.settingsSha256). */
  settingsHash?: string;
}

/**
 * `pocompute check`: a receipt file checked by checkReceipt (the page's code), with what Node
 * adds — the model file and trusted artifacts read from disk.
 */
export async function checkReceiptFile(
  params: CheckReceiptFileParams,
): Promise<ReceiptCheckResult> {
  refuseIgnoredOptions(params);
  prepareVerifierEvm();
  const receipt =
    typeof params.receipt === 'string'
      ? parseReceiptText(
          (await readFileCapped(params.receipt, 'receipt', 'RECEIPT_INVALID')).toString('utf8'),
        )
      : params.receipt;
  if (
    params.market &&
    typeof receipt === 'object' &&
    receipt !== null &&
    !('settlement' in receipt) &&
    !('bounty' in receipt)
  )
    throw new PocomputeError(
      'USAGE',
      '--market checks a settlement or a bounty: this receipt has neither',
      {
        hint: 'Leave out --market (and --rpc) for a receipt without a settlement or bounty.',
      },
    );
  const model = params.model ? await readModelIdentity(params.model) : undefined;
  let trusted: CheckReceiptParams['trusted'];
  if (params.artifacts) {
    const artifacts =
      typeof params.artifacts === 'string'
        ? await openArtifacts(params.artifacts, { check: VERIFYING_FILES })
        : params.artifacts;
    const record = await readArtifactsVerifier(artifacts);
    const settings = parseJsonText(
      (await readArtifactFile(artifacts, 'settings.json')).toString('utf8'),
      { what: 'artifacts settings', code: 'ARTIFACTS_INVALID' },
    );
    const manifestModel = artifacts.manifest.model;
    trusted = {
      model: {
        name: manifestModel.name,
        inputs: manifestModel.inputs.map((t) => t.name),
        outputs: manifestModel.outputs.map((t) => t.name),
        identity: modelIdentity(
          await readArtifactFile(artifacts, 'model.onnx'),
          "the artifacts' model.onnx",
        ),
      },
      runtime: record.verifier.deployedBytecode,
      ...(record.vka ? { vka: record.vka } : {}),
      vkSha256: artifacts.manifest.files['vk.key'],
      settings,
      srs: artifacts.manifest.srs,
    };
  } else if (params.codeHash) trusted = { codeHash: params.codeHash, vkaDigest: params.vkaDigest };
  return checkReceipt({
    receipt,
    model,
    trusted,
    rpc: params.rpc,
    market: params.market,
    ...(params.settingsHash ? { settingsSha256: params.settingsHash } : {}),
  });
}

/** An option that would be silently ignored is a usage error naming it (exit 2). */
function refuseIgnoredOptions(params: CheckReceiptFileParams): void {
  const usage = (message: string, hint: string) => new PocomputeError('USAGE', message, { hint });
  if (params.artifacts && params.codeHash)
    throw usage(
      '--artifacts and --code-hash both pin the verifier: pass one',
      "Pass --artifacts <dir> (EZKL's verifier for a key compiled here) or --code-hash <hash>.",
    );
  if (params.vkaDigest && !params.codeHash)
    throw usage(
      '--vka-digest goes with --code-hash',
      'Pass --code-hash <hash> --vka-digest <hash>.',
    );
  if (params.market && !params.rpc)
    throw usage(
      '--market is checked on the chain: it needs --rpc',
      "Pass --rpc <url> of the receipt's chain with --market <address>.",
    );
}
