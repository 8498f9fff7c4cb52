import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (where package.json, fixtures/ and src/engine live), from src/ or dist/src/. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'pocompute')
      return dir;
  }
  throw new Error(`pocompute's package.json was not found above ${from}`);
}

/** pocompute's own state: the managed EZKL venv, the SRS cache, compiled artifacts, deployments. */
export function pocomputeHome(): string {
  return resolve(process.env.POCOMPUTE_HOME ?? join(homedir(), '.pocompute'));
}

export const homePaths = {
  engine: () => join(pocomputeHome(), 'engine'),
  srs: () => join(pocomputeHome(), 'srs'),
  artifacts: () => join(pocomputeHome(), 'artifacts'),
  deployments: () => join(pocomputeHome(), 'deployments'),
  chain: () => join(pocomputeHome(), 'chain'),
  workers: () => join(pocomputeHome(), 'workers'),
  /** Compiled Solidity verifiers, content-addressed: `<sha256 of the .sol source>.json`. */
  evm: () => join(pocomputeHome(), 'evm'),
  /** EZKL's Solidity verifiers, compiled once per key: `<sha256>/contracts.json`. */
  verifiers: () => join(pocomputeHome(), 'verifiers'),
  /** Caches that only save time (V8's compiled code of the in-process EVM: `v8/`). */
  cache: () => join(pocomputeHome(), 'cache'),
};

export function fixturePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, 'fixtures', ...parts);
}
