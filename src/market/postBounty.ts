import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import { PocomputeError } from '../core/errors.js';
import { readFileCapped, readJsonFile, sha256Hex } from '../core/files.js';
import type { Reporter } from '../core/output.js';
import { pocomputeHome } from '../core/paths.js';
import { evalCommitment, evalSetFelts } from '../prover/training/evalSet.js';
import { circuitInputBounds } from '../prover/inputRange.js';
import { feltToSigned } from '../proof/felts.js';
import { newSalt, secretPath, sendBountyTx, writeSecret } from './bounty.js';
import {
  bountyCommitments,
  bountyModel,
  compileBountyCircuits,
  evaluationRows,
} from './bountySpec.js';
import { recipeURI, type BountyRecipe } from './bountyRecipe.js';
import { batchRoot } from './batchTree.js';
import { registerModel } from './market.js';
import { parseEthAmount, parseReward } from './parseMarketOptions.js';
import { chainNow } from './postTask.js';

/** A target as written on the command line: `loss<=0.12` or `accuracy>=0.9`. */
export function parseTarget(text: string): { metric: 'loss' | 'accuracy'; value: number } {
  const m = /^\s*(loss\s*<=|accuracy\s*>=)\s*(-?\d+(\.\d+)?)\s*$/.exec(text);
  if (!m)
    throw new PocomputeError(
      'OPTION_INVALID',
      `--target must be "loss<=X" or "accuracy>=X", got "${text}"`,
    );
  const metric = m[1].startsWith('loss') ? 'loss' : 'accuracy';
  const value = Number(m[2]);
  if (metric === 'accuracy' && !(value >= 0 && value <= 1))
    throw new PocomputeError(
      'OPTION_INVALID',
      `an accuracy target is between 0 and 1, got ${value}`,
    );
  return { metric, value };
}

/**
 * The target as the contract compares it, at the evaluation circuit's metric scale, rounded against
 * the worker so a proved metric that meets it meets the stated one: a loss bound rounded down; an
 * accuracy becomes the count of rows that must be right, ceil(x · rows) (the circuit's accuracy is
 * that count, exact in fixed point).
 */
export function targetAtScale(
  target: { metric: 'loss' | 'accuracy'; value: number },
  scale: number,
  rows: number,
): bigint {
  if (target.metric === 'loss') return BigInt(Math.floor(target.value * 2 ** scale));
  // 0.7 · 10 is 7.000000000000001 in floating point: that is 7 rows, not 8.
  return BigInt(Math.ceil(target.value * rows - 1e-9)) * 2n ** BigInt(scale);
}

/** The largest integer a float carries exactly: revealed values are fed to EZKL as floats. */
const MAX_EXACT = 2n ** 53n - 1n;

export interface BountyTimes {
  /** Seconds from now a worker has to commit its run. */
  commitSeconds: number;
  revealSeconds: number;
  proveSeconds: number;
  challengeSeconds: number;
  responseSeconds: number;
}

export interface PostBountyParams extends BountyTimes {
  chain: ChainContext;
  market: Contract;
  bounties: Contract;
  base: string;
  data: string;
  /** The evaluation set (kept secret until a worker commits): its commitment is posted. */
  eval: string;
  target: string;
  recipe: Omit<BountyRecipe, 'metric' | 'evalRows'>;
  rewardEth: string;
  workerBondEth: string;
  challengerBondEth: string;
  srs?: string;
  /** Where to write the secret (salt and evaluation set; default: in the pocompute home). */
  secretOut?: string;
  reporter?: Reporter;
}

export interface PostedBounty {
  bountyId: string;
  txHash: string;
  gasUsed: string;
  stepModelId: string;
  evalModelId: string;
  baseModelSha256: string;
  dataCommitment: string;
  evalCommit: string;
  target: string;
  metricScale: number;
  secret: string;
  registerGas: string;
}

/** Where a bounty's two circuits are built (content-addressed by base, data and recipe). */
export function bountyCircuitDir(baseSha: string, dataSha: string, recipe: BountyRecipe) {
  const key = sha256Hex(`${baseSha}/${dataSha}/${JSON.stringify(recipe)}`).slice(0, 24);
  return join(pocomputeHome(), 'bounties', 'circuits', key);
}

/**
 * Posts a training bounty: builds and compiles the step and evaluation circuits, registers both on
 * the market (verifiers attested as any model's), computes the public commitments (base weights,
 * data, the scheduled batches' root) and the evaluation set's commitment with a fresh salt, escrows
 * the reward, and keeps the secret for `bounty reveal`.
 */
export async function postBounty(params: PostBountyParams): Promise<PostedBounty> {
  const { chain, market, bounties, reporter } = params;
  const target = parseTarget(params.target);
  const reward = parseReward(params.rewardEth);
  const workerBond = parseEthAmount(params.workerBondEth, '--worker-bond');
  const challengerBond = parseEthAmount(params.challengerBondEth, '--challenger-bond');
  // The contract's bounds, said before anything is compiled (BadTerms after minutes of work is no hint).
  for (const [option, seconds, min] of [
    ['--deadline', params.commitSeconds, 60],
    ['--reveal-time', params.revealSeconds, 60],
    ['--prove-time', params.proveSeconds, 1800],
    ['--challenge-window', params.challengeSeconds, 60],
    ['--response-time', params.responseSeconds, 600],
  ] as const)
    if (!Number.isInteger(seconds) || seconds < min || seconds > 30 * 86_400)
      throw new PocomputeError(
        'OPTION_INVALID',
        `${option} must be between ${min} s and 30 days (got ${seconds} s)`,
        {
          hint: 'A worker needs time to prove the metric (≥ 30 min) and to answer a challenge with a step proof (≥ 10 min).',
        },
      );
  const baseBytes = new Uint8Array(await readFileCapped(params.base, 'base model', 'ONNX_INVALID'));
  const rawData = await readJsonFile(params.data, 'training data');
  const rawEval = (await readJsonFile(params.eval, 'evaluation set')) as { features?: unknown[] };
  const recipe: BountyRecipe = {
    ...params.recipe,
    metric: target.metric,
    evalRows: Array.isArray(rawEval?.features) ? rawEval.features.length : 0,
  };
  if (recipe.evalRows < 1 || recipe.evalRows > 64)
    throw new PocomputeError(
      'INPUT_INVALID',
      `the evaluation set must have 1 to 64 rows, got ${recipe.evalRows}`,
    );
  if (!Number.isInteger(recipe.maxSteps) || recipe.maxSteps < 1 || recipe.maxSteps > 256)
    throw new PocomputeError(
      'OPTION_INVALID',
      `--max-steps must be 1 to 256, got ${recipe.maxSteps}`,
    );
  const model = bountyModel(baseBytes, rawData, recipe);
  const evalRows = evaluationRows(model, rawEval);
  const dataSha = sha256Hex(new Uint8Array(await readFile(params.data)));
  const circuits = await compileBountyCircuits({
    model,
    recipe,
    dir: bountyCircuitDir(model.baseSha256, dataSha, recipe),
    srs: params.srs,
    reporter,
  });
  // Both circuits take hashed inputs, as a pipeline stage past the first does (`stage`): the
  // market's input-commitment rule is for tasks, which a bounty's circuits never serve.
  const step = await registerModel({
    chain,
    market,
    stage: true,
    artifacts: circuits.step.artifacts,
    metadataURI: recipeURI('step', recipe, model.baseSha256),
    reporter,
  });
  const evaluation = await registerModel({
    chain,
    market,
    stage: true,
    artifacts: circuits.evaluation.artifacts,
    metadataURI: recipeURI('eval', recipe, model.baseSha256, circuits.evaluation.metricScale),
    reporter,
  });
  const commitments = bountyCommitments(model, circuits, recipe);
  const e = circuits.evaluation;
  const evalFelts = evalSetFelts(evalRows.features, evalRows.targets, [
    e.featureScale,
    e.labelScale,
  ]);
  // The contract refuses a revealed value beyond evalBound, and a worker refuses a bound beyond
  // its evaluation circuit's range: the set must fit, said now rather than at the reveal.
  const range = circuitInputBounds(
    JSON.parse(await readFile(e.artifacts.path('settings.json'), 'utf8')),
  ).range;
  const evalBound = range && range.max < MAX_EXACT ? range.max : MAX_EXACT;
  const beyond = evalFelts.findIndex((f) => {
    const v = feltToSigned(BigInt(f));
    return (v < 0n ? -v : v) > evalBound;
  });
  if (beyond >= 0)
    throw new PocomputeError(
      'INPUT_INVALID',
      `evaluation value ${beyond} does not fit the evaluation circuit's range (±${evalBound} at scale 2^${e.featureScale})`,
    );
  const salt = newSalt();
  const evalCommit = evalCommitment(evalFelts, salt);
  const weightFelts = model.head.layers.reduce((n, l) => n + l.weights.length + l.bias.length, 0);
  const now = await chainNow(chain.provider);
  const terms = {
    stepModelId: BigInt(step.modelId),
    evalModelId: BigInt(evaluation.modelId),
    baseModelSha256: `0x${model.baseSha256}`,
    dataCommitment: `0x${commitments.dataCommitment}`,
    batchRoot: batchRoot(commitments.leaves),
    evalCommit,
    metric: target.metric === 'loss' ? 0 : 1,
    target: targetAtScale(target, e.metricScale, recipe.evalRows),
    maxSteps: recipe.maxSteps,
    evalFelts: evalFelts.length,
    weightFelts,
    commitDeadline: now + params.commitSeconds,
    revealTime: params.revealSeconds,
    proveTime: params.proveSeconds,
    challengeWindow: params.challengeSeconds,
    responseTime: params.responseSeconds,
    workerBond,
    challengerBond,
    evalBound,
  };
  // The secret is written before the transaction (readable by its owner only): a crash after the
  // post must not lose the salt, without which the set cannot be revealed and the reward is lost.
  const chainId = chain.chainId.toString();
  const contract = String(bounties.target);
  const pending = await writeSecret(
    {
      format: 'pocompute-bounty-secret@1',
      chainId,
      contract,
      bountyId: 'pending',
      salt,
      evalFelts,
    },
    `${params.secretOut ?? secretPath(chainId, contract, `pending-${evalCommit.slice(2, 18)}`)}`,
  );
  const post = () =>
    sendBountyTx(bounties, 'postBounty', [terms, commitments.baseWeightsHash], { value: reward });
  const receipt = reporter
    ? await reporter.step('Posting the bounty (reward escrowed)', post, 'postBounty')
    : await post();
  const event = receipt.logs
    .map((l) => bounties.interface.parseLog(l))
    .find((ev) => ev?.name === 'BountyPosted');
  const bountyId = String(event!.args.bountyId);
  const secret = await writeSecret(
    { format: 'pocompute-bounty-secret@1', chainId, contract, bountyId, salt, evalFelts },
    params.secretOut ?? secretPath(chainId, contract, bountyId),
  );
  if (secret !== pending) await rm(pending, { force: true });
  return {
    bountyId,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
    stepModelId: step.modelId,
    evalModelId: evaluation.modelId,
    baseModelSha256: model.baseSha256,
    dataCommitment: commitments.dataCommitment,
    evalCommit,
    target: terms.target.toString(),
    metricScale: e.metricScale,
    secret,
    registerGas: (BigInt(step.gasUsed) + BigInt(evaluation.gasUsed)).toString(),
  };
}
