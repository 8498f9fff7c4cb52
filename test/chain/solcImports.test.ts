import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSolidity, resolveSolidityImport } from '../../src/chain/solc.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const CONTRACTS = join(PACKAGE_ROOT, 'contracts');

describe('Solidity import resolution', () => {
  it('reads package imports from node_modules, whatever the base directory', () => {
    const guard = join(
      PACKAGE_ROOT,
      'node_modules',
      '@openzeppelin',
      'contracts',
      'utils',
      'ReentrancyGuard.sol',
    );
    expect(
      resolveSolidityImport('@openzeppelin/contracts/utils/ReentrancyGuard.sol', CONTRACTS),
    ).toBe(guard);
    const elsewhere = mkdtempSync(join(tmpdir(), 'solc-imports-'));
    expect(
      resolveSolidityImport('@openzeppelin/contracts/utils/ReentrancyGuard.sol', elsewhere),
    ).toBe(guard);
  });

  it('prefers the base directory, then the node_modules nearest to it', () => {
    expect(resolveSolidityImport('interfaces/IInferenceConsumer.sol', CONTRACTS)).toBe(
      join(CONTRACTS, 'interfaces', 'IInferenceConsumer.sol'),
    );
    const project = mkdtempSync(join(tmpdir(), 'solc-imports-'));
    const own = join(project, 'node_modules', '@openzeppelin', 'contracts', 'utils');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'ReentrancyGuard.sol'), '// the project’s own copy');
    const nested = join(project, 'src');
    mkdirSync(nested);
    expect(resolveSolidityImport('@openzeppelin/contracts/utils/ReentrancyGuard.sol', nested)).toBe(
      join(own, 'ReentrancyGuard.sol'),
    );
  });

  it('resolves every foundry.toml remapping to the same files forge reads', () => {
    const toml = readFileSync(join(PACKAGE_ROOT, 'foundry.toml'), 'utf8');
    const remappings = [...toml.matchAll(/"([^"=]+\/)=([^"]+)"/g)].map(([, from, to]) => ({
      from,
      to,
    }));
    expect(remappings.map((r) => r.from).sort()).toEqual(['@openzeppelin/contracts/']);
    const probe: Record<string, string> = {
      '@openzeppelin/contracts/': 'utils/ReentrancyGuard.sol',
    };
    for (const { from, to } of remappings)
      expect(resolveSolidityImport(`${from}${probe[from]}`, CONTRACTS)).toBe(
        join(PACKAGE_ROOT, to, probe[from]),
      );
  });

  it('finds nothing for a missing file or a package path that climbs out with ..', () => {
    expect(resolveSolidityImport('@openzeppelin/contracts/Nope.sol', CONTRACTS)).toBeUndefined();
    expect(
      resolveSolidityImport(
        '@openzeppelin/contracts/../contracts/utils/ReentrancyGuard.sol',
        CONTRACTS,
      ),
    ).toBeUndefined();
  });

  it('compiles a contract importing OpenZeppelin from outside the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'solc-imports-'));
    const source = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
contract Guarded is ReentrancyGuard {
    function f() external nonReentrant returns (uint256) { return 1; }
}
`;
    const output = compileSolidity({ 'Guarded.sol': source }, { baseDir: dir });
    expect(output.compilerVersion).toMatch(/^0\.8\.20\+/);
    expect(output.contracts.Guarded.runtimeSize).toBeGreaterThan(0);
  });
});
