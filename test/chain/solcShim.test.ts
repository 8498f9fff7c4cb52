import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileSolidity, solidityInput, VERIFIER_SOURCE_UNIT } from '../../src/chain/solc.js';
import { besideSource, takeCompiledBesideSource } from '../../src/chain/solcShim.js';
import { runSolcCli } from '../../src/chain/solcShimMain.js';

/** EZKL 23.0.5's single verifier for fixtures/mlp (test/fixtures/ezkl23/README.md). */
const SOURCE = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ezkl23', 'v.sol'),
  'utf8',
);

/** The standard-JSON input EZKL 23.0.5's create_evm_verifier sends solc (captured from it). */
const ezklInput = (path: string, content = SOURCE) => ({
  language: 'Solidity',
  sources: { [path]: { content } },
  settings: {
    optimizer: { enabled: true, runs: 0 },
    outputSelection: {
      '*': {
        '*': [
          'abi',
          'evm.bytecode.object',
          'evm.bytecode.sourceMap',
          'evm.bytecode.linkReferences',
          'evm.deployedBytecode.object',
          'evm.deployedBytecode.sourceMap',
          'evm.deployedBytecode.linkReferences',
          'evm.deployedBytecode.immutableReferences',
          'evm.methodIdentifiers',
        ],
      },
    },
    evmVersion: 'shanghai',
    libraries: {},
  },
});

const shim = (input: object) =>
  JSON.parse(runSolcCli(['--standard-json'], () => JSON.stringify(input)).stdout);

/** Runtime code without solc's CBOR metadata (its last 2 bytes say how long it is). */
const withoutMetadata = (hex: string) =>
  hex.slice(0, hex.length - 4 - 2 * Number.parseInt(hex.slice(-4), 16));

describe("the solc shim compiles EZKL's verifier once, for EZKL and for pocompute", () => {
  const pocompute = compileSolidity({ [VERIFIER_SOURCE_UNIT]: SOURCE });
  const verifier = pocompute.contracts.Halo2Verifier;

  it('answers EZKL under its own source name, with every output it asked for', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pocompute-shim-')), 'single.sol');
    const output = shim(ezklInput(path));
    expect(Object.keys(output.contracts)).toEqual([path]);
    expect(Object.keys(output.sources)).toEqual([path]);
    const c = output.contracts[path].Halo2Verifier;
    expect(c.abi).toEqual(verifier.abi);
    expect(c.evm.methodIdentifiers).toHaveProperty(['verifyProof(bytes,uint256[])']);
    expect(typeof c.evm.deployedBytecode.sourceMap).toBe('string');
    expect(`0x${c.evm.deployedBytecode.object}`).toBe(verifier.deployedBytecode);
  });

  it('keeps exactly what compileSolidity makes of the source, and only for those bytes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pocompute-shim-')), 'single.sol');
    shim(ezklInput(path));
    expect(existsSync(besideSource(path))).toBe(true);
    expect(await takeCompiledBesideSource(path, SOURCE)).toEqual(pocompute);
    expect(existsSync(besideSource(path))).toBe(false); // taken once, never left in artifacts

    shim(ezklInput(path));
    // A source that is not the one compiled (a byte changed after EZKL wrote it) is not served.
    expect(await takeCompiledBesideSource(path, `${SOURCE} `)).toBeUndefined();
    expect(await takeCompiledBesideSource(path, SOURCE)).toBeUndefined(); // and it was removed
  });

  it("EZKL's optimizer setting (runs 0) would change only the metadata hash, never the code", () => {
    const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string };
    const input = solidityInput({ [VERIFIER_SOURCE_UNIT]: SOURCE }, { optimizerRuns: 0 });
    const runs0 = JSON.parse(solc.compile(JSON.stringify(input))).contracts[VERIFIER_SOURCE_UNIT]
      .Halo2Verifier.evm.deployedBytecode.object as string;
    expect(`0x${runs0}`).not.toBe(verifier.deployedBytecode);
    expect(withoutMetadata(`0x${runs0}`)).toBe(withoutMetadata(verifier.deployedBytecode));
  });

  it('serves only a record of this very input and the pinned solc', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pocompute-shim-')), 'single.sol');
    const forged = (change: (record: Record<string, unknown>) => void) => {
      shim(ezklInput(path));
      const record = JSON.parse(readFileSync(besideSource(path), 'utf8'));
      change(record);
      writeFileSync(besideSource(path), JSON.stringify(record));
      return takeCompiledBesideSource(path, SOURCE);
    };
    // Another pocompute's settings (another digest), another format, another solc: compiled again.
    expect(await forged((r) => Object.assign(r, { inputSha256: '00'.repeat(32) }))).toBeUndefined();
    expect(await forged((r) => Object.assign(r, { format: 'other/1' }))).toBeUndefined();
    expect(
      await forged((r) =>
        Object.assign(r.output as object, { compilerVersion: '0.8.21+commit.x' }),
      ),
    ).toBeUndefined();
    expect(existsSync(besideSource(path))).toBe(false);
  });

  it("compiles anything but EZKL's request exactly as asked, and keeps nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocompute-shim-'));
    const a = join(dir, 'A.sol');
    const b = join(dir, 'B.sol');
    const contract = (name: string) =>
      `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract ${name} {}`;
    const two = {
      language: 'Solidity',
      sources: { [a]: { content: contract('A') }, [b]: { content: contract('B') } },
      settings: { outputSelection: { '*': { '*': ['abi'] } } },
    };
    expect(Object.keys(shim(two).contracts).sort()).toEqual([a, b].sort());
    // A file-level output (the AST), another EVM version: solc's answer to exactly that.
    const one = (settings: object) => ({
      language: 'Solidity',
      sources: { [a]: { content: contract('A') } },
      settings,
    });
    const withAst = shim(one({ outputSelection: { '*': { '': ['ast'], '*': ['abi'] } } }));
    expect(withAst.sources[a].ast).toBeDefined();
    const paris = shim(
      one({ evmVersion: 'paris', outputSelection: { '*': { '*': ['evm.bytecode.object'] } } }),
    );
    expect(paris.contracts[a].A.evm.bytecode.object).toMatch(/^[0-9a-f]+$/);
    // A source entry that is not an object: solc's own error, not a crash.
    const nullSource = runSolcCli(['--standard-json'], () =>
      JSON.stringify({ language: 'Solidity', sources: { [a]: null } }),
    );
    expect(nullSource.code).toBe(0);
    expect(JSON.parse(nullSource.stdout).errors?.length).toBeGreaterThan(0);
    for (const file of [a, b]) expect(existsSync(besideSource(file))).toBe(false);
  });

  it("a source that does not compile gives EZKL solc's own error and keeps nothing", () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pocompute-shim-')), 'single.sol');
    const output = shim(ezklInput(path, 'contract {'));
    expect(output.errors.some((e: { severity: string }) => e.severity === 'error')).toBe(true);
    expect(output.errors[0].sourceLocation.file).toBe(path);
    expect(output.errors[0].formattedMessage).toContain(path);
    expect(existsSync(besideSource(path))).toBe(false);
  });
});
