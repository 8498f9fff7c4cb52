import { Command } from 'commander';
import { z } from 'zod';
import type { Contract } from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import { defineOptions, flag, option, type OptionsOf } from '../core/cliOptions.js';
import { commonOptions, parseOptions, runCommand } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { PocomputeError } from '../core/errors.js';
import { table, type Reporter } from '../core/output.js';
import {
  cancelBounty,
  challengeBountyStep,
  listBounties,
  openBounties,
  readBounty,
  readSecret,
  revealBounty,
  secretPath,
  settleBounty,
  settleBountyChallenge,
  type BountyView,
} from '../market/bounty.js';
import { parseDuration, parseEthAmount } from '../market/parseMarketOptions.js';
import { marketOptions, withMarket, type MarketOptions } from './marketOptions.js';

const bountyOptions = defineOptions(marketOptions, commonOptions, {
  bounties: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .optional(),
    '<address>',
    "the market's bounty contract (default: the one recorded with the market)",
  ),
});

const postOptions = defineOptions(bountyOptions, {
  base: option(z.string(), '<model.onnx>', 'the base model (dense layers with ReLU)'),
  data: option(
    z.string(),
    '<train.json>',
    'the training data: {"features": [[...]], "labels": [...]}',
  ),
  eval: option(
    z.string(),
    '<eval.json>',
    'the evaluation set (kept secret: only its commitment is posted; revealed after a commit)',
  ),
  target: option(
    z.string(),
    '<metric>',
    'what the fine-tune must reach: "loss<=0.12" or "accuracy>=0.9"',
  ),
  reward: option(z.string(), '<eth>', 'reward in ETH, escrowed'),
  layers: option(
    z.enum(['head', 'all']).default('head'),
    '<layers>',
    'what is trained: head or all',
  ),
  loss: option(
    z.enum(['mse', 'cross-entropy']).default('cross-entropy'),
    '<loss>',
    'the training loss',
  ),
  lr: option(z.coerce.number().positive().default(0.05), '<rate>', 'SGD learning rate'),
  batch: option(z.coerce.number().int().min(1).max(256).default(8), '<rows>', 'rows per step'),
  maxSteps: option(
    z.coerce.number().int().min(1).max(256).default(16),
    '<n>',
    'the most steps a run may have',
  ),
  deadline: option(z.string().default('2d'), '<duration>', 'how long workers have to commit a run'),
  revealTime: option(
    z.string().default('1h'),
    '<duration>',
    'how long the requester has to reveal after a commit',
  ),
  proveTime: option(
    z.string().default('1h'),
    '<duration>',
    'how long the worker has to prove the metric after the reveal',
  ),
  challengeWindow: option(
    z.string().default('1h'),
    '<duration>',
    'how long after a commit any step can be challenged',
  ),
  responseTime: option(
    z.string().default('30m'),
    '<duration>',
    'how long the worker has to answer a challenge',
  ),
  workerBond: option(z.string().default('0.1'), '<eth>', 'what a worker locks with its commit'),
  challengerBond: option(
    z.string().default('0.1'),
    '<eth>',
    'what a challenge locks (workers ask it to pay for a step proof: 0.1 by default)',
  ),
  secretOut: option(
    z.string().optional(),
    '<file>',
    'where to keep the salt and evaluation set (default: the pocompute home)',
  ),
  srs: option(
    z.string().optional(),
    '<file>',
    'SRS file for the circuits (default: the cached one)',
  ),
});

const workOptions = defineOptions(bountyOptions, {
  base: option(z.string(), '<model.onnx>', "the bounty's base model"),
  data: option(z.string(), '<train.json>', "the bounty's training data"),
  steps: option(
    z.coerce.number().int().min(1).max(256).optional(),
    '<n>',
    'SGD steps to run (each proved)',
  ),
  out: option(z.string().optional(), '<dir>', 'the run directory to write'),
  run: option(
    z.string().optional(),
    '<dir>',
    'commit a run already made by `bounty work` (same base model, data and recipe) instead of training',
  ),
  srs: option(z.string().optional(), '<file>', 'SRS file (default: the cached one)'),
  minChallengerBond: option(
    z.string().optional(),
    '<eth>',
    "the least challenger bond to work for: a false challenge must pay for the step proof's answer (default 0.1: 2M gas at 50 gwei)",
  ),
});
const auditOptions = defineOptions(bountyOptions, {
  base: option(z.string(), '<model.onnx>', "the bounty's base model"),
  data: option(z.string(), '<train.json>', "the bounty's training data"),
  challenge: flag('challenge the first wrong step (challenger bond)'),
});
const exportOptions = defineOptions(bountyOptions, {
  base: option(z.string(), '<model.onnx>', "the bounty's base model"),
  out: option(z.string(), '<model.onnx>', 'where to write the fine-tuned model'),
});
const runOptions = defineOptions(bountyOptions, {
  run: option(z.string(), '<dir>', 'the run directory `bounty work` wrote'),
});
const revealOptions = defineOptions(bountyOptions, {
  secret: option(
    z.string().optional(),
    '<file>',
    'the secret `bounty post` wrote (default: in the pocompute home)',
  ),
});
const id = z.string().regex(/^\d+$/, 'a bounty id is a number');
const stepNumber = z.coerce.number().int().min(0).max(255);

// The compile stack (EZKL, ONNX graphs) is loaded by the subcommands that build or prove circuits
// (postBounty.js, workBounty.js, imported in their actions): `bounty list` and `show` never load it.
async function withBounties<T>(
  o: MarketOptions & { bounties?: string },
  reporter: Reporter,
  signed: boolean,
  work: (bounties: Contract, market: Contract, chain: ChainContext) => Promise<T>,
): Promise<T> {
  return withMarket(o, reporter, signed, async (market, chain) =>
    work(
      await openBounties({ chain, market, address: o.bounties, withSigner: signed }),
      market,
      chain,
    ),
  );
}

const when = (t: number) => (t ? new Date(t * 1000).toISOString() : '—');

const renderBounty = (b: BountyView) =>
  table([
    ['bounty', b.bountyId],
    ['phase', b.phase],
    ['reward', `${b.rewardEth} ETH`],
    [
      'target',
      b.targetText ??
        `${b.metric === 'loss' ? 'loss <=' : 'rows right >='} ${b.target} (at the circuit's scale)`,
    ],
    ['base model', b.baseModelSha256],
    ['data commitment', b.dataCommitment],
    ['circuits', `step model ${b.stepModelId}, evaluation model ${b.evalModelId}`],
    ['requester', b.requester],
    ['worker', b.worker],
    ['steps', b.steps ? `${b.steps} of at most ${b.maxSteps}` : `at most ${b.maxSteps}`],
    ['commit by', when(b.commitDeadline)],
    ['reveal by', when(b.revealDeadline)],
    ['prove by', when(b.proveDeadline)],
    ['challenges until', when(b.challengeEnd)],
    ['open challenges', String(b.openChallenges)],
    ['bonds', `worker ${b.workerBondEth} ETH, challenger ${b.challengerBondEth} ETH`],
  ]);

/** A subcommand that sends one transaction on one bounty (`settle`, `cancel`) and says its result. */
function bountyTransaction<R extends object>(spec: {
  name: string;
  description: string;
  send: (bounties: Contract, bountyId: string) => Promise<R>;
  say: (bountyId: string, result: R) => string;
}): Command {
  return bountyOptions
    .addTo(new Command(spec.name))
    .description(spec.description)
    .argument('<bounty-id>')
    .action((bountyId: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = bountyOptions.parse(raw);
        const r = await withBounties(o, reporter, true, (b) =>
          spec.send(b, parseOptions(id, bountyId)),
        );
        reporter.result({ ok: true, ...r }, () => spec.say(bountyId, r));
      }),
    );
}

export function bountyCommand(): Command {
  const bounty = new Command('bounty').description(
    'Training bounties: pay for a proved fine-tune that reaches a target on a secret evaluation set',
  );
  bounty.addCommand(
    postOptions
      .addTo(new Command('post'))
      .description(
        'Post a bounty: compiles and registers its circuits, commits to the evaluation set, escrows the reward',
      )
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = postOptions.parse(raw);
          const { parseTarget, postBounty } = await import('../market/postBounty.js');
          parseTarget(o.target);
          const times = {
            commitSeconds: parseDuration(o.deadline),
            revealSeconds: parseDuration(o.revealTime),
            proveSeconds: parseDuration(o.proveTime),
            challengeSeconds: parseDuration(o.challengeWindow),
            responseSeconds: parseDuration(o.responseTime),
          };
          const result = await withBounties(o, reporter, true, (bounties, market, chain) =>
            postBounty({
              chain,
              market,
              bounties,
              base: o.base,
              data: o.data,
              eval: o.eval,
              target: o.target,
              recipe: {
                layers: o.layers,
                loss: o.loss,
                lr: o.lr,
                batch: o.batch,
                maxSteps: o.maxSteps,
              },
              rewardEth: o.reward,
              workerBondEth: o.workerBond,
              challengerBondEth: o.challengerBond,
              srs: o.srs,
              secretOut: o.secretOut,
              reporter,
              ...times,
            }),
          );
          reporter.result({ ok: true, ...result }, () =>
            [
              `Bounty ${result.bountyId} posted (${o.reward} ETH in escrow, gas ${result.gasUsed})`,
              `  step model ${result.stepModelId}, evaluation model ${result.evalModelId}`,
              `  evaluation set committed (${result.evalCommit}); its secret is in ${result.secret}: keep it, reveal after a worker commits`,
            ].join('\n'),
          );
        }),
      ),
  );
  bounty.addCommand(
    bountyOptions
      .addTo(new Command('list'))
      .description('List the bounties with their terms')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = bountyOptions.parse(raw);
          const bounties = await withBounties(o, reporter, false, (b) => listBounties(b));
          reporter.result({ ok: true, bounties }, () =>
            table(
              bounties.map((b) => [
                b.bountyId,
                b.phase,
                `${b.rewardEth} ETH`,
                b.targetText ?? `${b.metric} ${b.metric === 'loss' ? '<=' : '>='} ${b.target}`,
                when(b.commitDeadline),
                b.worker,
              ]),
              ['bounty', 'phase', 'reward', 'target', 'commit by', 'worker'],
            ),
          );
        }),
      ),
  );
  bounty.addCommand(
    bountyOptions
      .addTo(new Command('show'))
      .description('Show one bounty: terms, phase, deadlines')
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = bountyOptions.parse(raw);
          const b = await withBounties(o, reporter, false, (c) =>
            readBounty(c, parseOptions(id, bountyId)),
          );
          reporter.result({ ok: true, ...b }, () => renderBounty(b));
        }),
      ),
  );
  bounty.addCommand(
    workOptions
      .addTo(new Command('work'))
      .description(
        'Check the bounty against its base model and data, run the proved fine-tune and commit the run (worker bond)',
      )
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = workOptions.parse(raw);
          parseOptions(id, bountyId);
          if (o.run ? o.out || o.steps : !o.out || !o.steps)
            throw new PocomputeError(
              'OPTION_INVALID',
              'give --steps <n> and --out <dir> to train, or --run <dir> to commit a run already made',
            );
          const { prepareBountyWork, commitBountyRun } = await import('../market/workBounty.js');
          const result = await withBounties(o, reporter, true, async (bounties, market) => {
            const work = await prepareBountyWork({
              bounties,
              market,
              bountyId,
              base: o.base,
              data: o.data,
              srs: o.srs,
              reporter,
              minChallengerBondWei:
                o.minChallengerBond === undefined
                  ? undefined
                  : parseEthAmount(o.minChallengerBond, '--min-challenger-bond', true),
            });
            return commitBountyRun({
              bounties,
              work,
              steps: o.steps,
              out: o.out,
              run: o.run,
              srs: o.srs,
              reporter,
            });
          });
          reporter.result(
            { ok: true, ...result },
            () =>
              `Run committed to bounty ${result.bountyId}: ${result.steps} proved steps, final loss ${result.losses.at(-1)?.toFixed(4)} (gas ${result.gasUsed}). Prove the metric after the reveal: pocompute bounty prove ${result.bountyId} --run ${result.run}`,
          );
        }),
      ),
  );
  bounty.addCommand(
    revealOptions
      .addTo(new Command('reveal'))
      .description('Reveal the evaluation set (requester; only after a worker committed its run)')
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = revealOptions.parse(raw);
          parseOptions(id, bountyId);
          const result = await withBounties(o, reporter, true, async (bounties, _market, chain) => {
            const secret = await readSecret(
              o.secret ?? secretPath(chain.chainId.toString(), String(bounties.target), bountyId),
            );
            if (
              secret.bountyId !== bountyId ||
              secret.contract.toLowerCase() !== String(bounties.target).toLowerCase()
            )
              throw new PocomputeError(
                'BOUNTY_INVALID',
                `the secret is for bounty ${secret.bountyId} on ${secret.contract}, not bounty ${bountyId}`,
              );
            return revealBounty({ bounties, bountyId, secret });
          });
          reporter.result(
            { ok: true, ...result },
            () => `Evaluation set of bounty ${bountyId} revealed (gas ${result.gasUsed})`,
          );
        }),
      ),
  );
  bounty.addCommand(
    runOptions
      .addTo(new Command('prove'))
      .description("Prove the committed weights' metric on the revealed evaluation set (worker)")
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = runOptions.parse(raw);
          parseOptions(id, bountyId);
          const { proveBountyMetric } = await import('../market/workBounty.js');
          const result = await withBounties(o, reporter, true, (bounties) =>
            proveBountyMetric({ bounties, bountyId, run: o.run, reporter }),
          );
          reporter.result(
            { ok: true, ...result },
            () =>
              `Metric ${result.metric.toFixed(4)} proved on bounty ${result.bountyId}: ${result.met ? 'target met (paid at settle)' : 'target missed'} (gas ${result.gasUsed})`,
          );
        }),
      ),
  );
  bounty.addCommand(
    runOptions
      .addTo(new Command('respond'))
      .description("Answer every open challenge on the run's steps with their proofs (worker)")
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = runOptions.parse(raw);
          parseOptions(id, bountyId);
          const { respondBountyChallenges } = await import('../market/workBounty.js');
          const result = await withBounties(o, reporter, true, (bounties) =>
            respondBountyChallenges({ bounties, bountyId, run: o.run }),
          );
          reporter.result({ ok: true, ...result }, () =>
            result.answered.length
              ? result.answered.map((a) => `Step ${a.step} answered (gas ${a.gasUsed})`).join('\n')
              : 'No open challenge',
          );
        }),
      ),
  );
  bounty.addCommand(
    auditOptions
      .addTo(new Command('audit'))
      .description(
        'Recompute a committed run from the base model and the data (witnesses, no proofs) and find its first wrong step',
      )
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = auditOptions.parse(raw);
          parseOptions(id, bountyId);
          const { auditBountyRun } = await import('../market/workBounty.js');
          const result = await withBounties(
            o,
            reporter,
            Boolean(o.challenge),
            async (bounties, market) => {
              const audit = await auditBountyRun({
                bounties,
                market,
                bountyId,
                base: o.base,
                data: o.data,
                reporter,
              });
              const challenged =
                o.challenge && audit.firstWrongStep !== undefined
                  ? await challengeBountyStep(bounties, bountyId, audit.firstWrongStep)
                  : undefined;
              return { ...audit, challenged };
            },
          );
          reporter.result({ ok: true, ...result }, () =>
            result.firstWrongStep === undefined
              ? `Bounty ${bountyId}: all ${result.steps} committed steps are the honest run's`
              : `Bounty ${bountyId}: step ${result.firstWrongStep} is not the honest run's${result.challenged ? ' (challenged)' : ': challenge it with --challenge'}`,
          );
          // Exit 1 for a wrong run left unchallenged, as `verify` for an invalid proof.
          return result.firstWrongStep !== undefined && !result.challenged ? EXIT.invalid : EXIT.ok;
        }),
      ),
  );
  bounty.addCommand(
    bountyOptions
      .addTo(new Command('challenge'))
      .description('Challenge one step of a committed run (challenger bond): its proof must answer')
      .argument('<bounty-id>')
      .argument('<step>')
      .action((bountyId: string, step: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = bountyOptions.parse(raw);
          const n = parseOptions(stepNumber, step);
          const result = await withBounties(o, reporter, true, (b) =>
            challengeBountyStep(b, parseOptions(id, bountyId), n),
          );
          reporter.result(
            { ok: true, ...result },
            () =>
              `Step ${n} of bounty ${bountyId} challenged: answer due by ${when(result.deadline)}`,
          );
        }),
      ),
  );
  bounty.addCommand(
    bountyOptions
      .addTo(new Command('settle-challenge'))
      .description('Uphold a challenge nobody answered in time (the worker bond is split)')
      .argument('<bounty-id>')
      .argument('<step>')
      .action((bountyId: string, step: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = bountyOptions.parse(raw);
          const n = parseOptions(stepNumber, step);
          const result = await withBounties(o, reporter, true, (b) =>
            settleBountyChallenge(b, parseOptions(id, bountyId), n),
          );
          reporter.result(
            { ok: true, ...result },
            () => `Challenge of step ${n} upheld (gas ${result.gasUsed})`,
          );
        }),
      ),
  );
  bounty.addCommand(
    exportOptions
      .addTo(new Command('export'))
      .description(
        'Write the fine-tuned model a bounty delivered: the base model with the final weights its evaluation proof published (checked against the committed hashes)',
      )
      .argument('<bounty-id>')
      .action((bountyId: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = exportOptions.parse(raw);
          parseOptions(id, bountyId);
          const { exportBountyModel } = await import('../market/workBounty.js');
          const r = await withBounties(o, reporter, false, (bounties, market) =>
            exportBountyModel({ bounties, market, bountyId, base: o.base, out: o.out }),
          );
          reporter.result(
            { ok: true, ...r },
            () =>
              `Wrote ${r.out}: the base model with bounty ${bountyId}'s final ${r.tensors.join(', ')} (their hashes are the committed run's)`,
          );
        }),
      ),
  );
  for (const command of [
    bountyTransaction({
      name: 'settle',
      description: 'Settle what is due: pay the worker, or return the reward (anyone)',
      send: settleBounty,
      say: (bountyId, r) =>
        `Bounty ${bountyId} settled: ${r.phase}, ${r.amountEth} ETH to ${r.paidTo} (gas ${r.gasUsed})`,
    }),
    bountyTransaction({
      name: 'cancel',
      description: 'Withdraw a bounty nobody committed to (requester)',
      send: cancelBounty,
      say: (bountyId, r) => `Bounty ${bountyId} cancelled (gas ${r.gasUsed})`,
    }),
  ])
    bounty.addCommand(command);
  return bounty;
}

export type BountyPostOptions = OptionsOf<typeof postOptions>;
