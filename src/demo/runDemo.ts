import { join } from 'node:path';
import type { Reporter } from '../core/output.js';
import { fixturePath } from '../core/paths.js';
import { proveInference } from '../prover/proveInference.js';
import type { VerifyBundleResult } from '../proof/checkBundle.js';
import { verifyBundle } from '../verifier/verifyBundle.js';
import type { ProofBundle } from '../proof/bundle.js';
import { runMarketDemo, type MarketDemoResult } from './runMarketDemo.js';

export interface DemoParams {
  fixture?: string;
  outDir?: string;
  /** Also run the market loop on the embedded chain (default true). */
  market?: boolean;
  reporter?: Reporter;
}

export interface DemoResult {
  bundlePath: string;
  bundle: ProofBundle;
  verification: VerifyBundleResult;
  artifactsDir: string;
  market?: MarketDemoResult;
}

/**
 * The quick start: prove the default fixture on the embedded defaults, verify it against the compiled
 * key, then run the market loop (deploy, register, post, prove, submit, paid) on an embedded anvil.
 */
export async function runDemo(params: DemoParams = {}): Promise<DemoResult> {
  const fixture = params.fixture ?? 'mlp';
  const bundlePath = join(params.outDir ?? 'out', `${fixture}.proof`);
  const { bundle, artifacts } = await proveInference({
    target: fixturePath(fixture, 'model.onnx'),
    input: fixturePath(fixture, 'input.json'),
    out: bundlePath,
    reporter: params.reporter,
  });
  const verify = () => verifyBundle({ bundle: bundlePath, artifacts });
  const verification = params.reporter
    ? await params.reporter.step(
        'Verifying the bundle (Solidity verifier in-process, no Python)',
        verify,
        'verify',
      )
    : await verify();
  const market =
    params.market === false || !verification.valid
      ? undefined
      : await runMarketDemo({ artifacts, fixture, reporter: params.reporter });
  return { bundlePath, bundle, verification, artifactsDir: artifacts.dir, market };
}
