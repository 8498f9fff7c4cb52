import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileSolidity, type CompiledSolidity } from '../chain/solc.js';
import { sha256Hex, writeJsonAtomic } from '../core/files.js';
import { PACKAGE_ROOT, pocomputeHome } from '../core/paths.js';
import {
  contractsSolcVersion,
  pocomputeMarketAbi,
  pocomputeMarketBytecode,
  pocomputeMarketRuntimeSize,
} from '../chain/generated/contracts.js';

export const CONTRACTS_DIR = join(PACKAGE_ROOT, 'contracts');

/**
 * Compiles a contract under contracts/ with the pinned npm solc, cached by the source's hash
 * (solc-js takes seconds; the market is used by every market command).
 */
export async function contractArtifact(
  file: string,
  name: string,
): Promise<CompiledSolidity & { compilerVersion: string }> {
  const source = await readFile(join(CONTRACTS_DIR, file), 'utf8');
  const cachePath = join(
    pocomputeHome(),
    'contracts',
    `${name}-${sha256Hex(source).slice(0, 16)}.json`,
  );
  if (existsSync(cachePath)) return JSON.parse(await readFile(cachePath, 'utf8'));
  const output = compileSolidity(
    { [file]: source },
    { optimizerRuns: 200, baseDir: CONTRACTS_DIR },
  );
  const artifact = { ...output.contracts[name], compilerVersion: output.compilerVersion };
  await writeJsonAtomic(cachePath, artifact);
  return artifact;
}

/**
 * The market as built with the package (src/chain/generated/contracts.ts, made from contracts/ by
 * `npm run contracts` and checked against them in CI): no compile at run time.
 */
export const marketArtifact = async () => ({
  abi: pocomputeMarketAbi,
  bytecode: pocomputeMarketBytecode,
  runtimeSize: pocomputeMarketRuntimeSize,
  compilerVersion: contractsSolcVersion,
});
