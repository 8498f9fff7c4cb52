import { existsSync } from 'node:fs';
import { link, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { requireRegularFile, sha256File } from '../core/files.js';
import { withFileLock } from '../core/lock.js';
import { homePaths } from '../core/paths.js';
import { removeStaleTemps, tmpSuffix } from '../core/tempDirs.js';
import type { Reporter } from '../core/output.js';
import type { SrsOrigin } from '../proof/checkBundle.js';

/** Where an SRS came from; `insecure-dev` is generated locally and must never secure real value. */

export interface ResolvedSrs {
  path: string;
  sha256: string;
  origin: SrsOrigin;
  logrows: number;
}

/** How a user asks for an SRS: "dev", "download", or a path to a file. */
export type SrsSpec = string;

export const INSECURE_DEV_WARNING =
  'insecure-dev SRS: generated on this machine by EZKL gen_srs, whose secret is not destroyed. Fine for local runs and tests; worthless as a guarantee to anyone else.';

/** A stable identity for cache keys: the spec itself, or the content of a user's file. */
export async function srsIdentity(spec: SrsSpec): Promise<string> {
  if (spec === 'dev' || spec === 'download') return spec;
  return `file:${await sha256File(await requireSrsFile(spec))}`;
}

/** KZG params files are: k (u32 LE), 2^k G1 points, 2^k Lagrange G1 points, then G2 and s·G2. */
const G1_BYTES = 64;
const G2_PAIR_BYTES = 256;
export const srsFileSize = (k: number) => 4 + 2 * 2 ** k * G1_BYTES + G2_PAIR_BYTES;

/** Checks an SRS file's header and size without reading it all: a truncated download fails here. */
export async function checkSrsFile(path: string, logrows: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(4);
    await handle.read(header, 0, 4, 0);
    const k = header.readUInt32LE(0);
    const { size } = await stat(path);
    if (k > 28 || size !== srsFileSize(k)) {
      throw new PocomputeError(
        'SRS_INVALID',
        `${path} is not a KZG SRS file (size ${size} does not match its header k=${k})`,
      );
    }
    if (k < logrows)
      throw new PocomputeError(
        'SRS_INVALID',
        `${path} holds 2^${k} points, the circuit needs 2^${logrows}`,
      );
    return k;
  } finally {
    await handle.close();
  }
}

async function requireSrsFile(spec: string): Promise<string> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new PocomputeError('SRS_INVALID', `SRS file not found: ${spec}`);
  // A device or a pipe never ends: it would be hashed (or read by EZKL) forever.
  return requireRegularFile(path, 'SRS file', 'SRS_INVALID');
}

/** Finds or makes the SRS for a circuit of 2^logrows rows. Dev and downloaded ones are cached per k. */
export async function resolveSrs(
  spec: SrsSpec,
  logrows: number,
  reporter?: Reporter,
): Promise<ResolvedSrs> {
  if (spec !== 'dev' && spec !== 'download') {
    const path = await requireSrsFile(spec);
    await checkSrsFile(path, logrows);
    return { path, sha256: await sha256File(path), origin: 'file', logrows };
  }
  const origin: SrsOrigin = spec === 'dev' ? 'insecure-dev' : 'public-download';
  const path = join(homePaths.srs(), `${spec === 'dev' ? 'dev' : 'public'}-k${logrows}.srs`);
  if (!existsSync(path)) {
    // Every process must use the same SRS: one makes it while the others wait on the lock, then
    // find it. A good SRS file is never replaced (keys set up with it depend on it).
    await withFileLock(
      `${path}.lock`,
      async () => {
        if (existsSync(path)) return;
        await removeStaleTemps(homePaths.srs());
        const tmp = `${path}${tmpSuffix()}`;
        const make = async () => {
          // Loaded here: verifying with a given SRS never needs the Python engine (nor its imports).
          const { getPythonEngine } = await import('./pythonEngine.js');
          const engine = await getPythonEngine(reporter);
          await engine
            .run(
              spec === 'dev'
                ? [{ op: 'gen_srs', args: { srs: tmp, logrows } }]
                : [{ op: 'get_srs', args: { srs: tmp, logrows } }],
            )
            .catch(async (error) => {
              await rm(tmp, { force: true });
              if (spec === 'download') {
                throw new PocomputeError(
                  'SRS_UNAVAILABLE',
                  `cannot download the public SRS for 2^${logrows}: ${(error as Error).message}`,
                  { cause: error },
                );
              }
              throw error;
            });
          try {
            await checkSrsFile(tmp, logrows);
            await installWithoutReplacing(tmp, path);
          } finally {
            await rm(tmp, { force: true });
          }
        };
        const label =
          spec === 'dev'
            ? `Generating an insecure dev SRS (2^${logrows})`
            : `Downloading the public KZG SRS (2^${logrows})`;
        if (reporter) await reporter.step(label, make, 'srs');
        else await make();
      },
      () => reporter?.info(`Waiting for another pocompute process making ${path}…`),
    );
  } else {
    await checkSrsFile(path, logrows).catch(async (error) => {
      // A corrupt cache entry is removed (under the lock, so never a file another process just
      // made) and rebuilt on the next run.
      await withFileLock(`${path}.lock`, async () => {
        if (
          await checkSrsFile(path, logrows).then(
            () => false,
            () => true,
          )
        )
          await rm(path, { force: true });
      });
      throw error;
    });
  }
  return { path, sha256: await sha256File(path), origin, logrows };
}

/** Puts a finished file in place unless one is there already (made by a process that lost no lock). */
async function installWithoutReplacing(tmp: string, path: string): Promise<void> {
  await link(tmp, path).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return; // unlike rename, link never replaces a file
    if (error.code === 'EPERM' || error.code === 'ENOTSUP')
      await rename(tmp, path); // no hard links here
    else throw error;
  });
}
