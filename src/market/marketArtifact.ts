import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileSolidity, type CompiledSolidity } from '../chain/solc.js';
import { sha256Hex, writeJsonAtomic } from '../core/files.js';
import { PACKAGE_ROOT, pocomputeHome } from '../core/paths.js';

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

export const marketArtifact = () => contractArtifact('PocomputeMarket.sol', 'PocomputeMarket');
