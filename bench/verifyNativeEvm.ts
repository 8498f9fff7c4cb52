/**
 * The verifier's execution alone, warm, per proof: pocompute's in-process EVM (runVerifier) against
 * revm, a native Rust EVM, running the same runtime code on the same calldata. revm comes with
 * Hardhat's EDR (`@nomicfoundation/edr`, prebuilt for each platform): installed for the bench only
 * in bench/.work/edr, never a dependency of pocompute. Together with EZKL's own `verify`, it says
 * what any EVM execution of EZKL's Solidity verifier costs against EZKL's native verifier. The two
 * EVMs must agree on the honest proof and on a tampered one (an instance + 1): the bench fails
 * otherwise.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bytesToHex } from '../src/core/bytes.js';
import { readBundle } from '../src/proof/bundle.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { runProcess } from '../src/engine/managedVenv.js';
import { openArtifacts, VERIFYING_FILES } from '../src/proof/artifacts.js';
import { keyFromArtifacts } from '../src/proof/checkBundle.js';
import { encodeVerifierCalldata, runVerifier } from '../src/proof/evm.js';
import { BN254_R, feltFromHexLE } from '../src/proof/felts.js';
import { proofBytesOf } from '../src/proof/validateProof.js';
import { median } from './sideBySide.js';
import type { VerifyCase } from './verifyCases.js';

/** A released EDR that runs on Node 20 (pocompute's minimum; EDR 0.22, the current one, needs Node 22). */
export const EDR_VERSION = '0.11.3';
const EDR_DIR = join(PACKAGE_ROOT, 'bench', '.work', 'edr');

type Edr = {
  EdrContext: new () => unknown;
  SpecId: { Prague: number };
  Provider: {
    withConfig(
      context: unknown,
      config: Record<string, unknown>,
      logger: Record<string, unknown>,
      tracing: Record<string, unknown>,
      subscriber: () => void,
    ): Promise<{ handleRequest(json: string): Promise<{ data: unknown }> }>;
  };
};

async function loadEdr(log: (line: string) => void): Promise<Edr> {
  const entry = join(EDR_DIR, 'node_modules', '@nomicfoundation', 'edr');
  if (!existsSync(entry)) {
    log(`bench verify: Hardhat's EDR ${EDR_VERSION} (bench only) in ${EDR_DIR}`);
    mkdirSync(EDR_DIR, { recursive: true });
    writeFileSync(join(EDR_DIR, 'package.json'), '{"name":"bench-edr","private":true}\n');
    const run = await runProcess('npm', [
      'install',
      '--prefix',
      EDR_DIR,
      '--no-audit',
      '--no-fund',
      '--save-exact',
      `@nomicfoundation/edr@${EDR_VERSION}`,
    ]);
    if (run.code !== 0) throw new Error(`npm install of EDR failed:\n${run.stderr.slice(-2000)}`);
  }
  return createRequire(join(EDR_DIR, 'package.json'))('@nomicfoundation/edr') as Edr;
}

/** One revm chain (Prague, no accounts) for the process: EDR's context is made once. */
let chain: ReturnType<typeof revmChain> | undefined;

async function revmChain(edr: Edr) {
  const provider = await edr.Provider.withConfig(
    new edr.EdrContext(),
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: true,
      bailOnCallFailure: true, // a reverted eth_call is an error reply, not empty return data
      bailOnTransactionFailure: false,
      blockGasLimit: 60_000_000n,
      chainId: 31337n,
      chains: [],
      coinbase: Buffer.alloc(20),
      enableRip7212: false,
      genesisAccounts: [],
      hardfork: edr.SpecId.Prague,
      minGasPrice: 0n,
      initialBaseFeePerGas: 0n,
      mining: { autoMine: true, memPool: { order: 'Priority' } },
      networkId: 31337n,
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    {},
    () => {},
  );
  let id = 0;
  const rpc = async (method: string, params: unknown[]) => {
    const response = await provider.handleRequest(
      JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    );
    const reply = (
      typeof response.data === 'string' ? JSON.parse(response.data) : response.data
    ) as { result?: unknown; error?: { message: string } };
    return reply;
  };
  return { rpc };
}

export interface NativeEvmFigures {
  /** runVerifier (validation, calldata, pocompute's EVM), warm: median ms per call. */
  pocomputeEvmMs: number;
  /** eth_call of the same code and calldata on revm (EDR), warm: median ms per call. */
  revmMs: number;
  /**
   * The same eth_call to a contract that stops at once (code 0x00), warm: what EDR's JSON-RPC and
   * call set-up cost of `revmMs` (hex, JSON, the calldata's copy), not the verifier's execution.
   */
  revmCallOverheadMs: number;
  /** revm ÷ pocompute's EVM. */
  revmOverPocompute: number;
  calls: number;
}

const VERIFIER = '0x00000000000000000000000000000000000c0de1';
const STOPS = '0x00000000000000000000000000000000000c0de2';

/**
 * `calls` warm executions a side (after a few unrecorded), alternating, of the case's verifier on
 * its bundle's proof; a single-layout verifier only (the reusable one needs its VKA registered by a
 * transaction: undefined).
 */
export async function measureNativeEvm(params: {
  verifyCase: VerifyCase;
  calls: number;
  log: (line: string) => void;
}): Promise<NativeEvmFigures | undefined> {
  const { verifyCase: c, calls } = params;
  const key = await keyFromArtifacts(
    await openArtifacts(c.artifactsDir, { check: VERIFYING_FILES }),
  );
  if (key.code.layout !== 'single') {
    params.log(
      `bench verify: ${c.name}: a reusable verifier, not run on revm (its VKA needs a transaction)`,
    );
    return undefined;
  }
  const code = key.code;
  const bundle = await readBundle(c.bundle);
  const proof = proofBytesOf(bundle.proof);
  const instances = (bundle.proof.instances[0] ?? []).map(feltFromHexLE);
  if (instances.length === 0) throw new Error(`${c.name}: a proof without public instances`);
  const tampered = [(instances[0] + 1n) % BN254_R, ...instances.slice(1)];

  chain ??= loadEdr(params.log).then(revmChain);
  const { rpc } = await chain;
  const set = await rpc('hardhat_setCode', [VERIFIER, `0x${bytesToHex(code.runtime)}`]);
  const stops = await rpc('hardhat_setCode', [STOPS, '0x00']);
  if (set.result !== true || stops.result !== true)
    throw new Error(`revm: setCode failed: ${(set.error ?? stops.error)?.message}`);
  /** revm's verdict: true when the call returns the word 1, false when it reverts; else it throws. */
  const revm = async (values: readonly bigint[]) => {
    const data = `0x${bytesToHex(encodeVerifierCalldata('single', proof, values))}`;
    const reply = await rpc('eth_call', [{ to: VERIFIER, data, gas: '0x1000000' }, 'latest']);
    if (typeof reply.result === 'string' && reply.result.length === 66)
      return BigInt(reply.result) === 1n;
    if (reply.error && /revert/i.test(reply.error.message)) return false;
    throw new Error(
      `${c.name}: revm neither returned a word nor reverted: ${JSON.stringify(reply)}`,
    );
  };
  const mine = async (values: readonly bigint[]) => (await runVerifier(code, proof, values)).ok;
  const honestData = `0x${bytesToHex(encodeVerifierCalldata('single', proof, instances))}`;
  const callOnly = async () =>
    (await rpc('eth_call', [{ to: STOPS, data: honestData, gas: '0x1000000' }, 'latest']))
      .result === '0x';

  // The two EVMs' verdicts, honest and tampered: they must agree (true, then false).
  const verdicts = {
    honest: [await mine(instances), await revm(instances)],
    tampered: [await mine(tampered), await revm(tampered)],
  };
  if (!verdicts.honest.every(Boolean) || verdicts.tampered.some(Boolean))
    throw new Error(`${c.name}: the EVMs disagree or fail: ${JSON.stringify(verdicts)}`);

  const timed = async (run: () => Promise<boolean>) => {
    const started = performance.now();
    if (!(await run())) throw new Error(`${c.name}: a verification failed while timed`);
    return performance.now() - started;
  };
  for (let i = 0; i < 5; i++) {
    await mine(instances);
    await revm(instances);
  }
  const m: number[] = [];
  const r: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < calls; i++) {
    m.push(await timed(() => mine(instances)));
    r.push(await timed(() => revm(instances)));
    o.push(await timed(callOnly));
  }
  const pocomputeEvmMs = median(m);
  const revmMs = median(r);
  return {
    pocomputeEvmMs: Math.round(pocomputeEvmMs * 100) / 100,
    revmMs: Math.round(revmMs * 100) / 100,
    revmCallOverheadMs: Math.round(median(o) * 100) / 100,
    revmOverPocompute: Math.round((revmMs / pocomputeEvmMs) * 100) / 100,
    calls,
  };
}
