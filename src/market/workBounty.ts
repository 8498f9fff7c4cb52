import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AbiCoder, formatEther, keccak256, type Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import {
  readFileCapped,
  readJsonFile,
  sha256Hex,
  writeFileAtomic,
  writeJsonAtomic,
} from '../core/files.js';
import { findArtifactsByVk } from '../proof/artifactsIndex.js';
import { poseidonOfFelts } from '../prover/poseidon.js';
import { withUpdatedWeights } from '../prover/training/applyWeights.js';
import { splitHead } from '../prover/training/headSplit.js';
import { readMlp } from '../prover/training/mlpSpec.js';
import type { Reporter } from '../core/output.js';
import { openArtifacts } from '../proof/artifacts.js';
import { readBundle } from '../proof/bundle.js';
import { feltFromHexLE, feltToSigned } from '../proof/felts.js';
import { proveInference } from '../prover/proveInference.js';
import { scheduledBatchHashes, batchLeaf } from '../prover/training/evalSet.js';
import { readRunJson, readRunManifest, runFile } from '../prover/training/runManifest.js';
import { trainRun } from '../prover/training/trainRun.js';
import { instancesAsUint256, proofBytes } from '../verifier/calldata.js';
import { attestModel, readModel } from './attestModel.js';
import { circuitInputBounds } from '../prover/inputRange.js';
import { BOUNTY_PHASE, newSalt, sendBountyTx } from './bounty.js';
import { chainNow } from './postTask.js';
import {
  bountyCommitments,
  bountyModel,
  compileBountyCircuits,
  headWeights,
  type BountyCircuits,
  type BountyModel,
} from './bountySpec.js';
import { parseRecipeURI, type BountyRecipe } from './bountyRecipe.js';
import { batchPath, batchRoot } from './batchTree.js';
import { bountyCircuitDir } from './postBounty.js';
import { GAS_PRICE_CEILING_WEI } from './market.js';
import { stagedOf } from './witnessPipeline.js';
import { witnessStages } from '../prover/stages/witnessStages.js';
import { batchSchedule } from '../prover/training/batchSchedule.js';

/** The gas a bounty's `respond` is priced at by default (a step proof's verification and the run). */
export const BOUNTY_RESPOND_GAS_CEILING = 2_000_000n;

/** What a worker checked before it locks a bond: the bounty's files and circuits are what it committed to. */
export interface BountyWork {
  bountyId: string;
  recipe: BountyRecipe;
  model: BountyModel;
  circuits: BountyCircuits;
  terms: Awaited<ReturnType<Contract['getTerms']>>;
}

/**
 * Checks a bounty against the files a worker was given, before any bond: the base model's sha256
 * and the data's commitment are the terms', both registered circuits are exactly the compilations
 * of the step and evaluation graphs rebuilt here from the base model and the recipe (attested, as
 * any market model), step 0's weights are the base model's, and the scheduled batches' root is the
 * one the chain will check each challenged step against (else an honest step would lose).
 */
export async function prepareBountyWork(
  params: BountyFilesParams & {
    /**
     * The least challenger bond the worker accepts (wei): a false challenge must pay for the
     * answer it forces — a step proof's `respond` (1,435,133 gas for the digits MLP's head) — at
     * the gas prices the worker expects. Default: 2,000,000 gas at 50 gwei (0.1 ETH).
     */
    minChallengerBondWei?: bigint;
  },
): Promise<BountyWork> {
  const { bounties, bountyId } = params;
  const terms = await bounties.getTerms(bountyId);
  const floor = params.minChallengerBondWei ?? BOUNTY_RESPOND_GAS_CEILING * GAS_PRICE_CEILING_WEI;
  if (BigInt(terms.challengerBond) < floor)
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${bountyId}'s challenger bond (${formatEther(terms.challengerBond)} ETH) is below ${formatEther(floor)} ETH: a false challenge would cost more to answer than it pays`,
      {
        hint: 'Answering a challenge is a step proof on chain (about 1.5M gas). Work on it anyway with --min-challenger-bond <eth>.',
      },
    );
  // Only an open bounty takes a run: a worker trains only if nobody has committed yet.
  const phase = BOUNTY_PHASE[Number((await bounties.getBounty(bountyId)).phase)];
  if (
    phase !== 'open' ||
    (await chainNow(bounties.runner!.provider!)) > Number(terms.commitDeadline)
  )
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${bountyId} takes no run: it is ${phase}${phase === 'open' ? ' but its commit deadline passed' : ''}`,
    );
  return checkBountyFiles(params, terms);
}

interface BountyFilesParams {
  bounties: Contract;
  market: Contract;
  bountyId: string;
  base: string;
  data: string;
  srs?: string;
  reporter?: Reporter;
}

/**
 * The checks of prepareBountyWork, in any phase (an auditor runs them too); `known` is the
 * bounty's terms when the caller has read them already.
 */
export async function checkBountyFiles(
  params: BountyFilesParams,
  known?: BountyWork['terms'],
): Promise<BountyWork> {
  const { bounties, market, bountyId, reporter } = params;
  const terms = known ?? (await bounties.getTerms(bountyId));
  const stepModel = await readModel(market, terms.stepModelId);
  const { recipe, base: recipeBase } = parseRecipeURI(stepModel.metadataURI);
  const baseBytes = new Uint8Array(await readFileCapped(params.base, 'base model', 'ONNX_INVALID'));
  const mismatch = (what: string) =>
    new PocomputeError('BOUNTY_MISMATCH', `bounty ${bountyId}: ${what}`);
  const baseSha = sha256Hex(baseBytes);
  if (baseSha !== String(terms.baseModelSha256).slice(2) || recipeBase !== baseSha)
    throw mismatch(
      `${params.base} (sha256 ${baseSha.slice(0, 16)}…) is not its base model (${String(terms.baseModelSha256).slice(2, 18)}…)`,
    );
  const model = bountyModel(baseBytes, await readJsonFile(params.data, 'training data'), recipe);
  const dataSha = sha256Hex(new Uint8Array(await readFile(params.data)));
  const circuits = await compileBountyCircuits({
    model,
    recipe,
    dir: bountyCircuitDir(baseSha, dataSha, recipe),
    srs: params.srs,
    reporter,
  });
  for (const [id, local] of [
    [terms.stepModelId, circuits.step.artifacts],
    [terms.evalModelId, circuits.evaluation.artifacts],
  ] as const) {
    const { artifacts } = await attestModel({ market, modelId: id, stage: true, reporter });
    if (artifacts.manifest.files['vk.key'] !== local.manifest.files['vk.key'])
      throw mismatch(
        `its model ${id} is not the circuit rebuilt here from the base model and its recipe`,
      );
  }
  const c = bountyCommitments(model, circuits, recipe);
  const chainBase = ((await bounties.getBaseWeightsHash(bountyId)) as bigint[]).map(String);
  if (chainBase.join() !== c.baseWeightsHash.map(String).join())
    throw mismatch("its base weights hash is not the base model's trainable weights");
  if (String(terms.dataCommitment).slice(2) !== c.dataCommitment)
    throw mismatch(
      `${params.data} is not its training data (commitment ${c.dataCommitment.slice(0, 16)}…)`,
    );
  // Every term the chain will hold an honest run to is checked against what the circuits say
  // before any bond: a term that does not fit would make an honest step or metric unprovable.
  const maxSteps = Number(terms.maxSteps);
  if (maxSteps !== recipe.maxSteps || String(terms.batchRoot) !== batchRoot(c.leaves))
    throw mismatch(
      'its batch root is not the schedule of its training data over its maxSteps: an honest step could not answer a challenge',
    );
  const e = circuits.evaluation;
  const classes = model.head.layers[model.head.layers.length - 1].outFeatures;
  const weightFelts = headWeights(model.head).reduce((n, t) => n + t.length, 0);
  const evalFelts = recipe.evalRows * (model.head.inFeatures + classes);
  if (Number(terms.weightFelts) !== weightFelts || Number(terms.evalFelts) !== evalFelts)
    throw mismatch(
      `it expects ${terms.weightFelts} weight and ${terms.evalFelts} evaluation field elements; its evaluation circuit has ${weightFelts} and ${evalFelts}`,
    );
  const accuracy = Number(terms.metric) === 1;
  if (accuracy !== (recipe.metric === 'accuracy'))
    throw mismatch(`its metric is not its evaluation circuit's (${recipe.metric})`);
  const target = BigInt(terms.target);
  const perfect = BigInt(recipe.evalRows) * 2n ** BigInt(e.metricScale);
  if (accuracy && (target < 0n || target > perfect))
    throw mismatch(`its target is no number of rows of ${recipe.evalRows}`);
  const range = circuitInputBounds(
    JSON.parse(await readFile(e.artifacts.path('settings.json'), 'utf8')),
  ).range;
  if (range && BigInt(terms.evalBound) > range.max)
    throw mismatch(
      `it lets the evaluation set hold values up to ${terms.evalBound}, beyond its circuit's range (${range.max}): a revealed set could be unprovable`,
    );
  if (Number(terms.proveTime) < MIN_PROVE_SECONDS || Number(terms.responseTime) < 600)
    throw mismatch(
      `it leaves ${terms.proveTime} s to prove the metric and ${terms.responseTime} s to answer a challenge: too little for the proofs (at least ${MIN_PROVE_SECONDS} s and 600 s)`,
    );
  return { bountyId, recipe, model, circuits, terms };
}

/** The least time a worker accepts to prove the metric after the reveal (the contract's floor). */
const MIN_PROVE_SECONDS = 1800;

/** The run directory's link to its bounty (written by `commitBountyRun`). */
interface BountyRunLink {
  format: 'pocompute-bounty-run@1';
  bountyId: string;
  contract: string;
  evalArtifacts: string;
  maxSteps: number;
  /** The committed hashes, as sent (a challenge's answer must repeat them). */
  trajectory: string[];
  /** The seal's salt: with the trajectory, what opens the seal. */
  salt: string;
}

/**
 * The worker's run, committed first and proved after: the honest run's per-step weight hashes come
 * from EZKL's witnesses (seconds a step), are sealed with the worker bond — keccak(id, worker,
 * keccak(trajectory), salt), so a copy of the pending transaction is worth nothing to a copier —
 * and opened in a later block; then every step is proved (as `train`) for the challenges to come,
 * and the proved run must be the committed one. `run` commits a run already made instead (any
 * bounty with the same base model, data and recipe takes it). The run directory keeps what the
 * later phases need (`bounty/<id>.json`, written before the seal).
 */
export async function commitBountyRun(params: {
  bounties: Contract;
  work: BountyWork;
  /** Train this many steps into `out`... */
  steps?: number;
  out?: string;
  /** ...or commit this run directory (made by an earlier `bounty work`). */
  run?: string;
  srs?: string;
  reporter?: Reporter;
  /** Tests only: replace a step's committed hashes (a forged run). */
  tamperTrajectory?: (trajectory: bigint[]) => bigint[];
}) {
  const { bounties, work, reporter } = params;
  const { recipe, model, terms } = work;
  const maxSteps = Number(terms.maxSteps);
  const k = work.circuits.step.scales.length;
  const dir = resolve(params.run ?? params.out ?? '');
  const mismatch = (what: string) =>
    new PocomputeError('BOUNTY_MISMATCH', `bounty ${work.bountyId}: the run ${what}`);
  let trajectory: bigint[];
  if (params.run) {
    const run = await readRunManifest(dir);
    const chainBase = ((await bounties.getBaseWeightsHash(work.bountyId)) as bigint[]).map(String);
    if (run.base.weightsHash.map((h) => feltFromHexLE(h).toString()).join() !== chainBase.join())
      throw mismatch("does not start from the bounty's base weights");
    if (run.stepModel.vkSha256 !== work.circuits.step.artifacts.manifest.files['vk.key'])
      throw mismatch("was not proved with the bounty's step circuit");
    if (
      `0x${run.data.commitment}` !== String(terms.dataCommitment) ||
      run.data.seedSource !== 'derived'
    )
      throw mismatch("is not on the bounty's training data and its derived schedule");
    if (run.steps.length < 1 || run.steps.length > maxSteps)
      throw mismatch(`has ${run.steps.length} steps; the bounty takes 1 to ${maxSteps}`);
    trajectory = run.steps.flatMap((s) => s.outputWeightsHash.map(feltFromHexLE));
  } else {
    if (!params.out)
      throw new PocomputeError('OPTION_INVALID', 'a bounty run needs --out <dir> (or --run <dir>)');
    if (!Number.isInteger(params.steps) || params.steps! < 1 || params.steps! > maxSteps)
      throw new PocomputeError(
        'OPTION_INVALID',
        `--steps must be 1 to ${maxSteps} (the bounty's maximum), got ${params.steps}`,
      );
    const witnessed = () => witnessTrajectory(work, params.steps!);
    trajectory = (
      reporter
        ? await reporter.step(`Running ${params.steps} SGD steps (witnesses)`, witnessed, 'witness')
        : await witnessed()
    ).trajectory;
  }
  if (params.tamperTrajectory) trajectory = params.tamperTrajectory(trajectory);
  const signer = bounties.runner as unknown as { getAddress(): Promise<string> };
  const worker = await signer.getAddress();
  const salt = newSalt();
  const link: BountyRunLink = {
    format: 'pocompute-bounty-run@1',
    bountyId: work.bountyId,
    contract: String(bounties.target),
    evalArtifacts: work.circuits.evaluation.artifacts.dir,
    maxSteps,
    trajectory: trajectory.map(String),
    salt,
  };
  await mkdir(join(dir, 'bounty'), { recursive: true });
  await writeJsonAtomic(linkPath(dir, work.bountyId), link);
  const seal = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['uint256', 'address', 'bytes32', 'bytes32'],
      [
        BigInt(work.bountyId),
        worker,
        keccak256(AbiCoder.defaultAbiCoder().encode(['uint256[]'], [trajectory])),
        salt,
      ],
    ),
  );
  const sealTx = () =>
    sendBountyTx(bounties, 'seal', [BigInt(work.bountyId), seal], { value: terms.workerBond });
  const sealed = reporter
    ? await reporter.step('Sealing the run (worker bond locked)', sealTx, 'sealRun')
    : await sealTx();
  // The seal is mined: the opening goes in a later block, as the contract requires.
  const open = () => sendBountyTx(bounties, 'commit', [BigInt(work.bountyId), trajectory, salt]);
  const receipt = reporter
    ? await reporter.step('Opening the sealed run', open, 'commitRun')
    : await open();
  let proveMs = 0;
  if (!params.run) {
    await writeFile(join(dir, 'head.onnx'), model.headBytes);
    await writeJsonAtomic(join(dir, 'features.json'), {
      features: model.data.features,
      labels: model.data.targets,
    });
    const run = await trainRun({
      model: join(dir, 'head.onnx'),
      data: join(dir, 'features.json'),
      trainable: 'all',
      loss: recipe.loss,
      lr: recipe.lr,
      batch: recipe.batch,
      steps: params.steps!,
      out: dir,
      srs: params.srs,
      reporter,
    });
    const proved = run.steps.flatMap((s) => s.outputWeightsHash.map(feltFromHexLE));
    if (!params.tamperTrajectory && proved.join() !== trajectory.join())
      throw new PocomputeError(
        'ENGINE_FAILED',
        `bounty ${work.bountyId}: the proved run's weights differ from the witnessed run's that were committed`,
      );
    proveMs = run.steps.reduce((t, s) => t + s.proveMs, 0);
  }
  const manifest = await readRunManifest(dir);
  return {
    bountyId: work.bountyId,
    run: dir,
    steps: trajectory.length / k,
    losses: manifest.steps.map((s) => s.loss),
    finalWeightsHash: trajectory.slice(-k).map(String),
    txHash: receipt.hash,
    sealTxHash: sealed.hash,
    gasUsed: (sealed.gasUsed + receipt.gasUsed).toString(),
    proveMs,
  };
}

const linkPath = (run: string, bountyId: string) => join(run, 'bounty', `${bountyId}.json`);

async function readLink(run: string, bountyId: string, bounties: Contract) {
  const raw = (await readJsonFile(
    linkPath(run, bountyId),
    'bounty run link',
    'RUN_INVALID',
  )) as BountyRunLink;
  if (
    raw?.format !== 'pocompute-bounty-run@1' ||
    raw.bountyId !== bountyId ||
    raw.contract.toLowerCase() !== String(bounties.target).toLowerCase() ||
    !Array.isArray(raw.trajectory)
  )
    throw new PocomputeError(
      'RUN_INVALID',
      `${run} holds no run committed to bounty ${bountyId} on ${bounties.target} (\`pocompute bounty work\` writes it)`,
    );
  return raw;
}

/** The evaluation set the requester revealed, from its EvalRevealed event. */
async function revealedSet(bounties: Contract, bountyId: string): Promise<bigint[]> {
  const logs = await bounties.queryFilter(bounties.filters.EvalRevealed(BigInt(bountyId)));
  const last = logs.at(-1) as { args?: { evalFelts: bigint[] } } | undefined;
  if (!last?.args)
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${bountyId}: the evaluation set is not revealed yet`,
      {
        hint: 'The requester reveals it after your commit (`pocompute bounty reveal`); prove after that.',
      },
    );
  return [...last.args.evalFelts];
}

/**
 * Proves the metric of the committed final weights on the revealed evaluation set and sends it: the
 * proof's public outputs carry the final weights (the delivery), the set (compared by the chain) and
 * the metric. Checks locally first that the proof's copies are the revealed set, exactly.
 */
export async function proveBountyMetric(params: {
  bounties: Contract;
  bountyId: string;
  run: string;
  reporter?: Reporter;
}) {
  const { bounties, reporter } = params;
  const link = await readLink(params.run, params.bountyId, bounties);
  const felts = await revealedSet(bounties, link.bountyId);
  const artifacts = await openArtifacts(link.evalArtifacts);
  const manifest = await readRunManifest(params.run);
  const k = manifest.tensors.length;
  const scales = artifacts.manifest.circuit.inputScales;
  const head = manifest.tensors;
  const weights = (await readRunJson(
    params.run,
    manifest.final.weights,
    'final weights',
  )) as number[][];
  // The set is rows × (features, then labels): the head's bias is as wide as a label row.
  const classes = head.at(-1)?.dims[0] ?? 1;
  const inFeatures = (head.at(-2)?.dims ?? [0]).reduce((a, b) => a * b, 1) / classes;
  const rows = felts.length / (inFeatures + classes);
  if (!Number.isInteger(rows))
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${link.bountyId}: the revealed set does not have whole rows`,
    );
  const nFeatures = rows * inFeatures;
  // Fed to EZKL as floats k / 2^scale, exact while |k| < 2^53 (the contract's evalBound, which the
  // worker checked against its circuit's range before its bond, keeps them far below).
  if (
    felts.some((f) => {
      const v = feltToSigned(f);
      return (v < 0n ? -v : v) >= 2n ** 53n;
    })
  )
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${link.bountyId}: the revealed set holds values no float carries exactly`,
    );
  const toFloat = (f: bigint, scale: number) => Number(feltToSigned(f)) / 2 ** scale;
  const features = felts.slice(0, nFeatures).map((f) => toFloat(f, scales[k]));
  const labels = felts.slice(nFeatures).map((f) => toFloat(f, scales[k + 1]));
  const input = join(params.run, 'bounty', `${link.bountyId}-eval-input.json`);
  await writeJsonAtomic(input, { input_data: [...weights, features, labels] });
  const proved = await proveInference({
    target: artifacts.dir,
    input,
    out: join(params.run, 'bounty', `${link.bountyId}-eval-proof.json`),
    reporter,
  });
  const instances = instancesAsUint256(proved.bundle);
  const weightFelts = weights.reduce((n, t) => n + t.length, 0);
  const copies = instances.slice(k + 2 + weightFelts, k + 2 + weightFelts + felts.length);
  if (copies.map(String).join() !== felts.map(String).join())
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${link.bountyId}: the evaluation proof does not carry the revealed set exactly (quantisation)`,
    );
  const metricScale = artifacts.manifest.circuit.outputScales.at(-1) ?? 0;
  const value = Number(feltToSigned(instances.at(-1)!)) / 2 ** metricScale;
  // The accuracy circuit counts the rows right; the loss is the batch mean.
  const accuracy = (await bounties.getTerms(link.bountyId)).metric === 1n;
  const metric = accuracy ? value / rows : value;
  const send = () =>
    sendBountyTx(bounties, 'proveMetric', [
      BigInt(link.bountyId),
      proofBytes(proved.bundle),
      instances,
    ]);
  const receipt = reporter
    ? await reporter.step('Sending the evaluation proof', send, 'proveMetric')
    : await send();
  const event = receipt.logs
    .map((l) => bounties.interface.parseLog(l))
    .find((e) => e?.name === 'MetricProved');
  return {
    bountyId: link.bountyId,
    metric,
    met: Boolean(event?.args.met),
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/**
 * Answers every open challenge on the run's steps with the step's proof, the committed trajectory
 * and the batch's inclusion path (recomputed from the run's data and schedule). A path needs every
 * scheduled batch's leaf (its siblings are subtrees of them), so the leaves are hashed once, and
 * only when some challenge is open.
 */
export async function respondBountyChallenges(params: {
  bounties: Contract;
  bountyId: string;
  run: string;
}) {
  const { bounties } = params;
  const link = await readLink(params.run, params.bountyId, bounties);
  const manifest = await readRunManifest(params.run);
  const scheduledLeaves = async () => {
    const features = (await readRunJson(params.run, 'features.json', 'features')) as {
      features: number[][];
      labels: number[][];
    };
    const hashes = scheduledBatchHashes(
      { features: features.features, targets: features.labels },
      manifest.batchScales,
      manifest.data.seed,
      manifest.options.batch,
      link.maxSteps,
    );
    return hashes.map(([f, l], i) => batchLeaf(i, f, l));
  };
  let leaves: string[] | undefined;
  const answered = [];
  for (let step = 0; step < manifest.steps.length; step++) {
    const c = await bounties.getChallenge(BigInt(link.bountyId), step);
    if (c.challenger === '0x0000000000000000000000000000000000000000') continue;
    leaves ??= await scheduledLeaves();
    const bundle = await readBundle(
      await runFile(params.run, manifest.steps[step].proof, `step ${step} proof`),
    );
    const args = [
      BigInt(link.bountyId),
      step,
      proofBytes(bundle),
      instancesAsUint256(bundle),
      link.trajectory.map(BigInt),
      batchPath(leaves, step),
    ];
    const estimate = await bounties.getFunction('respond').estimateGas(...args);
    const receipt = await sendBountyTx(bounties, 'respond', args, {
      gasLimit: (estimate * 5n) / 4n,
    });
    answered.push({ step, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() });
  }
  return { bountyId: link.bountyId, answered };
}

/**
 * Audits a committed run without its weights: SGD with a fixed schedule is deterministic, so the
 * honest run is recomputed from the base model and the data with EZKL's witness of the step circuit
 * (no proving), step by step, and compared with the committed hashes. The first step whose hashes
 * differ is the one to challenge: its proof cannot exist (undefined: the run is the honest one).
 */
export async function auditBountyRun(params: BountyFilesParams): Promise<{
  bountyId: string;
  steps: number;
  firstWrongStep: number | undefined;
}> {
  const { bounties, bountyId } = params;
  const work = await checkBountyFiles(params);
  const logs = await bounties.queryFilter(bounties.filters.RunCommitted(BigInt(bountyId)));
  const committed = (logs.at(-1) as { args?: { trajectory: bigint[] } } | undefined)?.args;
  if (!committed)
    throw new PocomputeError('BOUNTY_INVALID', `bounty ${bountyId} has no committed run to audit`);
  const trajectory = [...committed.trajectory];
  const k = work.circuits.step.scales.length;
  const steps = trajectory.length / k;
  const { firstDifference } = await witnessTrajectory(work, steps, trajectory);
  return { bountyId, steps, firstWrongStep: firstDifference };
}

/**
 * The honest run's per-step weight hashes, from EZKL's witnesses of the step circuit (no proving):
 * SGD on the schedule is deterministic, so this is what every step's proof will publish. With
 * `compare`, it stops at the first step whose hashes differ from it.
 */
export async function witnessTrajectory(
  work: BountyWork,
  steps: number,
  compare?: readonly bigint[],
): Promise<{ trajectory: bigint[]; firstDifference: number | undefined }> {
  const { artifacts, scales } = work.circuits.step;
  const k = scales.length;
  const c = bountyCommitments(work.model, work.circuits, work.recipe);
  const schedule = batchSchedule(c.seed, work.model.data.features.length, work.recipe.batch);
  let weights = headWeights(work.model.head);
  const trajectory: bigint[] = [];
  for (let i = 0; i < steps; i++) {
    const rows = schedule(i);
    const witness = await witnessStages(stagedOf([artifacts]), {
      input_data: [
        ...weights,
        rows.flatMap((r) => work.model.data.features[r]),
        rows.flatMap((r) => work.model.data.targets[r]),
      ],
    });
    // The hashes of the new weights, as the step's proof will publish them (its hashed outputs).
    const made = JSON.parse(new TextDecoder().decode(witness.witnesses[0])) as {
      processed_outputs?: { poseidon_hash?: string[] } | null;
    };
    const out = (made.processed_outputs?.poseidon_hash ?? []).slice(0, k).map(feltFromHexLE);
    if (compare && out.join() !== compare.slice(i * k, (i + 1) * k).join())
      return { trajectory, firstDifference: i };
    trajectory.push(...out);
    weights = witness.outputs.slice(0, k);
  }
  return { trajectory, firstDifference: undefined };
}

/**
 * The fine-tuned model a paid (or proved) bounty delivered: the final weights the evaluation proof
 * published (its public copy, bound in the circuit to the committed final weights' Poseidon
 * hashes), checked here against the committed hashes, written into the base model. Only the
 * requester's base model file (its sha256 the terms') is written into.
 */
export async function exportBountyModel(params: {
  bounties: Contract;
  market: Contract;
  bountyId: string;
  base: string;
  out: string;
}): Promise<{ bountyId: string; out: string; tensors: string[]; finalWeightsHash: string[] }> {
  const { bounties, market, bountyId } = params;
  const terms = await bounties.getTerms(bountyId);
  const baseBytes = new Uint8Array(await readFileCapped(params.base, 'base model', 'ONNX_INVALID'));
  if (sha256Hex(baseBytes) !== String(terms.baseModelSha256).slice(2))
    throw new PocomputeError(
      'BOUNTY_MISMATCH',
      `bounty ${bountyId}: ${params.base} is not its base model`,
    );
  const proved = (await bounties.queryFilter(bounties.filters.MetricProved(BigInt(bountyId)))).at(
    -1,
  ) as { args?: { finalWeights: bigint[] } } | undefined;
  const committed = (
    await bounties.queryFilter(bounties.filters.RunCommitted(BigInt(bountyId)))
  ).at(-1) as { args?: { trajectory: bigint[] } } | undefined;
  if (!proved?.args || !committed?.args)
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `bounty ${bountyId} has no proved metric yet: nothing was delivered`,
    );
  const evalModel = await readModel(market, terms.evalModelId);
  const { recipe } = parseRecipeURI(evalModel.metadataURI);
  const artifacts = await findArtifactsByVk(evalModel.vkHash.slice(2));
  if (!artifacts)
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `bounty ${bountyId}: its evaluation circuit is not compiled here, so its weights' scales are unknown`,
      { hint: 'The requester compiled it with `bounty post`; a worker with `bounty work`.' },
    );
  const { head } = splitHead(readMlp(baseBytes), recipe.layers);
  const tensors = head.layers.flatMap((l) => [
    { name: l.weightName, size: l.weights.length },
    { name: l.biasName, size: l.bias.length },
  ]);
  const k = tensors.length;
  const scales = artifacts.manifest.circuit.inputScales.slice(0, k);
  const felts = [...proved.args.finalWeights];
  const finalHash = [...committed.args.trajectory].slice(-k);
  const updates: Record<string, number[]> = {};
  let at = 0;
  for (const [i, t] of tensors.entries()) {
    const slice = felts.slice(at, at + t.size);
    at += t.size;
    // The delivered weights must be the committed ones: their Poseidon hash, as the step proofs'.
    if (feltFromHexLE(poseidonOfFelts(slice.map(feltHexLE))) !== finalHash[i])
      throw new PocomputeError(
        'BOUNTY_MISMATCH',
        `bounty ${bountyId}: the delivered ${t.name} does not hash to the committed final weights`,
      );
    updates[t.name] = slice.map((f) => Number(feltToSigned(f)) / 2 ** scales[i]);
  }
  await writeFileAtomic(params.out, withUpdatedWeights(baseBytes, updates));
  return {
    bountyId,
    out: params.out,
    tensors: tensors.map((t) => t.name),
    finalWeightsHash: finalHash.map(String),
  };
}

/** A felt as EZKL writes it: 32 bytes little-endian hex. */
const feltHexLE = (f: bigint) => f.toString(16).padStart(64, '0').match(/../g)!.reverse().join('');
