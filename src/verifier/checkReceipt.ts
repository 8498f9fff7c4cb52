import {
  Contract,
  Interface,
  isAddress,
  keccak256,
  sha256,
  toUtf8Bytes,
  verifyTypedData,
} from 'ethers';
import type { Provider } from 'ethers';
import { Phase, pocomputeBountiesAbi, pocomputeMarketAbi } from '../chain/generated/contracts.js';
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
  bountyMetricMet,
  inputCommitment,
  provedBountyClaim,
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
 * verifier's code and its settlement on the chain. A check is `ok` only against something the
 * checker trusts (its artifacts or model file, a pinned hash, the pinned market for the payment);
 * what rests on the receipt's own word is `not-checked`, never green. No `node:` import:
 * `pocompute check` and the page (`pocompute page`) run exactly this, so they give the same verdict.
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
    | 'bounty'
    | 'bounty payment'
    | 'signature';
  /** `status === 'ok'`: checked against something the checker trusts, and it holds. */
  ok: boolean;
  /**
   * `ok`; `failed` (a contradiction: the verdict is invalid); `not-checked` (only the receipt's own
   * word: nothing the checker trusts covers it — `detail` says what to pass to check it).
   */
  status: ReceiptCheckStatus;
  detail: string;
}

export type ReceiptCheckStatus = 'ok' | 'failed' | 'not-checked';

/**
 * What the verifier's trust rests on: EZKL's verifier of artifacts compiled here (`artifacts`), a
 * pinned code hash (`pinned-hash`), or the receipt's own verifier only (`receipt-only`: the receipt
 * is consistent with itself, nothing more). The chain is evidence of payment only: anyone can
 * register a model on the market, with any verifier, vkHash and metadata.
 */
export type ReceiptTrust = 'artifacts' | 'pinned-hash' | 'receipt-only';

/** Which of the receipt's claims rest on something the checker trusts (what the summary shows). */
export interface ReceiptTrusted {
  /** The verifier is EZKL's for trusted artifacts, or its code hash is pinned. */
  verifier: boolean;
  /** The settings (scales, layout) the values are read with are trusted ones. */
  settings: boolean;
  /** The model's identity (ONNX and weights hashes, labels) is a trusted model file's / artifacts'. */
  model: boolean;
  /** The model's name and tensor names are the trusted artifacts' manifest's. */
  names: boolean;
  /** The output label names are a trusted model's. */
  labels: boolean;
  /** The settlement was read from the chain, from the market the checker pinned. */
  settlement: boolean;
  /** The bounty's payment, terms and metric were read from the chain, from the pinned market's bounty contract. */
  bounty: boolean;
}

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
        /** The artifacts' model: its name and tensor names (manifest), its file's identity. */
        model?: { name: string; inputs: string[]; outputs: string[]; identity?: ModelIdentity };
      };
  /**
   * A pinned settings hash (a trusted receipt's `model.settingsSha256`): the settings the proved
   * values are read with (scales, layout) must hash to it. `trusted` artifacts bind them too.
   */
  settingsSha256?: string;
  /** The model file the checker holds (readModelIdentity): its hashes and labels must be the receipt's. */
  model?: ModelIdentity;
  /** An RPC of the settlement's chain: the verifier's code and the task's payment are read there. */
  rpc?: string | Provider;
  /**
   * The market the checker trusts (its address). The receipt names its market, and a contract
   * that only looks like the market could record any payment: the settlement is checked (`ok`)
   * only for this market. Even then the chain is evidence of payment only — registration is open,
   * so the registered verifier, vkHash and metadata never make the verifier or the model trusted.
   */
  market?: string;
}

export interface ReceiptCheckResult {
  /** No check failed. Fully checked only when `verdict` is `valid` (every check `ok`). */
  valid: boolean;
  /** `valid`: every check ok; `unchecked`: none failed, some not checked; `invalid`: one failed. */
  verdict: 'valid' | 'unchecked' | 'invalid';
  trust: ReceiptTrust;
  /** Which claims rest on something trusted: `describeReceipt(receipt, trusted)` shows only those as fact. */
  trusted: ReceiptTrusted;
  checks: ReceiptCheck[];
  /** The receipt as read (valid or not: what the page shows). */
  receipt: Receipt;
  /** What the proof binds, read from its instances with the receipt's settings. */
  proved: { inputs: PublicTensor[]; outputs: PublicTensor[] };
  warnings: string[];
}

/** Checks a receipt; a receipt that is not one (schema, settings) is RECEIPT_INVALID (exit 2). */
export async function checkReceipt(params: CheckReceiptParams): Promise<ReceiptCheckResult> {
  try {
    return await checkParsedReceipt(parseReceipt(params.receipt), params);
  } catch (error) {
    // A fault of the receipt's own fields (its verifier's code, its instances) is the receipt's.
    if (
      isPocomputeError(error, 'ARTIFACTS_INVALID') ||
      isPocomputeError(error, 'BUNDLE_INVALID') ||
      isPocomputeError(error, 'SETTINGS_MISMATCH')
    )
      throw new PocomputeError('RECEIPT_INVALID', `not a receipt: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
}

const TRUST_VERIFIER = 'pass --artifacts <dir> (or --code-hash <hash>)';
const TRUST_SETTINGS = 'pass --artifacts <dir> (or --settings-hash <hash>)';
const TRUST_MODEL = 'pass --artifacts <dir> (or --model <file>)';
const TRUST_SETTLEMENT = 'pass --rpc <url> and --market <address>';

async function checkParsedReceipt(
  receipt: Receipt,
  params: CheckReceiptParams,
): Promise<ReceiptCheckResult> {
  const layout = layoutOf(receipt);
  const proved = publicTensorsFromInstances(
    receipt.proof.instances,
    layout,
    positionalLabels(layout),
  );
  const checks: ReceiptCheck[] = [];
  const warnings: string[] = [];
  const trustedMarket = params.market?.toLowerCase();
  if (trustedMarket !== undefined && !isAddress(trustedMarket))
    throw new PocomputeError('USAGE', `market ${params.market} is not an address`);
  const marketPinned =
    trustedMarket !== undefined && trustedMarket === receipt.settlement?.market.toLowerCase();

  const verifier = await verifierCheck(receipt, params.trusted);
  checks.push(verifier);
  checks.push(await proofCheck(receipt, layout, Boolean(proved), verifier.ok));
  const settings = settingsTrust(receipt, params);
  const model = modelTrust(params);
  checks.push(inputCheck(receipt, layout, proved?.inputs, settings.trusted));
  checks.push(outputCheck(receipt, proved?.outputs, settings.trusted, model));
  const provider = params.rpc ? await providerOf(params.rpc) : undefined;
  const chain = provider ? await readChain(receipt, provider) : undefined;
  checks.push(modelCheck(receipt, settings, model, chain, params.trusted));
  if (chain && (receipt.verifier.address || receipt.settlement))
    checks.push(verifierAddressCheck(receipt, chain, marketPinned));
  const settlement = receipt.settlement
    ? settlementCheck(receipt, chain, params.market)
    : undefined;
  if (settlement) checks.push(settlement);
  if (chain && receipt.settlement && !params.market)
    warnings.push(
      `The market ${receipt.settlement.market} is the one the receipt names: a contract that only ` +
        'looks like the market could record any payment. Pin the market you trust (--market).',
    );
  if (!chain && (receipt.settlement || receipt.bounty || receipt.verifier.address))
    warnings.push(
      `The ${receipt.bounty ? 'bounty' : 'settlement'} and the verifier address were not checked against the chain: pass an RPC URL of chain ` +
        `${receipt.settlement?.chainId ?? receipt.bounty?.chainId ?? receipt.verifier.chainId} and the market you trust.`,
    );
  let bountyPaid: ReceiptCheck | undefined;
  if (receipt.bounty) {
    checks.push(bountyCheck(receipt, layout, settings.trusted));
    const view = provider ? await readBountyChain(receipt, provider) : undefined;
    bountyPaid = bountyPaymentCheck(receipt, layout, view, trustedMarket);
    checks.push(bountyPaid);
    if (view && !trustedMarket)
      warnings.push(
        `The bounty contract ${receipt.bounty.contract} is the one the receipt names: a contract that ` +
          "only looks like a market's could record any payment. Pin the market you trust (--market).",
      );
  }
  const settlementTrusted = settlement?.ok === true;
  if (receipt.signature) checks.push(signatureCheck(receipt, chain, settlementTrusted));

  const trust = trustOf(params);
  if (receipt.srs.origin === 'insecure-dev')
    warnings.push(
      'insecure-dev SRS: the prover generated it and could know its secret, so it could forge this ' +
        'proof; the receipt is for local use only.',
    );
  if (trust === 'receipt-only')
    warnings.push(
      'Checked with the verifier inside the receipt, made by whoever made the receipt: this shows the ' +
        "receipt is consistent, not that its verifier is the model's (a chain's registration does not " +
        'either: anyone can register a model). Pass --artifacts <dir> or a pinned code hash.',
    );
  const failed = checks.some((c) => c.status === 'failed');
  const verdict = failed
    ? 'invalid'
    : checks.every((c) => c.status === 'ok')
      ? 'valid'
      : 'unchecked';
  return {
    valid: !failed,
    verdict,
    trust,
    trusted: {
      verifier: verifier.ok,
      settings: settings.trusted,
      model: model.source !== undefined,
      names: model.artifactsModel !== undefined,
      labels: model.labels !== undefined,
      settlement: settlementTrusted,
      bounty: bountyPaid?.ok === true,
    },
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

function trustOf(params: CheckReceiptParams): ReceiptTrust {
  if (params.trusted && 'runtime' in params.trusted) return 'artifacts';
  if (params.trusted) return 'pinned-hash';
  return 'receipt-only';
}

const check = (
  name: ReceiptCheck['name'],
  problems: string[],
  good: string,
  notChecked?: string,
): ReceiptCheck => {
  const status: ReceiptCheckStatus =
    problems.length > 0 ? 'failed' : notChecked ? 'not-checked' : 'ok';
  return {
    name,
    ok: status === 'ok',
    status,
    detail:
      status === 'failed'
        ? problems.join('; ')
        : status === 'not-checked'
          ? `not checked: ${notChecked}`
          : good,
  };
};

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
  const own = `${v.layout} verifier, code hash ${identity.codeHash.slice(0, 18)}…`;
  return check(
    'verifier',
    problems,
    `${own}, ${trusted && 'runtime' in trusted ? "EZKL's verifier of the trusted artifacts" : 'the pinned code hash'}`,
    trusted ? undefined : `the receipt's own ${own}, not attested — ${TRUST_VERIFIER}`,
  );
}

async function proofCheck(
  receipt: Receipt,
  layout: CircuitLayout,
  fits: boolean,
  verifierTrusted: boolean,
): Promise<ReceiptCheck> {
  if (!fits)
    return {
      name: 'proof',
      ok: false,
      status: 'failed',
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
    const gas = verdict.ok ? verdict.gasUsed : 0;
    return check(
      'proof',
      problems,
      `verifies (EZKL Solidity verifier, in-process EVM, ${gas} gas)`,
      verifierTrusted
        ? undefined
        : `the receipt's own verifier accepts it (in-process EVM, ${gas} gas), a verifier nothing attests — ${TRUST_VERIFIER}`,
    );
  } catch (error) {
    // A proof that cannot be one (lengths, points) is a failed check of the proof field.
    if (isPocomputeError(error, 'BUNDLE_INVALID'))
      return { name: 'proof', ok: false, status: 'failed', detail: error.message };
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

/** Whether the settings the proved values are read with (scales, layout) are trusted ones. */
function settingsTrust(receipt: Receipt, params: CheckReceiptParams) {
  const problems: string[] = [];
  const sha = sha256(toUtf8Bytes(codePointSortedJson(receipt.settings))).slice(2);
  if (sha !== receipt.model.settingsSha256)
    problems.push(`model.settingsSha256 is not the sha256 of settings (${sha.slice(0, 16)}…)`);
  let trusted = false;
  const pinned = params.settingsSha256?.replace(/^0x/, '').toLowerCase();
  if (pinned !== undefined) {
    if (sha !== pinned) problems.push(`settings hash to ${sha.slice(0, 16)}…, not the pinned hash`);
    else trusted = true;
  }
  const t = params.trusted;
  if (t && 'runtime' in t) {
    const { timestamp: _a, ...ours } = receipt.settings;
    const { timestamp: _b, ...theirs } = (t.settings ?? {}) as Record<string, unknown>;
    if (codePointSortedJson(ours) !== codePointSortedJson(theirs))
      problems.push("settings are not the trusted artifacts' settings");
    else trusted = true;
  }
  return { trusted: trusted && problems.length === 0, problems };
}

/** The trusted model identity (the model file, the artifacts' model.onnx), and its labels. */
function modelTrust(params: CheckReceiptParams) {
  const t = params.trusted;
  const artifactsModel = t && 'runtime' in t ? t.model : undefined;
  const identities = [params.model, artifactsModel?.identity].filter(
    (x): x is ModelIdentity => x !== undefined,
  );
  const source =
    identities.length > 0 ? (params.model ? 'model file' : "trusted artifacts' model") : undefined;
  return {
    source,
    identities,
    artifactsModel,
    /** The labels a trusted model names (none: the label names are only the receipt's). */
    labels: identities.length > 0 ? (identities[0].labels ?? null) : undefined,
  };
}
type ModelTrust = ReturnType<typeof modelTrust>;

function inputCheck(
  receipt: Receipt,
  layout: CircuitLayout,
  proved: PublicTensor[] | undefined,
  settingsTrusted: boolean,
): ReceiptCheck {
  if (!proved)
    return {
      name: 'input',
      ok: false,
      status: 'failed',
      detail: 'the instances do not fit the settings',
    };
  const problems = tensorProblems('input', receipt.input.tensors, proved, { valuesOptional: true });
  const commitment = inputCommitment(receipt.proof.instances, layout);
  if (commitment !== receipt.input.commitment.toLowerCase())
    problems.unshift(`input.commitment is not the proved inputs' (${commitment.slice(0, 18)}…)`);
  const withValues = receipt.input.tensors.some((t) => t.values);
  const shown = withValues ? 'values and commitment' : 'commitment (values not included)';
  return check(
    'input',
    problems,
    `the proved input: ${shown}`,
    settingsTrusted || !withValues
      ? undefined
      : `the commitment holds, but the values are read with the receipt's own settings (scales, layout) — ${TRUST_SETTINGS}`,
  );
}

function outputCheck(
  receipt: Receipt,
  proved: PublicTensor[] | undefined,
  settingsTrusted: boolean,
  model: ModelTrust,
): ReceiptCheck {
  if (!proved)
    return {
      name: 'output',
      ok: false,
      status: 'failed',
      detail: 'the instances do not fit the settings',
    };
  const problems = tensorProblems('output', receipt.output.tensors, proved, {
    valuesOptional: false,
  });
  // The label names are read from a trusted model when there is one, else the receipt's own.
  const labels = model.labels === undefined ? receipt.model.labels : (model.labels ?? undefined);
  receipt.output.tensors.forEach((t, i) => {
    const expected = readableOutput(proved[i]?.values, i === 0 ? labels : undefined);
    if (codePointSortedJson(t.readable ?? null) !== codePointSortedJson(expected ?? null))
      problems.push(
        `output[${i}].readable is not the proved values${labels ? " with the model's labels" : ''}`,
      );
  });
  const named = receipt.output.tensors.some((t) =>
    t.readable?.kind === 'score' ? t.readable.label : t.readable?.top.some((e) => e.label),
  );
  const notChecked = !settingsTrusted
    ? `the values are read with the receipt's own settings (scales, layout) — ${TRUST_SETTINGS}`
    : named && model.labels === undefined
      ? `the label names are the receipt's own — ${TRUST_MODEL}`
      : undefined;
  return check('output', problems, 'the proved output (values and their reading)', notChecked);
}

/** The model's identity against a trusted model: hashes, labels; with artifacts, key, name, tensors. */
function modelCheck(
  receipt: Receipt,
  settings: { trusted: boolean; problems: string[] },
  model: ModelTrust,
  chain: ChainView | undefined,
  trusted: CheckReceiptParams['trusted'],
): ReceiptCheck {
  const m = receipt.model;
  const problems: string[] = [...settings.problems];
  const done: string[] = [];
  for (const file of model.identities) {
    if (file.onnxSha256 !== m.onnxSha256)
      problems.push(
        `model.onnxSha256 ${m.onnxSha256.slice(0, 16)}… is not the trusted model's ${file.onnxSha256.slice(0, 16)}…`,
      );
    if (file.weightsSha256 !== m.weightsSha256)
      problems.push("model.weightsSha256 is not the trusted model's weights");
    if (JSON.stringify(file.labels ?? null) !== JSON.stringify(m.labels ?? null))
      problems.push("model.labels are not the trusted model's labels");
  }
  if (model.source) done.push(model.source);
  const artifacts = model.artifactsModel;
  if (artifacts) {
    if (artifacts.name !== m.name) problems.push("model.name is not the trusted artifacts' model");
    const names = (side: 'input' | 'output', ours: ReceiptTensor[], theirs: string[]) => {
      if (ours.map((t) => t.name).join('\u0000') !== theirs.join('\u0000'))
        problems.push(`${side} tensor names are not the trusted artifacts' model's`);
    };
    names('input', receipt.input.tensors, artifacts.inputs);
    names('output', receipt.output.tensors, artifacts.outputs);
  }
  if (settings.trusted) done.push('settings');
  const t = trusted && 'runtime' in trusted ? trusted : undefined;
  if (t) {
    done.push("trusted artifacts' key and SRS");
    if (t.vkSha256 !== m.vkSha256)
      problems.push("model.vkSha256 is not the trusted artifacts' key");
    if (t.srs && (t.srs.sha256 !== receipt.srs.sha256 || t.srs.origin !== receipt.srs.origin))
      problems.push(
        `srs is not the trusted artifacts' SRS (${t.srs.origin}, ${t.srs.sha256.slice(0, 16)}…)`,
      );
  }
  if (chain?.model) {
    // The registration is its registrant's word: it can contradict the receipt, never vouch for it.
    if (chain.model.vkHash.toLowerCase() !== `0x${m.vkSha256}`)
      problems.push(
        `model.vkSha256 is not the registered vkHash (${chain.model.vkHash.slice(0, 18)}…)`,
      );
    const uriSha = /#([0-9a-f]{64})$/.exec(chain.model.metadataURI)?.[1];
    if (uriSha && uriSha !== m.onnxSha256)
      problems.push(`model.onnxSha256 is not the registered model's (${uriSha.slice(0, 16)}…)`);
  }
  return check(
    'model',
    problems,
    `${m.name}: agrees with the ${done.join(', ')}${artifacts ? '' : ' (its name and tensor names not checked: --artifacts <dir>)'}`,
    model.source
      ? undefined
      : `its name, ONNX and weights hashes and labels are the receipt's own claims — ${TRUST_MODEL}`,
  );
}

/** What the chain says, read once: the verifier's code, and the settlement's task, model and tx. */
interface ChainView {
  chainId: bigint;
  verifierCodeHash?: string;
  /** Why the settlement could not be read from the contract it names (a failed check). */
  settlementError?: string;
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

/** An answer of the contract that is not a market's (a revert, bad data): the receipt's fault. */
function contractFault(error: unknown): string | undefined {
  const e = error as { code?: string; revert?: { name?: string }; shortMessage?: string };
  if (!['CALL_EXCEPTION', 'BAD_DATA', 'INVALID_ARGUMENT', 'NUMERIC_FAULT'].includes(e?.code ?? ''))
    return undefined;
  return e.revert?.name ? `${e.revert.name}()` : (e.shortMessage ?? e.code);
}

async function providerOf(rpc: string | Provider): Promise<Provider> {
  return typeof rpc === 'string' ? (await connectRpc(rpc, { retries: 1 })).provider : rpc;
}

/** A failure to read the chain: the RPC's (RPC_UNREACHABLE), never the receipt's. */
function unreachable(error: unknown): never {
  if (isPocomputeError(error)) throw error;
  throw new PocomputeError(
    'RPC_UNREACHABLE',
    `reading the chain failed: ${String((error as Error).message ?? error)
      .split('\n')[0]
      .slice(0, 200)}`,
    { cause: error },
  );
}

async function readChain(receipt: Receipt, provider: Provider): Promise<ChainView> {
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
    if ((await provider.getCode(s.market)) === '0x') {
      view.settlementError = `no contract at settlement.market ${s.market} on chain ${view.chainId}`;
      return view;
    }
    if (BigInt(s.taskId) >= 2n ** 256n || BigInt(s.modelId) >= 2n ** 256n) {
      view.settlementError = 'settlement.taskId or modelId is not a uint256';
      return view;
    }
    const contract = new Contract(s.market, pocomputeMarketAbi, provider);
    try {
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
    } catch (error) {
      const fault = contractFault(error);
      if (fault === undefined) throw error;
      view.settlementError = `the contract at ${s.market} does not answer as a market for task ${s.taskId} (${fault})`;
      delete view.task;
      return view;
    }
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
          .map((l) => {
            try {
              return market.parseLog(l);
            } catch {
              return null;
            }
          })
          .filter((e) => e?.name === 'TaskCompleted')
          .map((e) => ({ taskId: BigInt(e!.args.taskId), worker: e!.args.worker as string })),
      };
    return view;
  } catch (error) {
    unreachable(error);
  }
}

function chainIdProblem(receipt: Receipt, chain: ChainView): string | undefined {
  const expected = receipt.settlement?.chainId ?? receipt.verifier.chainId;
  return expected !== undefined && chain.chainId !== BigInt(expected)
    ? `the RPC serves chain ${chain.chainId}, the receipt names chain ${expected}`
    : undefined;
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The code at the verifier's address is the receipt's verifier (and, settled, the one the market pins). */
function verifierAddressCheck(
  receipt: Receipt,
  chain: ChainView,
  marketPinned: boolean,
): ReceiptCheck {
  const v = receipt.verifier;
  const wrongChain = chainIdProblem(receipt, chain);
  if (wrongChain)
    return { name: 'verifier address', ok: false, status: 'failed', detail: wrongChain };
  if (!v.address)
    return {
      name: 'verifier address',
      ok: false,
      status: 'failed',
      detail: 'the receipt names no verifier address to check',
    };
  const problems: string[] = [];
  if (!chain.verifierCodeHash) problems.push(`no code at verifier.address ${v.address}`);
  else if (chain.verifierCodeHash !== v.codeHash.toLowerCase())
    problems.push(
      `the code at verifier.address ${v.address} hashes to ${chain.verifierCodeHash.slice(0, 18)}…, not the receipt's verifier`,
    );
  if (chain.model) {
    if (!sameAddress(chain.model.verifier, v.address))
      problems.push(
        `the market pays against the verifier ${chain.model.verifier}, not verifier.address`,
      );
    if (chain.model.verifierCodeHash.toLowerCase() !== v.codeHash.toLowerCase())
      problems.push("the market pinned another code hash for the model's verifier");
  }
  // The reusable layout's VKA contract is not compared with the market's: not claimed.
  const pinned =
    chain.model && marketPinned
      ? `, the verifier the pinned market pays against${v.layout === 'reusable' ? ' (its VKA not compared)' : ''}`
      : '';
  return check(
    'verifier address',
    problems,
    `${v.address} on chain ${chain.chainId} runs this verifier${pinned}`,
  );
}

/** The task was paid on this chain for this very proof, to this worker, by the pinned market. */
function settlementCheck(
  receipt: Receipt,
  chain: ChainView | undefined,
  trustedMarket: string | undefined,
): ReceiptCheck {
  const s = receipt.settlement!;
  const fail = (detail: string): ReceiptCheck => ({
    name: 'settlement',
    ok: false,
    status: 'failed',
    detail,
  });
  if (receipt.verifier.chainId !== undefined && receipt.verifier.chainId !== s.chainId)
    return fail(
      `verifier.chainId ${receipt.verifier.chainId} is not settlement.chainId ${s.chainId}`,
    );
  if (!chain)
    return check(
      'settlement',
      [],
      '',
      `task ${s.taskId} paid to the receipt's claimed worker — ${TRUST_SETTLEMENT}`,
    );
  const wrongChain = chainIdProblem(receipt, chain);
  if (wrongChain) return fail(wrongChain);
  if (trustedMarket && !sameAddress(trustedMarket, s.market))
    return fail(`settlement.market ${s.market} is not the trusted market ${trustedMarket}`);
  if (chain.settlementError) return fail(chain.settlementError);
  if (!chain.task || !chain.tx)
    return fail(`no transaction ${s.txHash.slice(0, 18)}… on chain ${chain.chainId}`);
  const problems: string[] = [];
  const { task, tx } = chain;
  if (task.status !== 2) problems.push(`task ${s.taskId} is not done on the market`);
  if (task.kind !== 0) problems.push(`task ${s.taskId} is not a proved task`);
  if (String(task.targetId) !== s.modelId)
    problems.push(`task ${s.taskId} is for model ${task.targetId}, not ${s.modelId}`);
  if (!sameAddress(task.worker, s.worker))
    problems.push(`the market paid ${task.worker}, not settlement.worker`);
  if (task.inputHash.toLowerCase() !== receipt.input.commitment.toLowerCase())
    problems.push("the task's input is not the receipt's input");
  if (tx.status !== 1 || !tx.to || !sameAddress(tx.to, s.market))
    problems.push('settlement.txHash is not a successful call of the market');
  if (tx.blockNumber !== s.blockNumber)
    problems.push(
      `settlement.blockNumber ${s.blockNumber}: the transaction is in block ${tx.blockNumber}`,
    );
  if (!tx.completed.some((e) => String(e.taskId) === s.taskId && sameAddress(e.worker, s.worker)))
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
  const paid = `task ${s.taskId} paid to ${s.worker} in block ${s.blockNumber} for this proof`;
  return check(
    'settlement',
    problems,
    `${paid}, by the trusted market`,
    trustedMarket
      ? undefined
      : `the contract at ${s.market} says ${paid}, but it is the receipt's own market, not one you pinned — pass --market <address>`,
  );
}

function signatureCheck(
  receipt: Receipt,
  chain: ChainView | undefined,
  settlementTrusted: boolean,
): ReceiptCheck {
  const sig = receipt.signature!;
  let signer: string;
  try {
    const { domain, types, value } = receiptTypedData(receipt);
    signer = verifyTypedData(domain, types, value, sig.value);
  } catch {
    return {
      name: 'signature',
      ok: false,
      status: 'failed',
      detail: 'signature.value is not a valid signature',
    };
  }
  const problems: string[] = [];
  if (!sameAddress(signer, sig.signer))
    problems.push(
      `it recovers to ${signer}, not signature.signer: the signer did not sign these contents`,
    );
  const s = receipt.settlement;
  if (s && !sameAddress(sig.signer, s.worker))
    problems.push('signature.signer is not the paid worker');
  if (chain?.task && !sameAddress(chain.task.worker, sig.signer))
    problems.push(`the market paid ${chain.task.worker}, not the signer`);
  const who = s
    ? settlementTrusted
      ? ', the worker the market paid'
      : ", the receipt's claimed worker (payment not checked)"
    : '';
  return check('signature', problems, `signed by ${sig.signer}${who} (EIP-712)`);
}

// ---------------------------------------------------------------- training bounties

const TRUST_BOUNTY = 'pass --rpc <url> and --market <address>';
const bountiesInterface = new Interface(pocomputeBountiesAbi);
const PAID = Phase.indexOf('Paid');

/**
 * The bounty section against what the proof binds: its first k instances are `finalWeightsHash`,
 * its last (the metric) read at the settings' last output scale is `metric.value`, and `met` is
 * what the value and target say. The metric is read with the settings: trusted ones or not checked.
 */
function bountyCheck(receipt: Receipt, layout: CircuitLayout, settingsTrusted: boolean) {
  const b = receipt.bounty!;
  const claim = provedBountyClaim(receipt.proof.instances, layout);
  if ('error' in claim)
    return check('bounty', [`the proof is not an evaluation proof: ${claim.error}`], '');
  const problems: string[] = [];
  const stated = b.finalWeightsHash.map((h) => h.toLowerCase());
  if (stated.join() !== claim.finalWeightsHash.join())
    problems.push(
      `bounty.finalWeightsHash is not the proved weights' hashes (the proof's first ${claim.finalWeightsHash.length} instances)`,
    );
  if (b.metric.value !== claim.metric)
    problems.push(`bounty.metric.value ${b.metric.value} is not the proved metric ${claim.metric}`);
  if (!Number.isInteger(b.metric.target * 2 ** claim.metricScale))
    problems.push(
      `bounty.metric.target is not a value at the metric's scale (2^-${claim.metricScale})`,
    );
  if (b.metric.met !== bountyMetricMet(b.metric.kind, claim.metric, b.metric.target))
    problems.push(
      `bounty.metric.met is ${b.metric.met}, but the proved ${b.metric.kind} ${claim.metric} ${b.metric.met ? 'misses' : 'meets'} the target ${b.metric.target}`,
    );
  if (receipt.verifier.chainId !== undefined && receipt.verifier.chainId !== b.chainId)
    problems.push(
      `verifier.chainId ${receipt.verifier.chainId} is not bounty.chainId ${b.chainId}`,
    );
  if (receipt.settlement)
    problems.push('a receipt is for a task (settlement) or a bounty, not both');
  return check(
    'bounty',
    problems,
    `the proof binds the final weights' hashes and the ${b.metric.kind} ${claim.metric} (${b.metric.met ? 'meets' : 'misses'} ${b.metric.target})`,
    settingsTrusted
      ? undefined
      : `the metric is read with the receipt's own settings (scale, layout) — ${TRUST_SETTINGS}`,
  );
}

/** What the chain says about the receipt's bounty, read once. */
interface BountyChainView {
  chainId: bigint;
  /** Why the bounty could not be read from the contract it names (a failed check). */
  error?: string;
  /** The market the bounty contract names as its own. */
  market?: string;
  bounty?: { phase: number; worker: string; metricValue: bigint };
  terms?: {
    baseModelSha256: string;
    dataCommitment: string;
    metric: number;
    target: bigint;
    evalModelId: bigint;
  };
  model?: { verifier: string; vkHash: string; metadataURI: string };
  prove?: TxView;
  settle?: TxView;
}

interface TxView {
  to: string | null;
  data: string;
  status: number | null;
  blockNumber: number;
  events: { name: string; args: Record<string, unknown> }[];
}

async function readTx(provider: Provider, hash: string, contract: string) {
  const [tx, receipt] = await Promise.all([
    provider.getTransaction(hash),
    provider.getTransactionReceipt(hash),
  ]);
  if (!tx || !receipt) return undefined;
  const events = receipt.logs
    .filter((l) => sameAddress(l.address, contract))
    .map((l) => {
      try {
        return bountiesInterface.parseLog(l);
      } catch {
        return null;
      }
    })
    .filter((e) => e !== null)
    .map((e) => ({ name: e.name, args: e.args.toObject() }));
  return {
    to: tx.to,
    data: tx.data,
    status: receipt.status,
    blockNumber: receipt.blockNumber,
    events,
  } satisfies TxView;
}

async function readBountyChain(receipt: Receipt, provider: Provider): Promise<BountyChainView> {
  const b = receipt.bounty!;
  try {
    const view: BountyChainView = { chainId: (await provider.getNetwork()).chainId };
    if (view.chainId !== BigInt(b.chainId)) return view;
    if ((await provider.getCode(b.contract)) === '0x') {
      view.error = `no contract at bounty.contract ${b.contract} on chain ${view.chainId}`;
      return view;
    }
    if (BigInt(b.bountyId) >= 2n ** 256n) {
      view.error = 'bounty.bountyId is not a uint256';
      return view;
    }
    const contract = new Contract(b.contract, pocomputeBountiesAbi, provider);
    try {
      const id = BigInt(b.bountyId);
      view.market = String(await contract.market());
      const [bounty, terms] = await Promise.all([contract.getBounty(id), contract.getTerms(id)]);
      view.bounty = {
        phase: Number(bounty.phase),
        worker: bounty.worker,
        metricValue: BigInt(bounty.metricValue),
      };
      view.terms = {
        baseModelSha256: String(terms.baseModelSha256).toLowerCase(),
        dataCommitment: String(terms.dataCommitment).toLowerCase(),
        metric: Number(terms.metric),
        target: BigInt(terms.target),
        evalModelId: BigInt(terms.evalModelId),
      };
      const model = await new Contract(view.market, pocomputeMarketAbi, provider).getModel(
        view.terms.evalModelId,
      );
      view.model = {
        verifier: model.verifier,
        vkHash: model.vkHash,
        metadataURI: model.metadataURI,
      };
    } catch (error) {
      const fault = contractFault(error);
      if (fault === undefined) throw error;
      view.error = `the contract at ${b.contract} does not answer as a bounty contract for bounty ${b.bountyId} (${fault})`;
      return view;
    }
    view.prove = await readTx(provider, b.proveTxHash, b.contract);
    if (b.settleTxHash) view.settle = await readTx(provider, b.settleTxHash, b.contract);
    return view;
  } catch (error) {
    unreachable(error);
  }
}

/**
 * The bounty was paid on this chain for this very proof: the proveTx is a proveMetric call for the
 * bounty that carried exactly this proof and these instances and emitted MetricProved with this
 * metric; the bounty is Paid to `worker`; the terms are the receipt's (base model, data, metric,
 * target); the settle transaction paid the worker. `ok` only for the bounty contract of the market
 * the checker pinned (the bounty contract names its market: `market()`).
 */
function bountyPaymentCheck(
  receipt: Receipt,
  layout: CircuitLayout,
  chain: BountyChainView | undefined,
  trustedMarket: string | undefined,
): ReceiptCheck {
  const b = receipt.bounty!;
  const fail = (detail: string) => check('bounty payment', [detail], '');
  if (!chain)
    return check(
      'bounty payment',
      [],
      '',
      `bounty ${b.bountyId} paid to the receipt's claimed worker — ${TRUST_BOUNTY}`,
    );
  if (chain.chainId !== BigInt(b.chainId))
    return fail(`the RPC serves chain ${chain.chainId}, the receipt names chain ${b.chainId}`);
  if (chain.error) return fail(chain.error);
  const { bounty, terms, market: owner } = chain;
  if (!bounty || !terms || !owner) return fail(`bounty ${b.bountyId} could not be read`);
  if (trustedMarket && !sameAddress(owner, trustedMarket))
    return fail(
      `the bounty contract ${b.contract} belongs to market ${owner}, not the trusted market ${trustedMarket}`,
    );
  const problems: string[] = [];
  const id = BigInt(b.bountyId);
  if (bounty.phase !== PAID)
    problems.push(
      `bounty ${b.bountyId} is ${(Phase[bounty.phase] ?? String(bounty.phase)).toLowerCase()} on the contract, not paid`,
    );
  if (!sameAddress(bounty.worker, b.worker))
    problems.push(`the bounty's worker is ${bounty.worker}, not bounty.worker`);
  if (terms.baseModelSha256 !== `0x${b.baseModelSha256}`)
    problems.push("bounty.baseModelSha256 is not the terms' base model");
  if (terms.dataCommitment !== `0x${b.dataCommitment}`)
    problems.push("bounty.dataCommitment is not the terms' data commitment");
  if ((terms.metric === 0 ? 'loss' : 'accuracy') !== b.metric.kind)
    problems.push(`bounty.metric.kind is not the terms' metric`);
  const claim = provedBountyClaim(receipt.proof.instances, layout);
  if (!('error' in claim)) {
    if (Number(terms.target) / 2 ** claim.metricScale !== b.metric.target)
      problems.push(
        `bounty.metric.target is not the terms' target (${Number(terms.target) / 2 ** claim.metricScale})`,
      );
    if (bounty.metricValue !== claim.metricRaw)
      problems.push("the metric the contract recorded is not the proof's");
  }
  const model = chain.model;
  if (model) {
    // The registration is its registrant's word: it can contradict the receipt, never vouch for it.
    if (model.vkHash.toLowerCase() !== `0x${receipt.model.vkSha256}`)
      problems.push("model.vkSha256 is not the evaluation model's registered vkHash");
    if (receipt.verifier.address && !sameAddress(model.verifier, receipt.verifier.address))
      problems.push(`the evaluation model's verifier is ${model.verifier}, not verifier.address`);
    const uriSha = /#([0-9a-f]{64})$/.exec(model.metadataURI)?.[1];
    if (uriSha && uriSha !== receipt.model.onnxSha256)
      problems.push(`model.onnxSha256 is not the registered evaluation model's`);
  }
  const prove = chain.prove;
  if (!prove)
    problems.push(`no transaction ${b.proveTxHash.slice(0, 18)}… on chain ${chain.chainId}`);
  else {
    if (prove.status !== 1 || !prove.to || !sameAddress(prove.to, b.contract))
      problems.push('bounty.proveTxHash is not a successful call of the bounty contract');
    if (prove.blockNumber !== b.proveBlock)
      problems.push(
        `bounty.proveBlock ${b.proveBlock}: the transaction is in block ${prove.blockNumber}`,
      );
    const call = (() => {
      try {
        return bountiesInterface.parseTransaction({ data: prove.data });
      } catch {
        return null;
      }
    })();
    if (call?.name !== 'proveMetric' || BigInt(call.args[0]) !== id)
      problems.push(`the transaction is not proveMetric(${b.bountyId}, …)`);
    else {
      if (
        keccak256(call.args[1]) !== receipt.proof.hash.toLowerCase() ||
        keccak256(call.args[1]) !== keccak256(receipt.proof.bytes)
      )
        problems.push('the bounty was proved with another proof');
      const sent = (call.args[2] as bigint[]).map(String);
      const ours = receipt.proof.instances.map((f) => String(feltFromHexLE(f)));
      if (sent.join() !== ours.join())
        problems.push("the proveMetric call's instances are not the receipt's");
    }
    const proved = prove.events.find(
      (e) => e.name === 'MetricProved' && BigInt(e.args.bountyId as bigint) === id,
    );
    if (!proved) problems.push(`the transaction emitted no MetricProved for bounty ${b.bountyId}`);
    else {
      if (!('error' in claim) && BigInt(proved.args.metric as bigint) !== claim.metricRaw)
        problems.push("the MetricProved event's metric is not the proof's");
      if (Boolean(proved.args.met) !== b.metric.met)
        problems.push(`the MetricProved event says met = ${Boolean(proved.args.met)}`);
    }
  }
  if (b.settleTxHash) {
    const settle = chain.settle;
    const paid = settle?.events.some(
      (e) =>
        e.name === 'BountySettled' &&
        BigInt(e.args.bountyId as bigint) === id &&
        Number(e.args.phase) === PAID &&
        sameAddress(String(e.args.paidTo), b.worker),
    );
    if (settle?.status !== 1 || !paid)
      problems.push(
        `bounty.settleTxHash is not the transaction that paid bounty ${b.bountyId} to bounty.worker`,
      );
  }
  const paid = `bounty ${b.bountyId} paid to ${b.worker} for this proof (proveMetric in block ${b.proveBlock})`;
  return check(
    'bounty payment',
    problems,
    `${paid}, by the bounty contract of the trusted market`,
    trustedMarket
      ? undefined
      : `the contract at ${b.contract} says ${paid}, but it is the receipt's own bounty contract, not one of a market you pinned — pass --market <address>`,
  );
}
