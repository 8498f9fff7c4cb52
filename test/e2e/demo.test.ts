import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/pocompute.js';

describe('npm run demo (the README quick start)', () => {
  it('proves and verifies the default fixture, reports the quantization error, and completes the market loop', async () => {
    const result = await runCli(['demo', '--out-dir', tempDir(), '--json']);
    expect(result.code).toBe(0);
    const demo = result.json();
    expect(demo.verification.valid).toBe(true);
    expect(demo.bundle.quantization[0].maxAbsError).toBeLessThan(0.05);
    expect(demo.market.rewardEth).toBe('0.05');
    // The worker's balance rose by the reward minus its gas.
    expect(Number(demo.market.workerBalanceDeltaEth)).toBeGreaterThan(0.04);
    expect(Number(demo.market.workerBalanceDeltaEth)).toBeLessThan(0.05);
    expect(result.stderr).toMatch(/insecure-dev/);
  });
});
