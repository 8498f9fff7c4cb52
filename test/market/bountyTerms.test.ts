import { describe, expect, it } from 'vitest';
import { parseRecipeURI, recipeURI, type BountyRecipe } from '../../src/market/bountyRecipe.js';
import { parseTarget, postBounty, targetAtScale } from '../../src/market/postBounty.js';

const recipe: BountyRecipe = {
  layers: 'head',
  loss: 'cross-entropy',
  lr: 0.05,
  batch: 8,
  metric: 'accuracy',
  evalRows: 14,
  maxSteps: 4,
};
const base = 'ab'.repeat(32);

describe('bounty terms', () => {
  it('reads a target and rounds it against the worker at the circuit scale', () => {
    expect(parseTarget('loss<=0.12')).toEqual({ metric: 'loss', value: 0.12 });
    expect(parseTarget(' accuracy >= 0.9 ')).toEqual({ metric: 'accuracy', value: 0.9 });
    // 0.12·2^11 = 245.76: a loss bound rounds down; an accuracy is a count of rows, rounded up.
    expect(targetAtScale({ metric: 'loss', value: 0.12 }, 11, 14)).toBe(245n);
    expect(targetAtScale({ metric: 'accuracy', value: 0.9 }, 11, 14)).toBe(13n * 2048n);
    expect(targetAtScale({ metric: 'accuracy', value: 0.7 }, 0, 10)).toBe(7n);
    expect(targetAtScale({ metric: 'accuracy', value: 1 }, 3, 14)).toBe(14n * 8n);
    for (const bad of ['loss<0.1', 'accuracy>=1.5', 'f1>=0.9', 'loss<=abc', ''])
      expect(() => parseTarget(bad), bad).toThrow(/--target|accuracy target/);
  });

  it("writes the recipe into the models' metadata and reads it back; anything else is refused", () => {
    const uri = recipeURI('step', recipe, base);
    expect(parseRecipeURI(uri)).toEqual({ kind: 'step', base, recipe });
    expect(
      parseRecipeURI(recipeURI('eval', { ...recipe, loss: 'mse', layers: 'all' }, base)).recipe,
    ).toMatchObject({ loss: 'mse', layers: 'all' });
    for (const bad of [
      'pocompute:model#abc',
      uri.replace('kind=step', 'kind=other'),
      uri.replace(`base=${base}`, 'base=xyz'),
      uri.replace('batch=8', 'batch=eight'),
    ])
      expect(() => parseRecipeURI(bad), bad).toThrow(/recipe/);
  });

  it('refuses too little time to prove or to answer before anything is compiled or sent', async () => {
    const times = {
      commitSeconds: 3600,
      revealSeconds: 600,
      proveSeconds: 1800,
      challengeSeconds: 600,
      responseSeconds: 600,
    };
    const post = (over: Partial<typeof times>) =>
      postBounty({ ...({} as Parameters<typeof postBounty>[0]), ...times, ...over });
    await expect(post({ proveSeconds: 1799 })).rejects.toMatchObject({
      code: 'OPTION_INVALID',
      message: /--prove-time must be between 1800 s/,
    });
    await expect(post({ responseSeconds: 599 })).rejects.toMatchObject({
      code: 'OPTION_INVALID',
      message: /--response-time/,
    });
  });
});
