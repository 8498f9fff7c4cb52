import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import { PACKAGE_ROOT } from '../core/paths.js';

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
