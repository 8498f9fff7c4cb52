import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Interface, Wallet, hexlify } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { openChain, type ChainContext } from '../../src/chain/chainContext.js';
import { compileModel } from '../../src/prover/compileModel.js';
import type { CompileResult } from '../../src/proof/artifacts.js';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { proveInference, type ProveInferenceResult } from '../../src/prover/proveInference.js';
import { encodeCalldata } from '../../src/verifier/calldata.js';
import { deployVerifier, type VerifierDeployment } from '../../src/verifier/deployVerifier.js';
import { emitEvmVerifier } from '../../src/engine/emitEvmVerifier.js';
import { verifyOnchain } from '../../src/verifier/verifyOnchain.js';
import { useAnvil } from '../helpers/anvil.js';
import {
  alterEvaluation,
  compiledFixture,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

const anvil = useAnvil();

/** A copy of a bundle with one edit, for tampering tests. */
async function tamperedBundle(
  result: ProveInferenceResult,
  edit: (bundle: any) => void,
): Promise<any> {
  const bundle = JSON.parse(await readFile(result.bundlePath, 'utf8'));
  edit(bundle);
  return bundle;
}

describe('deploy-verifier and on-chain verification on a real anvil', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let mlp: CompileResult;
  let proof: ProveInferenceResult;
  let deployment: VerifierDeployment;

  beforeAll(async () => {
    chain = await openChain({ rpc: anvil().rpcUrl });
    process.env.POCOMPUTE_PRIVATE_KEY = anvil().accounts[0].privateKey;
    mlp = await compiledFixture('mlp');
    proof = await provedFixture('mlp');
    deployment = await deployVerifier({ artifacts: mlp, chain });
    return () => chain.close();
  });

  it("deploys the MLP's single-contract verifier and records it", async () => {
    expect(deployment.layout).toBe('single');
    expect(deployment.verifier.runtimeSize).toBeLessThanOrEqual(24_576);
    expect((await chain.provider.getCode(deployment.verifier.address)).length).toBeGreaterThan(
      2 * 1000,
    );
    expect(deployment.vkSha256).toBe(mlp.manifest.files['vk.key']);
    expect(Number(deployment.verifier.gasUsed)).toBeGreaterThan(1_000_000);
  });

  it('finds its record on a second run and checks the code instead of deploying twice', async () => {
    const again = await deployVerifier({ artifacts: mlp, chain });
    expect(again.reused).toBe(true);
    expect(again.verifier.address).toBe(deployment.verifier.address);
    const forced = await deployVerifier({ artifacts: mlp, chain, force: true });
    expect(forced.verifier.address).not.toBe(deployment.verifier.address);
    deployment = forced; // the record now names the new deployment
  });

  it('verifies a valid proof on-chain (eth_call) and reports its gas', async () => {
    const result = await verifyOnchain({
      bundle: proof.bundle,
      chain,
      verifier: deployment.verifier.address,
    });
    expect(result.valid).toBe(true);
    expect(Number(result.gas)).toBeGreaterThan(100_000);
  });

  it('rejects the same proof with one public output changed', async () => {
    const bundle = await tamperedBundle(proof, (b) => {
      const instances: string[] = b.proof.instances[0];
      instances[instances.length - 1] =
        (instances[instances.length - 1][0] === '0' ? '1' : '0') +
        instances[instances.length - 1].slice(1);
    });
    expect(
      (await verifyOnchain({ bundle, chain, verifier: deployment.verifier.address })).valid,
    ).toBe(false);
  });

  it('rejects the same proof with one of its evaluations changed', async () => {
    const bundle = await tamperedBundle(proof, (b) => alterEvaluation(b.proof));
    expect(
      (await verifyOnchain({ bundle, chain, verifier: deployment.verifier.address })).valid,
    ).toBe(false);
  });

  it("rejects a proof of model B on model A's verifier", async () => {
    const other = await provedFixture('two_input');
    // pocompute knows the verifier's key from its record and refuses up front...
    await expect(
      verifyOnchain({ bundle: other.bundle, chain, verifier: deployment.verifier.address }),
    ).rejects.toMatchObject({ code: 'VERIFIER_MISMATCH' });
    // ...and the contract itself says no.
    const data = encodeCalldata(other.bundle);
    const answer = await chain.provider.call({ to: deployment.verifier.address, data }).then(
      (hex) =>
        new Interface([
          'function verifyProof(bytes,uint256[]) returns (bool)',
        ]).decodeFunctionResult('verifyProof', hex)[0],
      () => false,
    );
    expect(answer).toBe(false);
  });

  it('an independent client (plain ethers, the ABI and `pocompute calldata` hex) gets the same answers', async () => {
    // The ABI as compile recorded it with the verifier (verifier.json), as a client would read it.
    const { verifier } = JSON.parse(await readFile(join(mlp.dir, 'verifier.json'), 'utf8'));
    const iface = new Interface(verifier.abi);
    const ask = async (bundlePath: string) => {
      const { calldata } = (await runCli(['calldata', bundlePath, '--json'])).json();
      return chain.provider.call({ to: deployment.verifier.address, data: calldata }).then(
        (hex) => iface.decodeFunctionResult('verifyProof', hex)[0] as boolean,
        () => false,
      );
    };
    expect(await ask(proof.bundlePath)).toBe(true);
    const bad = join(tempDir(), 'bad.proof');
    await writeFile(
      bad,
      JSON.stringify(await tamperedBundle(proof, (b) => alterEvaluation(b.proof))),
    );
    expect(await ask(bad)).toBe(false);
  });

  it("encodes the same calldata bytes as EZKL's Python encode_evm_calldata", async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'proof.json'), JSON.stringify(proof.bundle.proof));
    const [bytes] = (await (
      await getPythonEngine()
    ).run([
      {
        op: 'encode_evm_calldata',
        args: { proof: join(dir, 'proof.json'), calldata: join(dir, 'calldata.bin') },
      },
    ])) as number[][];
    // EZKL 23's Python appends one zero word after the ABI encoding (the verifier reads nothing
    // past the instances); the ABI-encoded part is byte for byte ours.
    const ours = encodeCalldata(proof.bundle);
    const theirs = hexlify(Uint8Array.from(bytes));
    expect(theirs.slice(0, ours.length)).toBe(ours);
    expect(theirs.slice(ours.length)).toMatch(/^(00)*$/);
    expect((theirs.length - ours.length) / 2).toBeLessThanOrEqual(32);
  });

  it('verify --onchain --send (CLI) sends a transaction and reports the gas used', async () => {
    const result = await runCli([
      'verify',
      proof.bundlePath,
      '--onchain',
      '--verifier',
      deployment.verifier.address,
      '--send',
      '--rpc',
      anvil().rpcUrl,
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ valid: true });
    expect(Number(result.json().gas)).toBeGreaterThan(100_000);
    expect(result.json().txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('a reusable deployment of a single-layout model verifies its proofs with the VKA made from --artifacts', async () => {
    const reusable = await deployVerifier({ artifacts: mlp, chain, layout: 'reusable' });
    expect(proof.bundle.verifier.layout).toBe('single');
    const ask = (bundle: typeof proof.bundle, trust?: { artifacts: string }) =>
      verifyOnchain({
        bundle,
        chain,
        verifier: reusable.verifier.address,
        ...(trust ? { trust } : {}),
      });
    expect((await ask(proof.bundle, { artifacts: mlp.dir })).valid).toBe(true);
    const bad = await tamperedBundle(proof, (b) => alterEvaluation(b.proof));
    expect((await ask(bad, { artifacts: mlp.dir })).valid).toBe(false);
    // Without trusted artifacts there is no VKA to call it with: said, never a false INVALID.
    await expect(ask(proof.bundle)).rejects.toMatchObject({ code: 'VERIFIER_MISMATCH' });
  });

  it('a model whose single verifier exceeds EIP-170 deploys as reusable verifier + VKA on a normal chain, and its proofs verify', async () => {
    // EZKL's own settings for the wide fixture: the optimiser's circuit has fewer columns and its
    // single verifier fits under EIP-170 (23.8 kB), which is the point of optimising.
    const wide = await compileModel({
      model: fixtureModel('wide'),
      input: fixtureInput('wide'),
      options: { optimizer: 'off' },
    });
    const single = await emitEvmVerifier(wide, { layout: 'single' });
    expect(single.verifier.runtimeSize).toBeGreaterThan(24_576);
    const reusable = await deployVerifier({ artifacts: wide, chain });
    expect(reusable.layout).toBe('reusable');
    expect(reusable.reason).toMatch(/EIP-170/);
    expect(reusable.vka?.digest).toMatch(/^0x[0-9a-f]{64}$/);
    const wideProof = await proveInference({
      target: wide.dir,
      input: fixtureInput('wide'),
      out: join(tempDir(), 'wide.proof'),
    });
    expect(
      (
        await verifyOnchain({
          bundle: wideProof.bundle,
          chain,
          verifier: reusable.verifier.address,
        })
      ).valid,
    ).toBe(true);
    const bad = await tamperedBundle(wideProof, (b) => alterEvaluation(b.proof));
    expect(
      (await verifyOnchain({ bundle: bad, chain, verifier: reusable.verifier.address })).valid,
    ).toBe(false);
  });
});

describe('chain errors (CLI)', () => {
  it('an unreachable RPC: retries, then RPC_UNREACHABLE (exit 4) with a hint', async () => {
    const result = await runCli([
      'deploy-verifier',
      'fixtures/mlp/model.onnx',
      '--rpc',
      'http://127.0.0.1:1',
      '--json',
    ]);
    expect(result.code).toBe(4);
    expect(result.json().error).toMatchObject({ code: 'RPC_UNREACHABLE' });
    expect(result.json().error.message).toMatch(/after 5 attempts/);
  });

  it('the wrong chain id: CHAIN_ID_MISMATCH', async () => {
    const result = await runCli([
      'deploy-verifier',
      'fixtures/mlp/model.onnx',
      '--rpc',
      anvil().rpcUrl,
      '--chain-id',
      '1',
      '--json',
    ]);
    expect(result.json().error).toMatchObject({ code: 'CHAIN_ID_MISMATCH' });
  });

  it('no code at the verifier address: NO_CODE', async () => {
    const { bundlePath } = await provedFixture('mlp');
    const result = await runCli([
      'verify',
      bundlePath,
      '--onchain',
      '--verifier',
      anvil().accounts[5].address,
      '--rpc',
      anvil().rpcUrl,
      '--json',
    ]);
    expect(result.json().error).toMatchObject({ code: 'NO_CODE' });
    expect(result.code).toBe(4);
  });

  it('insufficient funds: INSUFFICIENT_FUNDS, and the key never appears in the output', async () => {
    const poor = Wallet.createRandom().privateKey;
    const result = await runCli(
      ['deploy-verifier', 'fixtures/mlp/model.onnx', '--rpc', anvil().rpcUrl, '--force', '--json'],
      { POCOMPUTE_PRIVATE_KEY: poor },
    );
    expect(result.json().error).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(result.stdout + result.stderr).not.toContain(poor.slice(2));
  });

  it('a missing key on an external RPC: KEY_UNAVAILABLE (exit 2), a malformed one is not echoed', async () => {
    const missing = await runCli(
      ['deploy-verifier', 'fixtures/mlp/model.onnx', '--rpc', anvil().rpcUrl, '--force', '--json'],
      { POCOMPUTE_PRIVATE_KEY: '' },
    );
    expect(missing.json().error).toMatchObject({ code: 'KEY_UNAVAILABLE', exitCode: 2 });
    // The key is checked before any compile: in an empty home nothing is compiled, no solc run.
    const home = tempDir('pocompute-home-');
    const early = await runCli(
      ['deploy-verifier', 'fixtures/mlp/model.onnx', '--rpc', anvil().rpcUrl, '--json'],
      { POCOMPUTE_PRIVATE_KEY: '', POCOMPUTE_HOME: home },
    );
    expect(early.json().error).toMatchObject({ code: 'KEY_UNAVAILABLE' });
    expect(readdirSync(home)).toEqual([]);
    const secret = '0xdeadbeefnotakey1234567890';
    const malformed = await runCli(
      ['deploy-verifier', 'fixtures/mlp/model.onnx', '--rpc', anvil().rpcUrl, '--force', '--json'],
      { POCOMPUTE_PRIVATE_KEY: secret },
    );
    expect(malformed.json().error.code).toBe('KEY_UNAVAILABLE');
    expect(malformed.stdout + malformed.stderr).not.toContain('deadbeef');
  });
});
