import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { readFileCapped, writeJsonAtomic } from '../core/files.js';
import { homePaths } from '../core/paths.js';
import type { VerifierCode, VerifierLayout } from './evm.js';
import {
  type ProofShape,
  type ReusableVkaLayout,
  reusableVkaLayout,
  shapeFromSingleVerifier,
  shapeFromVka,
} from './transcript.js';

/**
 * EZKL's Solidity verifier compiled once per source and kept under `<home>/evm/<sha256 of the
 * source>.json`: runtime bytecode, ABI, compiler, and what the source says of the proof layout —
 * so that a warm `verify` reads a small JSON file and never loads solc (~10 MB of JavaScript).
 */

const CACHE_FORMAT = 1;

/** The contract EZKL's source declares for each layout (as emitEvmVerifier picks it). */
const CONTRACT: Record<VerifierLayout, string> = {
  single: 'Halo2Verifier',
  reusable: 'Halo2VerifierReusable',
};

/** The source unit name emitEvmVerifier compiles under: it is part of the bytecode's metadata. */

interface CacheRecord {
  format: number;
  layout: VerifierLayout;
  contract: string;
  sourceSha256: string;
  compilerVersion: string;
  /** Runtime (deployed) bytecode, 0x-prefixed hex. */
  runtime: string;
  abi: unknown;
  /** single: the proof shape its source fixes. */
  shape?: ProofShape;
  /** reusable: where it reads the proof shape in a VKA. */
  vkaLayout?: ReusableVkaLayout;
}

export type LoadedVerifier = VerifierCode & {
  shape: ProofShape;
  sourceSha256: string;
  compilerVersion: string;
  /** Whether the compiled code came from the cache (false: solc compiled it now). */
  fromCache: boolean;
};

export const verifierCachePath = (sourceSha256: string) =>
  join(homePaths.evm(), `${sourceSha256}.json`);

async function readCache(
  path: string,
  sourceSha256: string,
  layout: VerifierLayout,
): Promise<CacheRecord | undefined> {
  let record: CacheRecord;
  try {
    record = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined; // absent or unreadable: compile again and replace it
  }
  const { pinnedSolcVersion } = await import('../chain/solc.js');
  const fits =
    record?.format === CACHE_FORMAT &&
    record.layout === layout &&
    record.sourceSha256 === sourceSha256 &&
    typeof record.compilerVersion === 'string' &&
    record.compilerVersion.startsWith(`${pinnedSolcVersion()}+`) &&
    typeof record.runtime === 'string' &&
    /^0x(?:[0-9a-f]{2})+$/.test(record.runtime) &&
    (layout === 'single' ? record.shape !== undefined : record.vkaLayout !== undefined);
  return fits ? record : undefined;
}

async function compile(
  source: string,
  sourceSha256: string,
  layout: VerifierLayout,
  what: string,
): Promise<CacheRecord> {
  // Read the layout first: a source pocompute cannot read is refused before solc is loaded.
  const shape = layout === 'single' ? shapeFromSingleVerifier(source, what) : undefined;
  const vkaLayout = layout === 'reusable' ? reusableVkaLayout(source, what) : undefined;
  const { compileSolidity, VERIFIER_SOURCE_UNIT } = await import('../chain/solc.js');
  const compiled = compileSolidity({ [VERIFIER_SOURCE_UNIT]: source });
  const contract = compiled.contracts[CONTRACT[layout]];
  if (!contract)
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${what}: no contract ${CONTRACT[layout]}, so not EZKL's ${layout} verifier`,
      { hint: 'Pass the verifier EZKL emitted for this layout (recompile with --force).' },
    );
  return {
    format: CACHE_FORMAT,
    layout,
    contract: CONTRACT[layout],
    sourceSha256,
    compilerVersion: compiled.compilerVersion,
    runtime: contract.deployedBytecode,
    abi: contract.abi,
    ...(shape ? { shape } : {}),
    ...(vkaLayout ? { vkaLayout } : {}),
  };
}

/**
 * EZKL's VKA file as bytes32 words: a little-endian u64 word count, then the words (bincode of
 * `Vec<[u8; 32]>`, what `create_evm_vka` writes); a JSON array of 0x-hex words is accepted too.
 */
export function parseVka(file: Uint8Array, what = 'VKA'): string[] {
  const bytes = Buffer.from(file);
  if (bytes.length >= 8 && (bytes.length - 8) % 32 === 0) {
    const count = bytes.readBigUInt64LE(0);
    if (count === BigInt((bytes.length - 8) / 32))
      return Array.from(
        { length: Number(count) },
        (_, i) => `0x${bytes.subarray(8 + 32 * i, 40 + 32 * i).toString('hex')}`,
      );
  }
  try {
    const words = JSON.parse(bytes.toString('utf8'));
    if (
      Array.isArray(words) &&
      words.length > 0 &&
      words.every((w) => typeof w === 'string' && /^0x[0-9a-fA-F]{64}$/.test(w))
    )
      return words.map((w: string) => w.toLowerCase());
  } catch {
    // not JSON either
  }
  throw new PocomputeError(
    'ARTIFACTS_INVALID',
    `${what} is not a verifying-key artifact (a u64 word count and 32-byte words, or a JSON array of them)`,
    {
      hint: 'Re-create the VKA with the verifier (recompile with --force); it is truncated or altered.',
    },
  );
}

/**
 * The code `runVerifier` runs for EZKL's Solidity verifier at `solPath`: compiled with the pinned
 * npm solc exactly as emitEvmVerifier compiles it for deployment (same source unit name, settings
 * and so bytecode), once per source — later calls read `<home>/evm/<sha256>.json` and never load
 * solc. The reusable layout needs the VKA (`vkaPath`), whose shape it reads as the verifier does.
 */
export async function loadVerifierCode(
  solPath: string,
  options: { layout: VerifierLayout; vkaPath?: string },
): Promise<LoadedVerifier> {
  const { layout } = options;
  const what = `the ${layout} verifier ${solPath}`;
  const source = (
    await readFileCapped(solPath, `${layout} verifier source`, 'ARTIFACTS_INVALID')
  ).toString('utf8');
  const sourceSha256 = createHash('sha256').update(source).digest('hex');
  const path = verifierCachePath(sourceSha256);
  let record = await readCache(path, sourceSha256, layout);
  const fromCache = record !== undefined;
  if (!record) {
    record = await compile(source, sourceSha256, layout, what);
    await writeJsonAtomic(path, record);
  }
  const runtime = Uint8Array.from(Buffer.from(record.runtime.slice(2), 'hex'));
  const meta = { sourceSha256, compilerVersion: record.compilerVersion, fromCache };
  if (layout === 'single') return { layout, runtime, shape: record.shape!, ...meta };
  if (!options.vkaPath)
    throw new PocomputeError('INTERNAL', `${what}: the reusable layout needs its VKA (vkaPath)`);
  const vka = parseVka(
    await readFileCapped(options.vkaPath, 'verifying-key artifact (VKA)', 'ARTIFACTS_INVALID'),
    options.vkaPath,
  );
  return { layout, runtime, vka, shape: shapeFromVka(vka, record.vkaLayout), ...meta };
}
