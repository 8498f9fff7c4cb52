import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbiCoder,
  hexlify,
  type JsonRpcProvider,
  keccak256,
  sha256,
  toUtf8Bytes,
  Wallet,
} from 'ethers';
import { proofBytes } from '../../src/verifier/calldata.js';
import { codePointSortedJson } from '../../src/core/json.js';
import {
  circuitLayout,
  positionalLabels,
  publicTensorsFromInstances,
} from '../../src/proof/circuitLayout.js';
import { feltFromHexLE } from '../../src/proof/felts.js';
import { readableOutput } from '../../src/proof/receipt.js';
import { signReceipt } from '../../src/verifier/createReceipt.js';
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

/** Runtime code that returns 1 for any call: a verifier that says yes to anything. */
export const YES_RUNTIME = '0x600160005260206000f3';

/**
 * A lying receipt made consistent with itself, as an attacker would: the mutation applied, then
 * the settings hash, the values and their readable form recomputed from the instances with the
 * receipt's own settings and labels, then (with `signer`) signed again.
 */
export async function consistentLie(
  honest: Receipt,
  mutate: (r: Receipt) => void,
  signer?: string,
): Promise<Receipt> {
  const r = structuredClone(honest);
  delete r.signature;
  mutate(r);
  r.model.settingsSha256 = sha256(toUtf8Bytes(codePointSortedJson(r.settings))).slice(2);
  const layout = circuitLayout(r.settings, 'the lie');
  const proved = publicTensorsFromInstances(r.proof.instances, layout, positionalLabels(layout))!;
  r.input.tensors = r.input.tensors.map((t, i) =>
    t.values ? { ...t, values: proved.inputs[i].values } : t,
  );
  r.output.tensors = proved.outputs.map((t, i) => {
    const readable = readableOutput(t.values, i === 0 ? r.model.labels : undefined);
    return { ...t, name: r.output.tensors[i]?.name ?? t.name, ...(readable ? { readable } : {}) };
  });
  return signer ? signReceipt({ receipt: r, signer: new Wallet(signer) }) : r;
}

const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const feltLE = (x: bigint) => {
  const hex = x.toString(16).padStart(64, '0');
  let out = '';
  for (let i = 62; i >= 0; i -= 2) out += hex.slice(i, i + 2);
  return out;
};

/**
 * The open-registration attack on a settled receipt's market: a yes-to-anything verifier
 * registered (by key 2) with the real model's vkHash and metadata, a task posted for the same
 * input, paid to key 1 for the honest proof bytes with made-up outputs; the receipt names that
 * verifier and that task, signed by the paid worker.
 */
export async function yesVerifierReceipt(
  s: Awaited<ReturnType<typeof settledMlpReceipt>>,
  keys: string[],
): Promise<Receipt> {
  const provider = s.chain.provider as JsonRpcProvider;
  const registrant = await s.as(2);
  const worker = await s.as(1);
  const workerAddress = new Wallet(keys[1]).address;
  const deployer = new Wallet(keys[2], provider);
  const deployed = await (
    await deployer.sendTransaction({ data: `0x600a600c600039600a6000f3${YES_RUNTIME.slice(2)}` })
  ).wait();
  const yes = deployed!.contractAddress!;
  const real = await registrant.getModel(BigInt(s.modelId));
  const zero = '0x0000000000000000000000000000000000000000';
  const args = [yes, zero, real.vkHash, real.numInputs, real.numOutputs, real.metadataURI] as const;
  const modelId = await registrant.registerModel.staticCall(...args);
  await (await registrant.registerModel(...args)).wait();
  const numInputs = Number(real.numInputs);
  const inputs = s.receipt.proof.instances.slice(0, numInputs).map(feltFromHexLE);
  const now = (await provider.getBlock('latest'))!.timestamp;
  const post = [modelId, inputs, now + 3600, zero, { value: 10n ** 16n }] as const;
  const taskId = await registrant.postTask.staticCall(...post);
  await (await registrant.postTask(...post)).wait();
  const task = await worker.getTask(taskId);
  const q = (v: number) => {
    const x = BigInt(Math.round(v * 8192));
    return x < 0n ? x + FIELD : x;
  };
  const instances = [...inputs, q(9), q(-5), q(0.5)];
  // Another proof of the model (the market pays a proof once), with made-up outputs.
  const proof = hexlify(proofBytes((await provedFixture('mlp')).bundle));
  const commitment = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['uint256', 'address', 'bytes32'],
      [taskId, workerAddress, keccak256(proof)],
    ),
  );
  await (await worker.claim(taskId, commitment, { value: task.claimBond })).wait();
  await provider.send('evm_mine', []);
  const paid = await (await worker.submit(taskId, proof, instances)).wait();
  return consistentLie(
    s.receipt,
    (r) => {
      r.proof = { bytes: proof, hash: keccak256(proof), instances: instances.map(feltLE) };
      r.verifier = {
        layout: 'single',
        runtime: YES_RUNTIME,
        codeHash: keccak256(YES_RUNTIME),
        chainId: r.verifier.chainId,
        address: yes,
      };
      r.settlement = {
        ...r.settlement!,
        taskId: String(taskId),
        modelId: String(modelId),
        txHash: paid!.hash,
        blockNumber: paid!.blockNumber,
        worker: workerAddress,
      };
    },
    keys[1],
  );
}
