/**
 * `npm run bench:bounty`: what each phase of a training bounty costs, in gas and wall time, on an
 * embedded anvil with real EZKL proofs: the digits MLP of fixtures/real fine-tuned on its head (64
 * training rows, 14 evaluation rows, cross-entropy, batch 8, 2 steps), one step challenged and
 * answered. Writes bench/bounty.json and the docs block in docs/bounties.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contract } from 'ethers';
import { openChain } from '../src/chain/chainContext.js';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import {
  challengeBountyStep,
  openBounties,
  readSecret,
  revealBounty,
  settleBounty,
} from '../src/market/bounty.js';
import { postBounty } from '../src/market/postBounty.js';
import {
  commitBountyRun,
  prepareBountyWork,
  proveBountyMetric,
  respondBountyChallenges,
} from '../src/market/workBounty.js';
import { markdownTable, replaceDocBlock } from './docBlocks.js';
import { openDevMarket } from './devMarket.js';

const STEPS = 2;
const base = fixturePath('real', 'mlp_784_56_10', 'model.onnx');
const work = mkdtempSync(join(tmpdir(), 'pocompute-bench-bounty-'));
const test = JSON.parse(
  readFileSync(fixturePath('real', 'mlp_784_56_10', 'test.json'), 'utf8'),
) as { inputs: number[][]; labels: number[] };
const train = join(work, 'train.json');
const evalSet = join(work, 'eval.json');
writeFileSync(
  train,
  JSON.stringify({ features: test.inputs.slice(0, 64), labels: test.labels.slice(0, 64) }),
);
const evalRows = Array.from({ length: 14 }, (_, i) => 64 + i);
writeFileSync(
  evalSet,
  JSON.stringify({
    features: evalRows.map((r) => test.inputs[r]),
    labels: evalRows.map((r) => test.labels[r]),
  }),
);

interface Phase {
  phase: string;
  who: string;
  gas: number;
  seconds: number;
  note: string;
}
const phases: Phase[] = [];
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
};
const chain = await openChain({});
try {
  const { asDev, wallets, requester } = await openDevMarket(chain);
  const contract = await openBounties({ chain: asDev, market: requester });
  const as = (i: number) => contract.connect(wallets[i]) as unknown as Contract;
  const [posted, postSeconds] = await timed(() =>
    postBounty({
      chain: asDev,
      market: requester,
      bounties: as(0),
      base,
      data: train,
      eval: evalSet,
      target: 'accuracy>=0.75',
      recipe: { layers: 'head', loss: 'cross-entropy', lr: 0.05, batch: 8, maxSteps: 16 },
      rewardEth: '1',
      workerBondEth: '0.1',
      challengerBondEth: '0.1',
      commitSeconds: 3600,
      revealSeconds: 600,
      proveSeconds: 1800,
      challengeSeconds: 600,
      responseSeconds: 600,
    }),
  );
  phases.push({
    phase: 'post (compile + register both circuits, escrow)',
    who: 'requester',
    gas: Number(posted.gasUsed) + Number(posted.registerGas),
    seconds: postSeconds,
    note: `postBounty ${Number(posted.gasUsed).toLocaleString('en')} gas; the rest registers the two verifiers (deploys not counted)`,
  });
  const bountyId = posted.bountyId;
  const worker = as(1);
  const [prepared, prepareSeconds] = await timed(() =>
    prepareBountyWork({ bounties: worker, market: requester, bountyId, base, data: train }),
  );
  const run = join(work, 'run');
  const [committed, commitSeconds] = await timed(() =>
    commitBountyRun({ bounties: worker, work: prepared, steps: STEPS, out: run }),
  );
  phases.push({
    phase: `work (check, witness ${STEPS} steps, seal + open, prove the steps)`,
    who: 'worker',
    gas: Number(committed.gasUsed),
    seconds: prepareSeconds + commitSeconds,
    note: `seal + commit gas; ${(committed.proveMs / STEPS / 1000).toFixed(1)} s per proved step (after the commit); checks ${prepareSeconds.toFixed(1)} s`,
  });
  const [challenged, challengeSeconds] = await timed(() =>
    challengeBountyStep(as(2), bountyId, STEPS - 1),
  );
  phases.push({
    phase: 'challenge one step',
    who: 'anyone',
    gas: Number(challenged.gasUsed),
    seconds: challengeSeconds,
    note: 'locks the challenger bond',
  });
  const [answered, respondSeconds] = await timed(() =>
    respondBountyChallenges({ bounties: worker, bountyId, run }),
  );
  phases.push({
    phase: 'respond (the step proof)',
    who: 'worker',
    gas: Number(answered.answered[0].gasUsed),
    seconds: respondSeconds,
    note: 'the step proof was made when training',
  });
  const [revealed, revealSeconds] = await timed(async () =>
    revealBounty({ bounties: as(0), bountyId, secret: await readSecret(posted.secret) }),
  );
  phases.push({
    phase: 'reveal',
    who: 'requester',
    gas: Number(revealed.gasUsed),
    seconds: revealSeconds,
    note: `${(14 * 66).toLocaleString('en')} field elements in calldata`,
  });
  const [proved, proveSeconds] = await timed(() =>
    proveBountyMetric({ bounties: worker, bountyId, run }),
  );
  phases.push({
    phase: 'prove the metric',
    who: 'worker',
    gas: Number(proved.gasUsed),
    seconds: proveSeconds,
    note: `accuracy ${proved.metric.toFixed(4)}; the proof carries the weights and the set`,
  });
  await chain.provider.send('evm_increaseTime', [601]);
  await chain.provider.send('evm_mine', []);
  const [settled, settleSeconds] = await timed(() => settleBounty(as(2), bountyId));
  phases.push({
    phase: 'settle (paid)',
    who: 'anyone',
    gas: Number(settled.gasUsed),
    seconds: settleSeconds,
    note: settled.phase,
  });
} finally {
  await chain.close();
  await rm(work, { recursive: true, force: true });
}

const f = (g: number) => Math.round(g).toLocaleString('en');
const table = [
  markdownTable([
    ['phase', 'who', 'gas', 'wall time (s)', 'note'],
    ...phases.map((p) => [p.phase, p.who, f(p.gas), p.seconds.toFixed(1), p.note]),
  ]),
  '',
  `Measured by \`npm run bench:bounty\` (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, EZKL 23.0.5) on an embedded anvil: the digits MLP's head (56→10, cross-entropy, batch 8, ${STEPS} steps on 64 rows), 14 evaluation rows, real proofs; bench/bounty.json holds the figures. Compile times are for circuits not yet in the pocompute home.`,
].join('\n');
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'bounty.json'), {
  date: new Date().toISOString(),
  cores: cpus().length,
  phases,
});
process.stdout.write(`${table}\n`);
process.stdout.write(`wrote ${await replaceDocBlock('bounty-costs', table)}\n`);
