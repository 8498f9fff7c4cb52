import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex, writeFileAtomic } from '../core/files.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { SolidityOutput } from './solc.js';

/** The solc version EZKL asks svm for. */
export const EZKL_SOLC_VERSION = '0.8.20';

/**
 * Installs the npm-solc shim where svm looks for solc 0.8.20 under `engineHome` (the HOME the EZKL
 * worker runs with), so create_evm_verifier compiles offline with the same compiler pocompute uses.
 */
export async function installSolcShim(engineHome: string): Promise<string> {
  const path = join(engineHome, '.svm', EZKL_SOLC_VERSION, `solc-${EZKL_SOLC_VERSION}`);
  const main = join(PACKAGE_ROOT, 'dist', 'src', 'chain', 'solcShimMain.js');
  await writeFileAtomic(path, `#!/bin/sh\nexec "${process.execPath}" "${main}" "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

/** What the shim writes beside a verifier source it compiled for EZKL (see solcShimMain.ts). */
export interface CompiledBesideSource {
  /** sha256 of the source compiled: the reader checks it against the source it has. */
  sourceSha256: string;
  output: SolidityOutput;
}

/** Where the shim writes the contracts of the verifier source at `path`. */
export const besideSource = (path: string) => `${path}.pocompute.json`;

/**
 * The contracts the shim compiled from `source` (the text of the file at `path`) while EZKL made
 * the verifier, then removed: what `compileSolidity({ [VERIFIER_SOURCE_UNIT]: source })` returns,
 * without compiling again. Undefined when the shim did not compile these very bytes.
 */
export async function takeCompiledBesideSource(
  path: string,
  source: string,
): Promise<SolidityOutput | undefined> {
  const record = await readFile(besideSource(path), 'utf8')
    .then((text) => JSON.parse(text) as CompiledBesideSource)
    .catch(() => undefined);
  await rm(besideSource(path), { force: true });
  return record?.sourceSha256 === sha256Hex(source) ? record.output : undefined;
}
