import { describe, expect, it } from 'vitest';

/**
 * The package's public values, as a consumer imports them (`pocompute`, `pocompute/browser`). A
 * change here is a change of the API: update the list, docs/library.md and the CHANGELOG together.
 * (Types vanish at run time; tsc checks those through the same entry points.)
 */
describe('the public API', () => {
  it("'pocompute' exports exactly these values", async () => {
    const api = await import('../../src/index.js');
    expect(Object.keys(api).sort()).toEqual([
      'ERROR_CODES',
      'EXIT',
      'PocomputeError',
      'RECEIPT_FORMAT',
      'Reporter',
      'batchTaskProof',
      'challengeBatchTask',
      'checkEnvironment',
      'checkReceiptFile',
      'closeBatchTasks',
      'compile',
      'compileStages',
      'createReceipt',
      'deliverBatchResult',
      'deployMarket',
      'deployVerifier',
      'encodeCalldata',
      'exportRun',
      'exportVerifyingKey',
      'finalizeBatch',
      'inspectModel',
      'isPocomputeError',
      'listTasks',
      'openArtifacts',
      'openChain',
      'openMarket',
      'openStagedArtifacts',
      'parseReceiptText',
      'postBatch',
      'postTask',
      'proofBundleSchema',
      'prove',
      'proveStage',
      'proveStaged',
      'readBatch',
      'readBatchInputs',
      'readBundle',
      'readProofFile',
      'readSettlement',
      'readStagedBundle',
      'readStagedModel',
      'readTask',
      'receiptSchema',
      'registerModel',
      'registerPipeline',
      'respondBatchChallenge',
      'runWorker',
      'serveBatch',
      'serveReceiptPage',
      'settleBatchChallenge',
      'signReceipt',
      'splitModel',
      'stageInstanceLayout',
      'stagedBundleSchema',
      'stagedModelSchema',
      'startAnvil',
      'submitTaskProof',
      'train',
      'verify',
      'verifyBundleProof',
      'verifyOnchain',
      'verifyRun',
      'verifyStaged',
      'withChain',
      'witnessStages',
      'writeReceipt',
      'writeReceiptPage',
    ]);
  });

  it("'pocompute/browser' exports exactly these values", async () => {
    const api = await import('../../src/browser.js');
    expect(Object.keys(api).sort()).toEqual([
      'BUNDLE_FORMAT',
      'PocomputeError',
      'RECEIPT_FORMAT',
      'checkReceipt',
      'describeReceipt',
      'isPocomputeError',
      'parseReceiptText',
      'printable',
      'receiptSchema',
      'verifierIdentity',
      'verifyBundleProof',
    ]);
  });
});
