/**
 * pocompute's browser entry: verify a proof bundle (or check a receipt) in a page by running EZKL's
 * Solidity verifier in the in-process EVM (verifierVm.ts, mcl-wasm's BN254 precompiles) — the code Node's
 * `verify` runs, with nothing from Node. `npm run build:browser` bundles it into one ES module,
 * dist/browser/pocompute-verify.js.
 *
 * ```ts
 * import { verifyBundleProof } from 'pocompute/browser';
 * const bundle = await (await fetch('mlp.proof')).json();
 * const verdict = await verifyBundleProof({ bundle, trusted: { codeHash: PINNED_CODE_HASH } });
 * ```
 */

export {
  type BundleProofVerdict,
  type TrustedVerifier,
  type VerifierTrust,
  type VerifyBundleProofParams,
  verifyBundleProof,
} from './verifier/verifyBundleProof.js';
export { BUNDLE_FORMAT, type BundleVerifier } from './proof/bundleVerifier.js';
export { type VerifierIdentity, type VerifierLayout, verifierIdentity } from './proof/evm.js';
export {
  checkReceipt,
  type CheckReceiptParams,
  type ReceiptCheck,
  type ReceiptCheckResult,
  type ReceiptCheckStatus,
  type ReceiptTrust,
  type ReceiptTrusted,
} from './verifier/checkReceipt.js';
export { describeReceipt, printable, type ReceiptLine } from './verifier/describeReceipt.js';
export {
  parseReceiptText,
  RECEIPT_FORMAT,
  receiptSchema,
  type ReadableOutput,
  type Receipt,
  type ReceiptTensor,
} from './proof/receipt.js';
export type { ModelIdentity } from './proof/modelIdentity.js';
export { PocomputeError, isPocomputeError } from './core/errors.js';
