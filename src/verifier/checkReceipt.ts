import {
  Contract,
  getAddress,
  Interface,
  keccak256,
  sha256,
  toUtf8Bytes,
  verifyTypedData,
} from 'ethers';
import type { Provider } from 'ethers';
import { pocomputeMarketAbi } from '../chain/generated/contracts.js';
import { connectRpc } from '../chain/provider.js';
import { hexToBytes } from '../core/bytes.js';
import { isPocomputeError, PocomputeError } from '../core/errors.js';
import { codePointSortedJson } from '../core/json.js';
import type { PublicTensor } from '../proof/bundle.js';
import type { ModelIdentity } from '../proof/modelIdentity.js';
import { bundleVerifierCode } from '../proof/bundleVerifier.js';
import {
  type CircuitLayout,
  circuitLayout,
  positionalLabels,
  publicTensorsFromInstances,
  requireFixedParams,
} from '../proof/circuitLayout.js';
import { runVerifier, verifierIdentity } from '../proof/evm.js';
import { feltFromHexLE } from '../proof/felts.js';
import { sameValues } from '../proof/sameValues.js';
import {
  inputCommitment,
  type Receipt,
  type ReceiptTensor,
  readableOutput,
  receiptSchema,
  receiptTypedData,
} from '../proof/receipt.js';
import { validateProof } from '../proof/validateProof.js';

/**
 * A receipt checked: its proof through the verifier it names in the in-process EVM, every value
 * and hash it states against what the proof binds, its signature, and — given an RPC — its
 * verifier's code and its settlement on the chain. No `node:` import: `pocompute check` and the
 * page (`pocompute page`) run exactly this, so they give the same verdict.
 */

/** One check of a receipt; `name` is the receipt field it covers. */
export interface ReceiptCheck {
  name:
    | 'verifier'
    | 'verifier address'
    | 'proof'
    | 'input'
    | 'output'
    | 'model'
    | 'settlement'
    | 'signature';
  ok: boolean;
  detail: string;
}

/**
 * What the verifier's trust rests on: EZKL's verifier of artifacts compiled here (`artifacts`), a
 * pinned code hash (`pinned-hash`), the verifier the market pays against (`chain`), or the
 * receipt's own verifier only (`receipt-only`: the receipt is consistent with itself, nothing more).
 */
export type ReceiptTrust = 'artifacts' | 'pinned-hash' | 'chain' | 'receipt-only';

export interface CheckReceiptParams {
  /** The parsed JSON of a receipt file. */
  receipt: unknown;
  /**
   * A verifier the checker trusts: pinned by code hash (and, reusable, VKA digest), or EZKL's
   * verifier of artifacts compiled here with their vk's sha256 (`check --artifacts`).
   */
  trusted?:
    | { codeHash: string; vkaDigest?: string }
    | {
        runtime: string;
        vka?: string[];
        vkSha256: string;
        settings: unknown;
        srs?: { origin: string; sha256: string };
      };
  /** The model file the checker holds (readModelIdentity): its hashes and labels must be the receipt's. */
  model?: ModelIdentity;
  /** An RPC of the settlement's chain: the verifier's code and the task's payment are read there. */
  rpc?: string | Provider;
  /**
   * The market the checker trusts (its address). The receipt names its market, and a contract
   * that only looks like the market could record any payment and pin any verifier: the chain's
   * word is trusted (`trust: 'chain'`) only for this market.
   */
  market?: string;
}

export interface ReceiptCheckResult {
  valid: boolean;
  trust: ReceiptTrust;
  checks: ReceiptCheck[];
  /** The receipt as read (valid or not: what the page shows). */
  receipt: Receipt;
  /** What the proof binds, read from its instances with the receipt's settings. */
  proved: { inputs: PublicTensor[]; outputs: PublicTensor[] };
  warnings: string[];
}

/** Checks a receipt; a receipt that is not one (schema, settings) is RECEIPT_INVALID (exit 2). */
export async function checkReceipt(params: CheckReceiptParams): Promise<ReceiptCheckResult> {
  const receipt = parseReceipt(params.receipt);
  const layout = layoutOf(receipt);
  const proved = publicTensorsFromInstances(
    receipt.proof.instances,
    layout,
    positionalLabels(layout),
  );
  const checks: ReceiptCheck[] = [];
  const warnings: string[] = [];

  checks.push(await verifierCheck(receipt, params.trusted));
  checks.push(await proofCheck(receipt, layout, Boolean(proved)));
  checks.push(inputCheck(receipt, layout, proved?.inputs));
  checks.push(outputCheck(receipt, proved?.outputs));
  const chain = params.rpc ? await readChain(receipt, params.rpc) : undefined;
  checks.push(modelCheck(receipt, params, chain));
  if (chain) {
    if (receipt.verifier.address || receipt.settlement)
      checks.push(verifierAddressCheck(receipt, chain));
    if (receipt.settlement) checks.push(settlementCheck(receipt, chain, params.market));
    if (receipt.settlement && !params.market)
      warnings.push(
        `The market ${receipt.settlement.market} is the one the receipt names: a contract that only ` +
          'looks like the market could record any payment. Pin the market you trust (--market).',
      );
  } else if (receipt.settlement || receipt.verifier.address)
    warnings.push(
      'The settlement and the verifier address were not checked against the chain: pass an RPC URL of chain ' +
        `${receipt.settlement?.chainId ?? receipt.verifier.chainId}.`,
    );
  if (receipt.signature) checks.push(signatureCheck(receipt, chain));

  const trust = trustOf(
    { ...params, receiptMarket: receipt.settlement?.market.toLowerCase() },
    chain,
  );
  if (receipt.srs.origin === 'insecure-dev')
    warnings.push(
      'insecure-dev SRS: the prover generated it and could know its secret, so it could forge this ' +
        'proof; the receipt is for local use only.',
    );
  if (trust === 'receipt-only')
    warnings.push(
      'Checked with the verifier inside the receipt, made by whoever made the receipt: this shows the ' +
        "receipt is consistent, not that its verifier is the model's. Pass an RPC URL (the verifier the " +
        'market paid against), a pinned code hash, or (`pocompute check`) --artifacts.',
    );
  if (trust === 'chain')
    warnings.push(
      "The verifier is the one the market paid against; that it is EZKL's for the vk is attested by " +
        '`pocompute check --artifacts` on a machine that compiled the model.',
    );
  return {
    valid: checks.every((c) => c.ok),
    trust,
    checks,
    receipt,
    proved: proved ?? { inputs: [], outputs: [] },
    warnings,
  };
}

export function parseReceipt(raw: unknown): Receipt {
  const parsed = receiptSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PocomputeError(
      'RECEIPT_INVALID',
      `not a receipt: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

function layoutOf(receipt: Receipt): CircuitLayout {
  try {
    const layout = circuitLayout(receipt.settings, "the receipt's settings");
    requireFixedParams(layout, "the receipt's settings");
    return layout;
  } catch (error) {
    if (isPocomputeError(error, 'SETTINGS_MISMATCH'))
      throw new PocomputeError('RECEIPT_INVALID', error.message, { cause: error });
    throw error;
  }
}

function trustOf(
  params: CheckReceiptParams & { receiptMarket?: string },
  chain: ChainView | undefined,
): ReceiptTrust {
  if (params.trusted && 'runtime' in params.trusted) return 'artifacts';
  if (params.trusted) return 'pinned-hash';
  // The verifier a market pinned is trusted only when the market is: a receipt names its own.
  const market = params.market?.toLowerCase();
  if (chain?.model && market && market === params.receiptMarket) return 'chain';
  return 'receipt-only';
}

const check = (name: ReceiptCheck['name'], problems: string[], good: string): ReceiptCheck => ({
  name,
  ok: problems.length === 0,
  detail: problems.length === 0 ? good : problems.join('; '),
});

/** The verifier's code hashes (computed by the EVM), and the trusted verifier when there is one. */
async function verifierCheck(receipt: Receipt, trusted: CheckReceiptParams['trusted']) {
  const v = receipt.verifier;
  const problems: string[] = [];
  const identity = await verifierIdentity(bundleVerifierCode(v));
  if (identity.codeHash !== v.codeHash.toLowerCase())
    problems.push(`its code hashes to ${identity.codeHash}, not the stated ${v.codeHash}`);
  if (identity.vkaDigest !== v.vkaDigest?.toLowerCase())
    problems.push(
      `its VKA digest is ${identity.vkaDigest ?? 'none'}, not the stated ${v.vkaDigest ?? 'none'}`,
    );
  if (trusted && 'codeHash' in trusted) {
    if (identity.codeHash !== trusted.codeHash.toLowerCase())
      problems.push(`code hash ${identity.codeHash} is not the pinned ${trusted.codeHash}`);
    if (v.layout === 'reusable' && identity.vkaDigest !== trusted.vkaDigest?.toLowerCase())
      problems.push(
        `VKA digest ${identity.vkaDigest} is not the pinned ${trusted.vkaDigest ?? '(none)'}`,
      );
  }
  if (trusted && 'runtime' in trusted) {
    const words = (w?: string[]) => (w ?? []).map((x) => x.toLowerCase()).join();
    if (
      v.runtime.toLowerCase() !== trusted.runtime.toLowerCase() ||
      words(v.vka) !== words(trusted.vka)
    )
      problems.push("it is not EZKL's verifier of the trusted artifacts");
  }
  const pinned = trusted
    ? 'runtime' in trusted
      ? ", EZKL's verifier of the trusted artifacts"
      : ', the pinned code hash'
    : '';
  return check(
    'verifier',
    problems,
    `${v.layout} verifier, code hash ${identity.codeHash.slice(0, 18)}…${pinned}`,
  );
}

async function proofCheck(
  receipt: Receipt,
  layout: CircuitLayout,
  fits: boolean,
): Promise<ReceiptCheck> {
  if (!fits)
    return {
      name: 'proof',
      ok: false,
      detail: `${receipt.proof.instances.length} instances, the settings lay out ${layout.instanceCount}`,
    };
  const bytes = hexToBytes(receipt.proof.bytes);
  const problems: string[] = [];
  if (keccak256(bytes) !== receipt.proof.hash.toLowerCase())
    problems.push(`proof.hash is not keccak256 of proof.bytes (${keccak256(bytes).slice(0, 18)}…)`);
  const instances = receipt.proof.instances.map(feltFromHexLE);
  try {
    validateProof(bytes, instances, { instanceCount: layout.instanceCount });
    const verdict = await runVerifier(bundleVerifierCode(receipt.verifier), bytes, instances);
    if (!verdict.ok) problems.unshift(`the verifier rejects it: ${verdict.reason}`);
    return check(
      'proof',
      problems,
      `verifies (EZKL Solidity verifier, in-process EVM, ${verdict.ok ? verdict.gasUsed : 0} gas)`,
    );
  } catch (error) {
    // A proof that cannot be one (lengths, points) is a failed check of the proof field.
    if (isPocomputeError(error, 'BUNDLE_INVALID'))
      return { name: 'proof', ok: false, detail: error.message };
    throw error;
  }
}

/** The stated tensors against the proved ones: visibility, dims, values, hashes (names are labels). */
function tensorProblems(
  side: string,
  stated: ReceiptTensor[],
  proved: PublicTensor[],
  { valuesOptional }: { valuesOptional: boolean },
): string[] {
  if (stated.length !== proved.length)
    return [`${side}: ${stated.length} tensors, the proof has ${proved.length}`];
  const problems: string[] = [];
  proved.forEach((p, i) => {
    const s = stated[i];
    const at = `${side}[${i}]`;
    if (s.visibility !== p.visibility)
      problems.push(`${at}.visibility is ${s.visibility}, the proof's ${p.visibility}`);
    // The settings give the shapes of public tensors only; a hashed or private one's are labels.
    if (p.visibility === 'public' && s.dims.join('x') !== p.dims.join('x'))
      problems.push(`${at}.dims ${s.dims.join('x')}, proved ${p.dims.join('x')}`);
    if (!(valuesOptional && s.values === undefined) && !sameValues(s.values, p.values))
      problems.push(`${at}.values are not the proved values`);
    if (JSON.stringify(s.hash ?? []) !== JSON.stringify(p.hash ?? []))
      problems.push(`${at}.hash is not the proved hash`);
  });
  return problems;
}

function inputCheck(
  receipt: Receipt,
  layout: CircuitLayout,
  proved: PublicTensor[] | undefined,
): ReceiptCheck {
  if (!proved)
    return {
      name: 'input',
      ok: false,
      detail: 'not checked: the instances do not fit the settings',
    };
  const problems = tensorProblems('input', receipt.input.tensors, proved, { valuesOptional: true });
  const commitment = inputCommitment(receipt.proof.instances, layout);
  if (commitment !== receipt.input.commitment.toLowerCase())
    problems.unshift(`input.commitment is not the proved inputs' (${commitment.slice(0, 18)}…)`);
  const shown = receipt.input.tensors.some((t) => t.values)
    ? 'values and commitment'
    : 'commitment (values not included)';
  return check('input', problems, `the proved input: ${shown}`);
}

function outputCheck(receipt: Receipt, proved: PublicTensor[] | undefined): ReceiptCheck {
  if (!proved)
    return {
      name: 'output',
      ok: false,
      detail: 'not checked: the instances do not fit the settings',
    };
  const problems = tensorProblems('output', receipt.output.tensors, proved, {
    valuesOptional: false,
  });
  receipt.output.tensors.forEach((t, i) => {
    const expected = readableOutput(proved[i]?.values, i === 0 ? receipt.model.labels : undefined);
    if (codePointSortedJson(t.readable ?? null) !== codePointSortedJson(expected ?? null))
      problems.push(
        `output[${i}].readable is not the proved values${receipt.model.labels ? " with the model's labels" : ''}`,
      );
  });
  return check('output', problems, 'the proved output (values and their reading)');
}

/** settings hash; with the model file, its hashes and labels; with the chain, the registration. */
function modelCheck(
  receipt: Receipt,
  params: CheckReceiptParams,
  chain: ChainView | undefined,
): ReceiptCheck {
  const m = receipt.model;
  const problems: string[] = [];
  const done: string[] = ['settings'];
  const settingsSha = sha256(toUtf8Bytes(codePointSortedJson(receipt.settings))).slice(2);
  if (settingsSha !== m.settingsSha256)
    problems.push(
      `model.settingsSha256 is not the sha256 of settings (${settingsSha.slice(0, 16)}…)`,
    );
  const file = params.model;
  if (file) {
    done.push('model file');
    if (file.onnxSha256 !== m.onnxSha256)
      problems.push(
        `model.onnxSha256 ${m.onnxSha256.slice(0, 16)}… is not the model file's ${file.onnxSha256.slice(0, 16)}…`,
      );
    if (file.weightsSha256 !== m.weightsSha256)
      problems.push("model.weightsSha256 is not the model file's weights");
    if (JSON.stringify(file.labels ?? null) !== JSON.stringify(m.labels ?? null))
      problems.push("model.labels are not the model file's labels");
  }
  const trusted = params.trusted;
  if (trusted && 'vkSha256' in trusted) {
    done.push('trusted artifacts');
    if (trusted.vkSha256 !== m.vkSha256)
      problems.push(`model.vkSha256 is not the trusted artifacts' key`);
    const { timestamp: _a, ...ours } = receipt.settings;
    const { timestamp: _b, ...theirs } = (trusted.settings ?? {}) as Record<string, unknown>;
    if (codePointSortedJson(ours) !== codePointSortedJson(theirs))
      problems.push("settings are not the trusted artifacts' settings");
    if (
      trusted.srs &&
      (trusted.srs.sha256 !== receipt.srs.sha256 || trusted.srs.origin !== receipt.srs.origin)
    )
      problems.push(
        `srs is not the trusted artifacts' SRS (${trusted.srs.origin}, ${trusted.srs.sha256.slice(0, 16)}…)`,
      );
  }
  if (chain?.model) {
    done.push(`market model ${receipt.settlement?.modelId}`);
    if (chain.model.vkHash.toLowerCase() !== `0x${m.vkSha256}`)
      problems.push(
        `model.vkSha256 is not the registered vkHash (${chain.model.vkHash.slice(0, 18)}…)`,
      );
    const uriSha = /#([0-9a-f]{64})$/.exec(chain.model.metadataURI)?.[1];
    if (uriSha && uriSha !== m.onnxSha256)
      problems.push(`model.onnxSha256 is not the registered model's (${uriSha.slice(0, 16)}…)`);
  }
  return check('model', problems, `${m.name}: agrees with the ${done.join(', ')}`);
}

/** What the chain says, read once: the verifier's code, and the settlement's task, model and tx. */
interface ChainView {
  chainId: bigint;
  verifierCodeHash?: string;
  model?: { verifier: string; vkHash: string; verifierCodeHash: string; metadataURI: string };
  task?: { status: number; worker: string; targetId: bigint; inputHash: string; kind: number };
  tx?: {
    to: string | null;
    data: string;
    blockNumber: number | null;
    status: number | null;
    completed: { taskId: bigint; worker: string }[];
  };
}

const market = new Interface(pocomputeMarketAbi);

async function readChain(receipt: Receipt, rpc: string | Provider): Promise<ChainView> {
  const provider = typeof rpc === 'string' ? (await connectRpc(rpc, { retries: 1 })).provider : rpc;
  try {
    const view: ChainView = { chainId: (await provider.getNetwork()).chainId };
    const expected = receipt.settlement?.chainId ?? receipt.verifier.chainId;
    if (expected !== undefined && view.chainId !== BigInt(expected)) return view;
    if (receipt.verifier.address) {
      const code = await provider.getCode(receipt.verifier.address);
      view.verifierCodeHash = code === '0x' ? undefined : keccak256(code);
    }
    const s = receipt.settlement;
    if (!s) return view;
    if ((await provider.getCode(s.market)) === '0x') return view;
    const contract = new Contract(s.market, pocomputeMarketAbi, provider);
    const task = await contract.getTask(BigInt(s.taskId));
    view.task = {
      status: Number(task.status),
      worker: task.worker,
      targetId: BigInt(task.targetId),
      inputHash: task.inputHash,
      kind: Number(task.kind),
    };
    const model = await contract.getModel(view.task.targetId);
    view.model = {
      verifier: model.verifier,
      vkHash: model.vkHash,
      verifierCodeHash: model.verifierCodeHash,
      metadataURI: model.metadataURI,
    };
    const [tx, txReceipt] = await Promise.all([
      provider.getTransaction(s.txHash),
      provider.getTransactionReceipt(s.txHash),
    ]);
    if (tx && txReceipt)
      view.tx = {
        to: tx.to,
        data: tx.data,
        blockNumber: txReceipt.blockNumber,
        status: txReceipt.status,
        completed: txReceipt.logs
          .filter((l) => l.address.toLowerCase() === s.market.toLowerCase())
          .map((l) => market.parseLog(l))
          .filter((e) => e?.name === 'TaskCompleted')
          .map((e) => ({ taskId: BigInt(e!.args.taskId), worker: e!.args.worker as string })),
      };
    return view;
  } catch (error) {
    if (isPocomputeError(error)) throw error;
    throw new PocomputeError(
      'RPC_UNREACHABLE',
      `reading the chain failed: ${String((error as Error).message ?? error)
        .split('\n')[0]
        .slice(0, 200)}`,
      { cause: error },
    );
  }
}

function chainIdProblem(receipt: Receipt, chain: ChainView): string | undefined {
  const expected = receipt.settlement?.chainId ?? receipt.verifier.chainId;
  return expected !== undefined && chain.chainId !== BigInt(expected)
    ? `the RPC serves chain ${chain.chainId}, the receipt names chain ${expected}`
    : undefined;
}

/** The code at the verifier's address is the receipt's verifier (and, settled, the one the market pins). */
function verifierAddressCheck(receipt: Receipt, chain: ChainView): ReceiptCheck {
  const v = receipt.verifier;
  const wrongChain = chainIdProblem(receipt, chain);
  if (wrongChain) return { name: 'verifier address', ok: false, detail: wrongChain };
  if (!v.address)
    return {
      name: 'verifier address',
      ok: false,
      detail: 'the receipt names no verifier address to check',
    };
  const problems: string[] = [];
  if (!chain.verifierCodeHash) problems.push(`no code at verifier.address ${v.address}`);
  else if (chain.verifierCodeHash !== v.codeHash.toLowerCase())
    problems.push(
      `the code at verifier.address ${v.address} hashes to ${chain.verifierCodeHash.slice(0, 18)}…, not the receipt's verifier`,
    );
  if (chain.model) {
    if (getAddress(chain.model.verifier) !== getAddress(v.address))
      problems.push(
        `the market pays against the verifier ${chain.model.verifier}, not verifier.address`,
      );
    if (chain.model.verifierCodeHash.toLowerCase() !== v.codeHash.toLowerCase())
      problems.push("the market pinned another code hash for the model's verifier");
  }
  return check(
    'verifier address',
    problems,
    `${v.address} on chain ${chain.chainId} runs this verifier${chain.model ? ', the one the market pinned' : ''}`,
  );
}

/** The task was paid on this chain for this very proof, to this worker. */
function settlementCheck(
  receipt: Receipt,
  chain: ChainView,
  trustedMarket: string | undefined,
): ReceiptCheck {
  const s = receipt.settlement!;
  const wrongChain = chainIdProblem(receipt, chain);
  if (wrongChain) return { name: 'settlement', ok: false, detail: wrongChain };
  if (trustedMarket && getAddress(trustedMarket) !== getAddress(s.market))
    return {
      name: 'settlement',
      ok: false,
      detail: `settlement.market ${s.market} is not the trusted market ${trustedMarket}`,
    };
  if (!chain.task || !chain.tx)
    return {
      name: 'settlement',
      ok: false,
      detail: `no market at ${s.market} or no transaction ${s.txHash.slice(0, 18)}… on chain ${chain.chainId}`,
    };
  const problems: string[] = [];
  const { task, tx } = chain;
  if (task.status !== 2) problems.push(`task ${s.taskId} is not done on the market`);
  if (task.kind !== 0) problems.push(`task ${s.taskId} is not a proved task`);
  if (String(task.targetId) !== s.modelId)
    problems.push(`task ${s.taskId} is for model ${task.targetId}, not ${s.modelId}`);
  if (getAddress(task.worker) !== getAddress(s.worker))
    problems.push(`the market paid ${task.worker}, not settlement.worker`);
  if (task.inputHash.toLowerCase() !== receipt.input.commitment.toLowerCase())
    problems.push("the task's input is not the receipt's input");
  if (tx.status !== 1 || !tx.to || getAddress(tx.to) !== getAddress(s.market))
    problems.push('settlement.txHash is not a successful call of the market');
  if (tx.blockNumber !== s.blockNumber)
    problems.push(
      `settlement.blockNumber ${s.blockNumber}: the transaction is in block ${tx.blockNumber}`,
    );
  if (
    !tx.completed.some(
      (e) => String(e.taskId) === s.taskId && getAddress(e.worker) === getAddress(s.worker),
    )
  )
    problems.push(`the transaction did not complete task ${s.taskId} for settlement.worker`);
  const call = (() => {
    try {
      return market.parseTransaction({ data: tx.data });
    } catch {
      return null;
    }
  })();
  if (call?.name !== 'submit' || BigInt(call.args[0]) !== BigInt(s.taskId))
    problems.push(`the transaction is not submit(${s.taskId}, …)`);
  else {
    if (
      keccak256(call.args[1]) !== receipt.proof.hash.toLowerCase() ||
      keccak256(call.args[1]) !== keccak256(receipt.proof.bytes)
    )
      problems.push('the market was paid for another proof');
    const paid = (call.args[2] as bigint[]).map(String);
    const ours = receipt.proof.instances.map((f) => String(feltFromHexLE(f)));
    if (paid.join() !== ours.join())
      problems.push("the paid proof's instances are not the receipt's");
  }
  return check(
    'settlement',
    problems,
    `task ${s.taskId} paid to ${s.worker} in block ${s.blockNumber} for this proof` +
      (trustedMarket ? ', by the trusted market' : ''),
  );
}

function signatureCheck(receipt: Receipt, chain: ChainView | undefined): ReceiptCheck {
  const sig = receipt.signature!;
  const { domain, types, value } = receiptTypedData(receipt);
  let signer: string;
  try {
    signer = verifyTypedData(domain, types, value, sig.value);
  } catch {
    return { name: 'signature', ok: false, detail: 'signature.value is not a valid signature' };
  }
  const problems: string[] = [];
  if (getAddress(signer) !== getAddress(sig.signer))
    problems.push(
      `it recovers to ${signer}, not signature.signer: the signer did not sign these contents`,
    );
  const s = receipt.settlement;
  if (s && getAddress(sig.signer) !== getAddress(s.worker))
    problems.push('signature.signer is not the paid worker');
  if (chain?.task && getAddress(chain.task.worker) !== getAddress(sig.signer))
    problems.push(`the market paid ${chain.task.worker}, not the signer`);
  return check(
    'signature',
    problems,
    `signed by ${sig.signer}${s ? ', the worker the market paid' : ''} (EIP-712)`,
  );
}
