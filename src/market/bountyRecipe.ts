import { PocomputeError } from '../core/errors.js';
import type { Loss } from '../prover/training/stepGraph.js';

// The recipe and its metadata URI apart from the circuits (bountySpec.ts): `bounty list` and
// `bounty show` read a target's wording from it without loading the compile stack.

/**
 * What a bounty's circuits are built from, besides the base model and the data: the training
 * recipe (which layers, loss, learning rate, batch) and the evaluation (metric, rows). It is
 * written into the registered models' metadata URIs, so a worker rebuilds both circuits from the
 * base model and checks that the registered verifiers are exactly their compilations (attested):
 * the URI is a label, the attestation is what is trusted.
 */
export interface BountyRecipe {
  layers: 'head' | 'all';
  loss: Loss;
  lr: number;
  batch: number;
  metric: 'loss' | 'accuracy';
  evalRows: number;
  maxSteps: number;
}

const RECIPE_PREFIX = 'pocompute-bounty@1:';

export function recipeURI(
  kind: 'step' | 'eval',
  recipe: BountyRecipe,
  baseSha256: string,
  /** The evaluation circuit's metric scale (a display aid: `bounty show` reads the target with it). */
  metricScale?: number,
) {
  const fields = {
    kind,
    base: baseSha256,
    ...recipe,
    ...(metricScale === undefined ? {} : { metricScale }),
  };
  return `${RECIPE_PREFIX}${new URLSearchParams(
    Object.entries(fields).map(([k, v]) => [k, String(v)]),
  ).toString()}`;
}

export function parseRecipeURI(uri: string): {
  kind: 'step' | 'eval';
  base: string;
  recipe: BountyRecipe;
  metricScale?: number;
} {
  const bad = () =>
    new PocomputeError(
      'BOUNTY_INVALID',
      "the bounty's registered models carry no pocompute bounty recipe in their metadata",
      { hint: 'Bounties are posted with `pocompute bounty post`, which registers both circuits.' },
    );
  if (!uri.startsWith(RECIPE_PREFIX)) throw bad();
  const q = new URLSearchParams(uri.slice(RECIPE_PREFIX.length));
  const kind = q.get('kind');
  const recipe: BountyRecipe = {
    layers: q.get('layers') === 'all' ? 'all' : 'head',
    loss: q.get('loss') === 'mse' ? 'mse' : 'cross-entropy',
    lr: Number(q.get('lr')),
    batch: Number(q.get('batch')),
    metric: q.get('metric') === 'loss' ? 'loss' : 'accuracy',
    evalRows: Number(q.get('evalRows')),
    maxSteps: Number(q.get('maxSteps')),
  };
  const base = q.get('base') ?? '';
  if (
    (kind !== 'step' && kind !== 'eval') ||
    !/^[0-9a-f]{64}$/.test(base) ||
    !(recipe.lr > 0) ||
    !Number.isInteger(recipe.batch) ||
    !Number.isInteger(recipe.evalRows) ||
    !Number.isInteger(recipe.maxSteps)
  )
    throw bad();
  const scale = q.get('metricScale');
  const metricScale = scale !== null && /^-?\d{1,2}$/.test(scale) ? Number(scale) : undefined;
  return { kind, base, recipe, ...(metricScale === undefined ? {} : { metricScale }) };
}
