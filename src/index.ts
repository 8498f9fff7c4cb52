/**
 * pocompute's programmatic API: the same functions the CLI calls, with their parameter and result
 * types. Every failure is a `PocomputeError` with a stable `code`, a one-line message, a `hint` and
 * the `exitCode` the CLI would use.
 *
 * ```ts
 * import { compile, prove, verify } from 'pocompute';
 * const proved = await prove({ target: 'model.onnx', input: 'input.json', out: 'x.proof' });
 * const result = await verify({ bundle: 'x.proof', artifacts: proved.artifacts.dir });
 * if (!result.valid) process.exit(1);
 * ```
 */

// Errors and exit codes.
export { EXIT, ERROR_CODES, type ErrorCode } from './core/errorCodes.js';
export { PocomputeError, isPocomputeError } from './core/errors.js';

// Progress and results as the CLI shows them: pass a Reporter as `reporter` to compile, prove, ….
export { Reporter, type ReporterOptions } from './core/output.js';

// Compile, prove, verify.
export {
  compileModel as compile,
  type CompileModelParams as CompileParams,
} from './prover/compileModel.js';
export type { CompileResult } from './proof/artifacts.js';
export {
  proveInference as prove,
  type ProveInferenceParams as ProveParams,
  type ProveInferenceResult as ProveResult,
} from './prover/proveInference.js';
export {
  verifyBundle as verify,
  type VerifyBundleParams as VerifyParams,
} from './verifier/verifyBundle.js';
export type { VerifyBundleResult as VerifyResult, VerifyCheck } from './proof/checkBundle.js';
export {
  verifyBundleProof,
  type BundleProofVerdict,
  type TrustedVerifier,
  type VerifierTrust,
  type VerifyBundleProofParams,
} from './verifier/verifyBundleProof.js';
export { openArtifacts, type Artifacts } from './proof/artifacts.js';
export {
  exportVerifyingKey,
  type ExportVerifyingKeyParams,
  type ExportVerifyingKeyResult,
} from './prover/exportVerifyingKey.js';
export type { ArtifactsManifest, CompileOptions } from './proof/artifactsManifest.js';
export {
  proofBundleSchema,
  readBundle,
  readProofFile,
  type ProofBundle,
  type PublicTensor,
} from './proof/bundle.js';
export { inspectModel, type ModelInfo, type TensorInfo } from './proof/inspectModel.js';

// Receipts: one file anyone can check (in Node, against a chain, or in the page).
export {
  createReceipt,
  signReceipt,
  writeReceipt,
  type CreateReceiptParams,
  type SignReceiptParams,
} from './verifier/createReceipt.js';
export { checkReceiptFile, type CheckReceiptFileParams } from './verifier/checkReceiptFile.js';
export type {
  ReceiptCheck,
  ReceiptCheckResult,
  ReceiptCheckStatus,
  ReceiptTrust,
  ReceiptTrusted,
} from './verifier/checkReceipt.js';
export {
  parseReceiptText,
  RECEIPT_FORMAT,
  receiptSchema,
  type ReadableOutput,
  type Receipt,
  type ReceiptBounty,
  type ReceiptTensor,
} from './proof/receipt.js';
export type { ModelIdentity } from './proof/modelIdentity.js';
export { serveReceiptPage, writeReceiptPage } from './page/servePage.js';

// Staged proofs (a model cut into stages, proved in parallel, linked by Poseidon hashes).
export { splitModel, type SplitModelParams } from './prover/stages/splitModel.js';
export {
  readStagedModel,
  stagedModelSchema,
  type StagedModel,
  type StagedModelManifest,
} from './proof/stagedModel.js';
export {
  type CompiledStages,
  compileStages,
  type CompileStagesParams,
} from './prover/stages/compileStages.js';
export { openStagedArtifacts, type StagedArtifacts } from './proof/stagedArtifacts.js';
export {
  witnessStages,
  type StageInput,
  type WitnessStagesResult,
} from './prover/stages/witnessStages.js';
export { proveStage, type StageProof } from './prover/stages/proveStage.js';
export {
  proveStaged,
  type ProveStagedParams,
  type ProveStagedResult,
} from './prover/stages/proveStaged.js';
export {
  stageInstanceLayout,
  type StageInstanceLayout,
} from './proof/stageInstanceLayout.js';
export {
  readStagedBundle,
  stagedBundleSchema,
  type StagedBundle,
} from './proof/stagedBundle.js';
export { verifyStaged, type VerifyStagedParams } from './verifier/verifyStaged.js';
export type { VerifyStagedResult } from './proof/checkStagedBundle.js';

// Fine-tuning.
export { trainRun as train, type TrainParams } from './prover/training/trainRun.js';
export {
  verifyRun,
  type VerifyRunParams,
  type VerifyRunResult,
} from './prover/training/verifyRun.js';
export { exportRun } from './prover/training/exportRun.js';

// On-chain.
export {
  openChain,
  withChain,
  type ChainContext,
  type ChainOptions,
} from './chain/chainContext.js';
export { startAnvil, type AnvilHandle } from './chain/anvil.js';
export {
  deployVerifier,
  type DeployVerifierParams,
  type VerifierDeployment,
} from './verifier/deployVerifier.js';
export {
  verifyOnchain,
  type OnchainVerifyParams,
  type OnchainVerifyResult,
} from './verifier/verifyOnchain.js';
export { encodeCalldata } from './verifier/calldata.js';

// The market.
export { deployMarket, openMarket, readTask, listTasks, registerModel } from './market/market.js';
export { postTask, type PostTaskParams } from './market/postTask.js';
export { submitTaskProof } from './market/submitTaskProof.js';
export {
  readSettlement,
  type ReadSettlementParams,
  type TaskSettlement,
} from './market/readSettlement.js';
export { runWorker, type WorkerEvent, type WorkerParams } from './market/worker.js';
export { registerPipeline, type RegisteredPipeline } from './market/registerPipeline.js';

// Batches: N optimistic tasks posted, served and paid in one transaction each, disputed per task.
export { postBatch, type PostBatchParams, type PostBatchResult } from './market/postBatch.js';
export { serveBatch, type ServeBatchResult } from './market/serveBatch.js';
export {
  readBatch,
  readBatchInputs,
  batchTaskProof,
  type BatchView,
  type BatchTaskProof,
} from './market/readBatch.js';
export {
  challengeBatchTask,
  respondBatchChallenge,
  settleBatchChallenge,
  finalizeBatch,
  deliverBatchResult,
  closeBatchTasks,
} from './market/batchDisputes.js';

// Environment.
export { checkEnvironment, type EnvironmentCheck } from './doctor/checkEnvironment.js';

// Types a caller of the functions above needs (values returned or passed), exported as types only.
export type { OpenArtifactsOptions } from './proof/artifacts.js';
export type { ProofFile } from './proof/bundle.js';
export type { RunManifest } from './prover/training/runManifest.js';
export type { ExportRunParams } from './prover/training/exportRun.js';
export type { KnownStageWitness, StageWitness } from './prover/stages/witnessStages.js';
export type { DevAccount, StartAnvilOptions } from './chain/anvil.js';
export type {
  MarketDeployment,
  OpenMarketParams,
  RegisteredModel,
  TaskView,
} from './market/market.js';
export type { SubmitResult } from './market/submitTaskProof.js';
