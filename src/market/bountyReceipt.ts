import { Phase } from '../chain/generated/contracts.js';
import { dirname, join } from 'node:path';
import { Contract, EventLog, keccak256 } from 'ethers';
import { pocomputeMarketAbi } from '../chain/generated/contracts.js';
import { describeChainError } from '../chain/provider.js';
import { PocomputeError } from '../core/errors.js';
import { readJsonFile } from '../core/files.js';
import { type Artifacts, openArtifacts } from '../proof/artifacts.js';
import { type ProofBundle, readBundle } from '../proof/bundle.js';
import { circuitLayout } from '../proof/circuitLayout.js';
import { bountyMetricMet, provedBountyClaim, type Receipt } from '../proof/receipt.js';
import { instancesAsUint256, proofBytes } from '../verifier/calldata.js';
import { type CreateReceiptParams, createReceipt } from '../verifier/createReceipt.js';
import { readModel } from './attestModel.js';
import { readBounty } from './bounty.js';

export interface BountyReceiptParams
  extends Omit<CreateReceiptParams, 'bundle' | 'settlement' | 'deployedVerifier' | 'bounty'> {
  /**
   * The evaluation proof bundle `bounty prove` wrote (`<run>/bounty/<id>-eval-proof.json`), path or
   * parsed. Given as a path beside its run's link (`<run>/bounty/<id>.json`), the evaluation
   * circuit's artifacts are found there unless `artifacts` or `model` is given.
   */
  bundle: string | ProofBundle;
  /** The bounty contract (openBounties, src/market/bounty.ts), with a provider. */
  bounties: Contract;
  bountyId: string;
  /** The first block searched for the bounty's events (default 0). */
  fromBlock?: number;
}

const refused = (message: string, hint: string) =>
  new PocomputeError('OPTION_INVALID', message, { hint });

/**
 * `receipt --bounty`: the receipt of a bounty's evaluation proof with the bounty section, read from
 * the chain — the terms (base model, data commitment, metric, target), the bounty (Paid, its
 * worker), the MetricProved transaction (a proveMetric call for this bounty that carried exactly
 * this bundle's proof and instances) and the BountySettled one. A bounty that is not Paid, or was
 * proved with another proof, is refused (OPTION_INVALID, exit 2). The receipt's model is the
 * evaluation circuit's ONNX and its verifier the one the market registered for it.
 */
export async function createBountyReceipt(params: BountyReceiptParams): Promise<Receipt> {
  const { bounties, bountyId, fromBlock = 0, ...rest } = params;
  const bundle =
    typeof params.bundle === 'string' ? await readBundle(params.bundle) : params.bundle;
  const artifacts =
    rest.artifacts ??
    (rest.model || typeof params.bundle !== 'string'
      ? undefined
      : await linkedEvalArtifacts(params.bundle, bountyId));
  const provider = bounties.runner?.provider;
  if (!provider) throw new PocomputeError('USAGE', 'the bounty contract has no provider');
  const contract = await bounties.getAddress();
  const view = await readBounty(bounties, bountyId);
  if (view.phase !== 'paid')
    throw refused(
      `bounty ${bountyId} is ${view.phase}: only a bounty that paid its worker has a receipt`,
      'Settle it first (`pocompute bounty settle <id>`), once its challenge window is over; `pocompute bounty show <id>` prints its phase.',
    );
  const id = BigInt(bountyId);
  let proved: Awaited<ReturnType<Contract['queryFilter']>>;
  let settled: Awaited<ReturnType<Contract['queryFilter']>>;
  try {
    [proved, settled] = await Promise.all([
      bounties.queryFilter(bounties.filters.MetricProved(id), fromBlock),
      bounties.queryFilter(bounties.filters.BountySettled(id), fromBlock),
    ]);
  } catch (error) {
    throw describeChainError(error, bounties.interface);
  }
  const event = proved.at(-1);
  if (!event)
    throw refused(
      `bounty ${bountyId} has no MetricProved event on ${contract}`,
      'Pass the bounty contract that paid it (--bounties <address>).',
    );
  const tx = await provider.getTransaction(event.transactionHash);
  const call = tx ? bounties.interface.parseTransaction({ data: tx.data }) : null;
  const ours = instancesAsUint256(bundle).map(String);
  if (
    call?.name !== 'proveMetric' ||
    BigInt(call.args[0]) !== id ||
    keccak256(call.args[1]) !== keccak256(proofBytes(bundle)) ||
    (call.args[2] as bigint[]).map(String).join() !== ours.join()
  )
    throw refused(
      `bounty ${bountyId} was proved with another proof or other instances than this bundle's`,
      'Pass the evaluation proof `bounty prove` sent (`<run>/bounty/<id>-eval-proof.json`).',
    );
  const paid = settled.find(
    (e): e is EventLog =>
      e instanceof EventLog &&
      Number(e.args.phase) === PAID &&
      sameAddress(String(e.args.paidTo), view.worker),
  );
  const layout = circuitLayout(bundle.settings, "the bundle's settings");
  const claim = provedBountyClaim(
    (bundle.proof.instances[0] ?? []).map((f) => f.replace(/^0x/, '')),
    layout,
  );
  if ('error' in claim) throw refused(`the bundle: ${claim.error}`, 'Pass the evaluation proof.');
  const k = ((await bounties.getBaseWeightsHash(id)) as bigint[]).length;
  if (k !== claim.finalWeightsHash.length)
    throw refused(
      `bounty ${bountyId} trains ${k} tensors, the bundle's circuit hashes ${claim.finalWeightsHash.length}`,
      'Pass the evaluation proof of this bounty.',
    );
  const target = Number(BigInt(view.target)) / 2 ** claim.metricScale;
  // The verifier the market registered for the evaluation circuit: what proveMetric ran.
  const market = new Contract(String(await bounties.market()), pocomputeMarketAbi, provider);
  const model = await readModel(market, view.evalModelId);
  const chainId = Number((await provider.getNetwork()).chainId);
  const bounty: NonNullable<Receipt['bounty']> = {
    chainId,
    contract,
    bountyId: String(id),
    baseModelSha256: view.baseModelSha256,
    dataCommitment: view.dataCommitment,
    finalWeightsHash: claim.finalWeightsHash,
    metric: {
      kind: view.metric,
      value: claim.metric,
      target,
      met: bountyMetricMet(view.metric, claim.metric, target),
    },
    proveTxHash: event.transactionHash,
    proveBlock: event.blockNumber,
    ...(paid ? { settleTxHash: paid.transactionHash } : {}),
    worker: view.worker,
  };
  return createReceipt({
    ...rest,
    bundle,
    ...(artifacts ? { artifacts } : {}),
    deployedVerifier: { chainId, address: model.verifier },
    bounty,
  });
}

/** IPocomputeBounties.Phase.Paid (the generated enum). */
const PAID = Phase.indexOf('Paid');
const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The evaluation artifacts named by the run's link beside a bundle `<run>/bounty/<id>-eval-proof.json`. */
async function linkedEvalArtifacts(
  bundlePath: string,
  bountyId: string,
): Promise<Artifacts | undefined> {
  const link = join(dirname(bundlePath), `${bountyId}.json`);
  const raw = (await readJsonFile(link, 'bounty run link', 'RUN_INVALID').catch(() => null)) as {
    format?: string;
    evalArtifacts?: string;
  } | null;
  if (raw?.format !== 'pocompute-bounty-run@1' || typeof raw.evalArtifacts !== 'string')
    return undefined;
  return openArtifacts(raw.evalArtifacts).catch(() => undefined);
}
