import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { InterfaceAbi } from 'ethers';
import { PocomputeError, oneLine } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/paths.js';

/** The part of solc's standard-JSON output per contract that pocompute reads. */
interface SolcContractOutput {
  abi: InterfaceAbi;
  evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
}

interface SolcModule {
  compile(
    input: string,
    callbacks?: { import: (path: string) => { contents?: string; error?: string } },
  ): string;
  version(): string;
}

let loaded: SolcModule | undefined;
/** Loaded on first use: solc's compiler is ~10 MB of JS that most commands never need. */
function loadSolc(): SolcModule {
  loaded ??= createRequire(import.meta.url)('solc') as SolcModule;
  return loaded;
}

/** EIP-170: the most runtime code a contract may have on a normal chain. */
export const EIP170_LIMIT = 24_576;

export interface CompiledSolidity {
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
  runtimeSize: number;
}

export interface SolidityOutput {
  compilerVersion: string;
  contracts: Record<string, CompiledSolidity>;
}

/** The npm solc pinned in package.json (0.8.20), read without loading the compiler. */
export function pinnedSolcVersion(): string {
  return (createRequire(import.meta.url)('solc/package.json') as { version: string }).version;
}

/** The pinned npm solc (0.8.20, the compiler EZKL's verifiers are built with here). */
export const solcVersion = (): string => loadSolc().version();

/**
 * The file a Solidity import names: relative to `baseDir` (default: the working directory) first,
 * then, for a package path (`@openzeppelin/contracts/…`), in the nearest node_modules above
 * `baseDir` or above pocompute's package root — so a contract importing OpenZeppelin compiles from
 * a clone and from an install where npm hoisted the package.
 */
export function resolveSolidityImport(path: string, baseDir?: string): string | undefined {
  const base = baseDir ?? process.cwd();
  const candidates = [resolve(base, path)];
  if (!isAbsolute(path) && !path.startsWith('.') && !path.split(/[\\/]/).includes('..')) {
    for (const start of [resolve(base), PACKAGE_ROOT])
      for (let dir = start; ; dir = dirname(dir)) {
        candidates.push(join(dir, 'node_modules', path));
        if (dir === dirname(dir)) break;
      }
  }
  return candidates.find((file) => existsSync(file));
}

/** The source unit name every EZKL verifier is compiled under (it is in the code's metadata hash). */
export const VERIFIER_SOURCE_UNIT = 'Verifier.sol';

/** What pocompute asks solc for: the ABI and both bytecodes of every contract. */
const OUTPUT_SELECTION = ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'];

/**
 * The standard-JSON input pocompute compiles `sources` with. Every setting that reaches the code's
 * metadata (source names, optimizer, EVM version) is fixed here, so one source always gives the same
 * bytes; `extraOutputs` adds outputs (which do not change the code) for another reader of the output.
 */
export function solidityInput(
  sources: Record<string, string>,
  options: { optimizerRuns?: number; extraOutputs?: readonly string[] } = {},
): object {
  const outputs = [...new Set([...OUTPUT_SELECTION, ...(options.extraOutputs ?? [])])];
  return {
    language: 'Solidity',
    sources: Object.fromEntries(
      Object.entries(sources).map(([name, content]) => [name, { content }]),
    ),
    settings: {
      optimizer: { enabled: true, runs: options.optimizerRuns ?? 1 },
      evmVersion: 'shanghai',
      outputSelection: { '*': { '*': outputs } },
    },
  };
}

/**
 * Compiles Solidity sources with standard JSON; imports are read as `resolveSolidityImport` finds
 * them (relative to `baseDir`, then node_modules).
 */
export function compileSolidity(
  sources: Record<string, string>,
  options: { optimizerRuns?: number; baseDir?: string } = {},
): SolidityOutput {
  const input = solidityInput(sources, options);
  const importFile = (path: string) => {
    const file = resolveSolidityImport(path, options.baseDir);
    if (!file) return { error: `${path}: not found under the base directory or in node_modules` };
    try {
      return { contents: readFileSync(file, 'utf8') };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const output = JSON.parse(loadSolc().compile(JSON.stringify(input), { import: importFile }));
  return readSolidityOutput(output, loadSolc().version());
}

/** The contracts of solc's standard-JSON output, or its first error as SOLC_FAILED. */
export function readSolidityOutput(output: unknown, compilerVersion: string): SolidityOutput {
  const { errors, contracts: files } = output as {
    errors?: { severity: string; formattedMessage?: string; message: string }[];
    contracts?: Record<string, Record<string, SolcContractOutput>>;
  };
  const firstError = (errors ?? []).find((e) => e.severity === 'error');
  if (firstError)
    throw new PocomputeError(
      'SOLC_FAILED',
      `solc ${compilerVersion}: ${oneLine(firstError.formattedMessage ?? firstError.message)}`,
    );
  const contracts: Record<string, CompiledSolidity> = {};
  for (const file of Object.values(files ?? {})) {
    for (const [name, c] of Object.entries(file)) {
      const deployed = c.evm.deployedBytecode.object;
      contracts[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${deployed}`,
        runtimeSize: deployed.length / 2,
      };
    }
  }
  return { compilerVersion, contracts };
}
