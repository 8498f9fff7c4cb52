import { createHash } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PocomputeError } from './errors.js';
import { homePaths } from './paths.js';
import { tmpSuffix } from './tempDirs.js';

/**
 * sha256 of files, each computed once per process while the file stays the same: one prove reads
 * the model, the artifacts and the SRS in several places (compile's cache lookup, the artifacts
 * check, the bundle, the self-check, each stage's proof), and hashing a 100+ MB proving key or
 * SRS each time costs more than the check is worth. A hash is remembered under the identity of
 * the file it was read from (device, inode, size, mtime and ctime in ns, taken on the open file
 * before and after reading): any write changes the ctime, which no user call can set back, and a
 * file replaced under the same path is another inode; either is hashed again (see identityOf for
 * filesystems with whole-second timestamps). A file that changed
 * while it was read is not remembered. Concurrent requests for one file share one hashing.
 */
const known = new Map<string, Promise<string>>();
const hashCounts = new Map<string, number>();

/**
 * The file's identity, or undefined when it cannot be trusted to change with the content: on a
 * filesystem with whole-second timestamps (both mtime and ctime whole), a file changed less than
 * 2 s ago could change again within the same second unseen (git's "racily clean" entries).
 */
function identityOf(s: BigIntStats): string | undefined {
  const second = 1_000_000_000n;
  const coarse = s.mtimeNs % second === 0n && s.ctimeNs % second === 0n;
  const recent = BigInt(Date.now()) * 1_000_000n - s.ctimeNs < 2n * second;
  if (coarse && recent) return undefined;
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

const counted = (path: string) => hashCounts.set(path, (hashCounts.get(path) ?? 0) + 1);

/**
 * Hashes a prover checks on every prove (its proving key, its SRS: `sha256File(path, { keep:
 * true })`) are kept across processes too, under the home (`cache/sha256/`), by the same
 * identity: hashing a real model's key (GBs) cost seconds of CPU beside EZKL's proof on each
 * prove. A record serves only the very identity it names: a written or replaced file has another
 * (its ctime or inode). Only a file unchanged for KEEP_AFTER_NS before it was read is kept: the
 * kernel stamps ctime from a coarse clock (a few ms), so a write in the same tick as the last one,
 * during the read, would leave the identity as it was.
 *
 * The identity does not follow every change, so no verdict rests on a kept hash: a write through
 * a shared mmap to a page already dirty changes no time, and a network or FUSE filesystem reports
 * what its server says. Only a prover's own checks keep: a key or SRS changed unseen makes a proof
 * its verifier refuses (prove's self-check, SELF_CHECK_FAILED), never a wrong verdict. A kept hash
 * is not remembered in this process either, so readFileSha256 hashes what it reads. The records
 * sit beside the artifacts they describe (one home): whoever can write them can write the
 * artifacts. A home that cannot be written costs a hash.
 */
const KEEP_AFTER_NS = 1_000_000_000n;

/** A record is a line of JSON: anything larger is not one of ours. */
const KEPT_RECORD_BYTES = 1024;

function keptPath(identity: string): string {
  const name = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  return join(homePaths.cache(), 'sha256', `${name}.json`);
}

function keptSha256(identity: string): string | undefined {
  let fd: number | undefined;
  try {
    // Not through a link, not blocking on a FIFO, and only a small regular file is read.
    fd = openSync(
      keptPath(identity),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > KEPT_RECORD_BYTES) return undefined;
    const record = JSON.parse(readFileSync(fd, 'utf8')) as {
      identity?: unknown;
      sha256?: unknown;
    } | null;
    const sha256 = record?.sha256;
    return record?.identity === identity &&
      typeof sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(sha256)
      ? sha256
      : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function keep(identity: string, sha256: string): void {
  const path = keptPath(identity);
  const temporary = `${path}${tmpSuffix()}`;
  try {
    mkdirSync(join(homePaths.cache(), 'sha256'), { recursive: true });
    writeFileSync(temporary, JSON.stringify({ identity, sha256 }));
    renameSync(temporary, path);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written, or nothing can be removed: the next hash tries again.
    }
  }
}

/**
 * Files up to this size are read with one synchronous call: a verifier's settings, key and code
 * are a few KiB, and each asynchronous step (open, stat, read, close) is a round trip through the
 * thread pool that cost a warm verification ~3 ms of waiting. Larger files (a proving key, an SRS)
 * are streamed and leave the event loop free.
 */
export const SMALL_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The file's sha256 (streamed, never held whole in memory), remembered in this process while it is
 * unchanged. `keep`: a prover's own check of a large file (its proving key, its SRS), whose hash
 * is also kept for later processes (KEEP_AFTER_NS); never for a verdict.
 */
export async function sha256File(path: string, options: { keep?: boolean } = {}): Promise<string> {
  const absolute = resolve(path);
  const small = smallFileSha256(absolute);
  if (small !== undefined) return small;
  const handle = await open(absolute, 'r');
  try {
    const stats = await handle.stat({ bigint: true });
    const identity = identityOf(stats);
    const remembered = identity && known.get(identity);
    if (remembered) return await remembered;
    const kept = options.keep && identity ? keptSha256(identity) : undefined;
    if (kept) return kept;
    const settledBefore =
      options.keep && BigInt(Date.now()) * 1_000_000n - stats.ctimeNs > KEEP_AFTER_NS;
    const hashing = (async () => {
      counted(absolute);
      const hash = createHash('sha256');
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false }))
        hash.update(chunk as Buffer);
      const sha256 = hash.digest('hex');
      if (identity && identityOf(await handle.stat({ bigint: true })) !== identity)
        known.delete(identity);
      else if (identity && settledBefore) keep(identity, sha256);
      return sha256;
    })();
    if (identity) {
      known.set(identity, hashing);
      hashing.then((sha256) => settled.set(hashing, sha256)).catch(() => undefined);
      // A failed read is not remembered: the next request tries again.
      hashing.catch(() => known.delete(identity));
    }
    return await hashing;
  } finally {
    await handle.close();
  }
}

/**
 * sha256File for a small file, synchronously; undefined for a large one (streamed instead), or one
 * whose hash is still being computed by a stream (shared, as every concurrent request is).
 */
function smallFileSha256(absolute: string): string | undefined {
  const read = readSmallFile(absolute);
  if (!read) return undefined;
  return read.sha256 ?? hashRead(absolute, read);
}

/**
 * Only a regular file has an end: a device (`/dev/zero` reports size 0) or a FIFO would be read,
 * and held or hashed, forever. Callers check what they are given; this is the last line.
 */
function requireRegular(stats: BigIntStats, absolute: string): void {
  if (!stats.isFile())
    throw new PocomputeError(
      'INPUT_INVALID',
      `${absolute} is not a regular file (a directory, device or pipe): it cannot be hashed`,
      { hint: 'Pass the path of the file itself.' },
    );
}

interface SmallRead {
  bytes: Buffer;
  /** The identity, when the file had it both before and after the read. */
  identity?: string;
  /** The remembered hash of that identity, when it was computed already. */
  sha256?: string;
}

/** Reads a file of at most SMALL_FILE_BYTES whole, synchronously (undefined when larger). */
function readSmallFile(absolute: string): SmallRead | undefined {
  // Checked before opening too: opening a FIFO to read waits for a writer.
  requireRegular(statSync(absolute, { bigint: true }), absolute);
  const fd = openSync(absolute, 'r');
  try {
    const before = fstatSync(fd, { bigint: true });
    requireRegular(before, absolute);
    if (before.size > BigInt(SMALL_FILE_BYTES)) return undefined;
    const identity = identityOf(before);
    const remembered = identity ? known.get(identity) : undefined;
    // A hash a stream is still computing is awaited by the asynchronous path.
    if (remembered && !settled.has(remembered)) return undefined;
    const bytes = readFileSync(fd);
    const unchanged =
      identity !== undefined && identityOf(fstatSync(fd, { bigint: true })) === identity;
    if (!unchanged) return { bytes };
    return { bytes, identity, sha256: remembered ? settled.get(remembered) : undefined };
  } finally {
    closeSync(fd);
  }
}

function hashRead(absolute: string, read: SmallRead): string {
  counted(absolute);
  const sha256 = createHash('sha256').update(read.bytes).digest('hex');
  if (read.identity) remember(read.identity, sha256);
  return sha256;
}

/** Hashes known whole (computed synchronously, or a stream's that has finished). */
const settled = new WeakMap<Promise<string>, string>();

function remember(identity: string, sha256: string): void {
  const done = Promise.resolve(sha256);
  settled.set(done, sha256);
  known.set(identity, done);
}

/**
 * The file's bytes and the sha256 of those very bytes (what is checked is what is used), the hash
 * computed only when this file, as it is now, was not hashed before in this process.
 */
export async function readFileSha256(path: string): Promise<{ bytes: Buffer; sha256: string }> {
  const absolute = resolve(path);
  const small = readSmallFile(absolute);
  if (small) return { bytes: small.bytes, sha256: small.sha256 ?? hashRead(absolute, small) };
  const handle = await open(absolute, 'r');
  try {
    const identity = identityOf(await handle.stat({ bigint: true }));
    const bytes = await handle.readFile();
    const unchanged =
      identity !== undefined && identityOf(await handle.stat({ bigint: true })) === identity;
    const remembered = unchanged ? known.get(identity) : undefined;
    const sha256 = remembered ? await remembered.catch(() => undefined) : undefined;
    if (sha256) return { bytes, sha256 };
    counted(absolute);
    const computed = createHash('sha256').update(bytes).digest('hex');
    if (unchanged) remember(identity, computed);
    return { bytes, sha256: computed };
  } finally {
    await handle.close();
  }
}

/**
 * For tests only: how many times each file (absolute path) had its bytes hashed in this process
 * since the last reset — what "each file is hashed once" is checked against.
 */
export function fileHashCounts(): Map<string, number> {
  return new Map(hashCounts);
}

/** For tests only: forgets every remembered hash and count. */
export function resetFileHashes(): void {
  known.clear();
  hashCounts.clear();
}
