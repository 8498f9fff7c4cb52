import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { postTask } from '../../src/market/postTask.js';
import { submitTaskProof } from '../../src/market/submitTaskProof.js';
import type { Receipt } from '../../src/proof/receipt.js';
import { receiptTypedData } from '../../src/proof/receipt.js';
import { marketWithMlp } from './market.js';
import { fixtureInput, provedFixture, runCli, tempDir } from './pocompute.js';

/**
 * The mlp fixture proved, posted as a task on a fresh market and paid to account 1 (a real submit on
 * anvil), then its receipt written by the CLI with the settlement and the worker's signature.
 */
export async function settledMlpReceipt(rpcUrl: string, keys: string[]) {
  const m = await marketWithMlp(rpcUrl, keys);
  const requester = await m.as(0);
  const worker = await m.as(1);
  const workerAddress = new Wallet(keys[1]).address;
  const { taskId } = await postTask({
    market: requester,
    modelId: m.modelId,
    input: fixtureInput('mlp'),
    rewardEth: '0.05',
    deadlineSeconds: 3600,
  });
  const proved = await provedFixture('mlp');
  const paid = await submitTaskProof(worker, taskId, proved.bundle, workerAddress);
  const out = join(tempDir('pocompute-receipt-'), 'task.receipt.json');
  const written = await runCli(
    [
      'receipt',
      proved.bundlePath,
      '--task',
      taskId,
      '--market',
      m.address,
      '--rpc',
      rpcUrl,
      '--sign',
      '--out',
      out,
      '--json',
    ],
    { POCOMPUTE_PRIVATE_KEY: keys[1] },
  );
  if (written.code !== 0)
    throw new Error(`receipt --task failed: ${written.stdout}${written.stderr}`);
  const receipt: Receipt = JSON.parse(readFileSync(out, 'utf8'));
  return {
    ...m,
    taskId,
    paid,
    workerAddress,
    bundlePath: proved.bundlePath,
    receiptPath: out,
    receipt,
  };
}

const clone = (r: Receipt): Receipt => structuredClone(r);

/**
 * The honest receipt with one field changed, by the name of the check that must catch it;
 * `otherAddress` replaces the verifier's (the market's: it has code, but is not the verifier).
 */
export function tamperedReceipts(honest: Receipt, otherAddress: string) {
  const changedOutput = clone(honest);
  changedOutput.output.tensors[0].values![0] += 0.5;
  const changedInput = clone(honest);
  changedInput.input.tensors[0].values![0] += 0.25;
  const changedModelHash = clone(honest);
  changedModelHash.model.onnxSha256 = `${'0'.repeat(63)}1`;
  const flippedProofByte = clone(honest);
  const bytes = Buffer.from(honest.proof.bytes.slice(2), 'hex');
  // The low bit of the last evaluation (before the two 64-byte opening points): still well-formed.
  bytes[bytes.length - 128 - 1] ^= 1;
  flippedProofByte.proof.bytes = `0x${bytes.toString('hex')}`;
  const changedVerifierAddress = clone(honest);
  changedVerifierAddress.verifier.address = otherAddress;
  return {
    output: changedOutput,
    input: changedInput,
    model: changedModelHash,
    proof: flippedProofByte,
    'verifier address': changedVerifierAddress,
  } satisfies Record<string, Receipt>;
}

/** The honest receipt signed by someone the market did not pay, naming itself as the signer. */
export async function signedByAnother(honest: Receipt, key: string): Promise<Receipt> {
  const wallet = new Wallet(key);
  const { signature: _s, ...unsigned } = honest;
  const { domain, types, value } = receiptTypedData(unsigned);
  return {
    ...unsigned,
    signature: { signer: wallet.address, value: await wallet.signTypedData(domain, types, value) },
  };
}
