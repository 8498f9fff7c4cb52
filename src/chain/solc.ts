import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InterfaceAbi } from 'ethers';
import { PocomputeError, oneLine } from '../core/errors.js';

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

/** The pinned npm solc (0.8.20, the compiler EZKL 21's verifiers are written for). */
export const solcVersion = (): string => loadSolc().version();

/** Compiles Solidity sources with standard JSON; imports are read relative to `baseDir`. */
export function compileSolidity(
  sources: Record<string, string>,
  options: { optimizerRuns?: number; baseDir?: string } = {},
): SolidityOutput {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(
      Object.entries(sources).map(([name, content]) => [name, { content }]),
    ),
    settings: {
      optimizer: { enabled: true, runs: options.optimizerRuns ?? 1 },
      evmVersion: 'shanghai',
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };
  const importFile = (path: string) => {
    try {
      return { contents: readFileSync(resolve(options.baseDir ?? process.cwd(), path), 'utf8') };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const output = JSON.parse(loadSolc().compile(JSON.stringify(input), { import: importFile }));
  const firstError = (output.errors ?? []).find(
    (e: { severity: string }) => e.severity === 'error',
  );
  if (firstError)
    throw new PocomputeError(
      'SOLC_FAILED',
      `solc ${loadSolc().version()}: ${oneLine(firstError.formattedMessage ?? firstError.message)}`,
    );
  const contracts: Record<string, CompiledSolidity> = {};
  for (const file of Object.values(output.contracts ?? {}) as Record<
    string,
    SolcContractOutput
  >[]) {
    for (const [name, c] of Object.entries(file)) {
      const deployed = c.evm.deployedBytecode.object as string;
      contracts[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${deployed}`,
        runtimeSize: deployed.length / 2,
      };
    }
  }
  return { compilerVersion: loadSolc().version(), contracts };
}
