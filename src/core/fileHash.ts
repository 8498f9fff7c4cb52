import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';

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

/** The file's sha256 (streamed, never held whole in memory), remembered while it is unchanged. */
export async function sha256File(path: string): Promise<string> {
  const absolute = resolve(path);
  const handle = await open(absolute, 'r');
  try {
    const identity = identityOf(await handle.stat({ bigint: true }));
    const remembered = identity && known.get(identity);
    if (remembered) return await remembered;
    const hashing = (async () => {
      counted(absolute);
      const hash = createHash('sha256');
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false }))
        hash.update(chunk as Buffer);
      if (identity && identityOf(await handle.stat({ bigint: true })) !== identity)
        known.delete(identity);
      return hash.digest('hex');
    })();
    if (identity) {
      known.set(identity, hashing);
      // A failed read is not remembered: the next request tries again.
      hashing.catch(() => known.delete(identity));
    }
    return await hashing;
  } finally {
    await handle.close();
  }
}

/**
 * The file's bytes and the sha256 of those very bytes (what is checked is what is used), the hash
 * computed only when this file, as it is now, was not hashed before in this process.
 */
export async function readFileSha256(path: string): Promise<{ bytes: Buffer; sha256: string }> {
  const absolute = resolve(path);
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
    if (unchanged) known.set(identity, Promise.resolve(computed));
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
