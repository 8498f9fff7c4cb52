import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, sha256Hex, writeFileAtomic } from '../core/files.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import {
  pinnedSolcVersion,
  type SolidityOutput,
  solidityInput,
  VERIFIER_SOURCE_UNIT,
} from './solc.js';

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
  format: typeof BESIDE_SOURCE_FORMAT;
  /**
   * sha256 of the standard-JSON input pocompute compiles the source with (`verifierInputSha256`):
   * the source's bytes and every setting that reaches the code. The reader computes it again, so
   * a record of other bytes, or of a pocompute that compiles differently, is never used.
   */
  inputSha256: string;
  output: SolidityOutput;
}

export const BESIDE_SOURCE_FORMAT = 'pocompute-verifier-compile/1';

/** Where the shim writes the contracts of the verifier source at `path`. */
export const besideSource = (path: string) => `${path}.pocompute.json`;

/** sha256 of what `compileSolidity({ [VERIFIER_SOURCE_UNIT]: source })` gives solc. */
export const verifierInputSha256 = (source: string) =>
  sha256Hex(canonicalJson(solidityInput({ [VERIFIER_SOURCE_UNIT]: source })));

/**
 * The contracts the shim compiled from `source` (the text of the file at `path`) while EZKL made
 * the verifier, then removed: what `compileSolidity({ [VERIFIER_SOURCE_UNIT]: source })` returns,
 * without compiling again. Undefined (and compiled by the caller) unless the record is of this very
 * input and of the pinned solc.
 */
export async function takeCompiledBesideSource(
  path: string,
  source: string,
): Promise<SolidityOutput | undefined> {
  const record = await readFile(besideSource(path), 'utf8')
    .then((text) => JSON.parse(text) as Partial<CompiledBesideSource> | null)
    .catch(() => undefined);
  await rm(besideSource(path), { force: true });
  const fits =
    record?.format === BESIDE_SOURCE_FORMAT &&
    record.inputSha256 === verifierInputSha256(source) &&
    typeof record.output?.compilerVersion === 'string' &&
    record.output.compilerVersion.startsWith(`${pinnedSolcVersion()}+`) &&
    typeof record.output.contracts === 'object';
  return fits ? (record.output as SolidityOutput) : undefined;
}
