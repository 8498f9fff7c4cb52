import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fileHashCounts,
  readFileSha256,
  resetFileHashes,
  SMALL_FILE_BYTES,
  sha256File,
} from '../../src/core/fileHash.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pocompute-filehash-'));
  resetFileHashes();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('file hashes, once per process while a file is unchanged', () => {
  it('hashes a file once however often and by whichever reader it is asked', async () => {
    const path = join(dir, 'pk.key');
    await writeFile(path, 'proving key');
    expect(await sha256File(path)).toBe(sha('proving key'));
    expect(await sha256File(path)).toBe(sha('proving key'));
    const read = await readFileSha256(path);
    expect(read.bytes.toString()).toBe('proving key');
    expect(read.sha256).toBe(sha('proving key'));
    expect(fileHashCounts().get(path)).toBe(1);
  });

  it('hashes a file once when several ask at the same time (parallel stage proofs, one SRS)', async () => {
    const path = join(dir, 'dev-k9.srs');
    await writeFile(path, Buffer.alloc(1 << 20, 7));
    const hashes = await Promise.all([sha256File(path), sha256File(path), sha256File(path)]);
    expect(new Set(hashes).size).toBe(1);
    expect(fileHashCounts().get(path)).toBe(1);
  });

  it('streams a file over the small-file size, once for every reader, sync or streamed', async () => {
    const path = join(dir, 'pk.key');
    const bytes = Buffer.alloc(SMALL_FILE_BYTES + 1, 3);
    await writeFile(path, bytes);
    const expected = createHash('sha256').update(bytes).digest('hex');
    const hashes = await Promise.all([sha256File(path), sha256File(path), readFileSha256(path)]);
    expect(hashes.map((h) => (typeof h === 'string' ? h : h.sha256))).toEqual([
      expected,
      expected,
      expected,
    ]);
    expect(fileHashCounts().get(path)).toBe(1);
    // A small file next to it is read in one call, and remembered as the streamed one is.
    const small = join(dir, 'vk.key');
    await writeFile(small, 'key');
    expect((await readFileSha256(small)).sha256).toBe(sha('key'));
    expect(await sha256File(small)).toBe(sha('key'));
    expect(fileHashCounts().get(small)).toBe(1);
  });

  it('refuses a device or a pipe (they never end) before reading it', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const path of ['/dev/zero', fifo, dir]) {
      await expect(readFileSha256(path)).rejects.toThrow(/not a regular file/);
      await expect(sha256File(path)).rejects.toThrow(/not a regular file/);
    }
  });

  it('hashes again a file rewritten in place, even with its old mtime and size restored', async () => {
    const path = join(dir, 'settings.json');
    await writeFile(path, 'aaaa');
    const before = await stat(path);
    expect(await sha256File(path)).toBe(sha('aaaa'));
    await writeFile(path, 'bbbb');
    await utimes(path, before.atime, before.mtime);
    expect((await readFileSha256(path)).sha256).toBe(sha('bbbb'));
    expect(await sha256File(path)).toBe(sha('bbbb'));
    expect(fileHashCounts().get(path)).toBe(2);
  });

  it('hashes again a file replaced under the same path (another inode)', async () => {
    const path = join(dir, 'model.onnx');
    await writeFile(path, 'first');
    expect((await readFileSha256(path)).sha256).toBe(sha('first'));
    await writeFile(join(dir, 'next'), 'other');
    await rename(join(dir, 'next'), path);
    expect((await readFileSha256(path)).sha256).toBe(sha('other'));
    expect(fileHashCounts().get(path)).toBe(2);
  });

  it('finds a file whose directory was renamed (an atomic build) without hashing it again', async () => {
    await writeFile(join(dir, 'vk.key'), 'verifying key');
    await mkdir(join(dir, 'build.tmp'));
    await rename(join(dir, 'vk.key'), join(dir, 'build.tmp', 'vk.key'));
    await sha256File(join(dir, 'build.tmp', 'vk.key'));
    await rename(join(dir, 'build.tmp'), join(dir, 'artifacts'));
    expect(await sha256File(join(dir, 'artifacts', 'vk.key'))).toBe(sha('verifying key'));
    expect(fileHashCounts().get(join(dir, 'artifacts', 'vk.key'))).toBeUndefined();
  });
});

describe('large file hashes, kept across processes while a file is unchanged', () => {
  const home = process.env.POCOMPUTE_HOME;
  beforeEach(() => {
    process.env.POCOMPUTE_HOME = join(dir, 'home');
  });
  afterEach(() => {
    process.env.POCOMPUTE_HOME = home;
  });
  const settle = () => new Promise((done) => setTimeout(done, 1100));
  const big = (fill: number) => Buffer.alloc(SMALL_FILE_BYTES + 1, fill);
  const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const keep = { keep: true };
  /** A large file written over a second ago (as a key is by the prove after its compile). */
  const settledFile = async (name: string, fill: number) => {
    const path = join(dir, name);
    await writeFile(path, big(fill));
    await settle();
    return path;
  };

  it('finds the hash of an unchanged proving key in a later process without reading it', async () => {
    const path = await settledFile('pk.key', 1);
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    expect(fileHashCounts().get(path)).toBe(1);
    resetFileHashes(); // what a new process remembers of its own
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    expect(fileHashCounts().get(path)).toBeUndefined();
  });

  it('hashes again a kept file rewritten in place, with its old mtime and size restored', async () => {
    const path = await settledFile('pk.key', 1);
    const before = await stat(path);
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    await writeFile(path, big(2));
    await utimes(path, before.atime, before.mtime);
    await settle();
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(2)));
    expect(fileHashCounts().get(path)).toBe(1);
  });

  it('hashes again a kept file replaced under the same path, and one just written', async () => {
    const path = await settledFile('kzg.srs', 1);
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    await writeFile(join(dir, 'next'), big(3));
    await rename(join(dir, 'next'), path);
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(3)));
    // Read within a second of its last change: not kept, so a later process reads it again.
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(3)));
    expect(fileHashCounts().get(path)).toBe(1);
  });

  it('keeps nothing for a check that does not ask (a verdict), nor serves a kept hash to readers', async () => {
    const path = await settledFile('kzg.srs', 1);
    expect(await sha256File(path)).toBe(digest(big(1))); // verify's: not kept
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    expect(fileHashCounts().get(path)).toBe(1); // hashed: nothing was kept before
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(1))); // kept now
    expect(fileHashCounts().get(path)).toBeUndefined();
    // Those who read the bytes, or decide a verdict, hash them themselves.
    expect((await readFileSha256(path)).sha256).toBe(digest(big(1)));
    expect(await sha256File(path)).toBe(digest(big(1)));
    expect(fileHashCounts().get(path)).toBe(1);
  });

  it('reads no record through a FIFO or a link to a device (it hashes instead, and does not hang)', async () => {
    const path = await settledFile('pk.key', 1);
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    const records = join(dir, 'home', 'cache', 'sha256');
    const [record] = await readdir(records);
    await rm(join(records, record));
    execFileSync('mkfifo', [join(records, record)]);
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    await rm(join(records, record));
    await symlink('/dev/zero', join(records, record));
    resetFileHashes();
    expect(await sha256File(path, keep)).toBe(digest(big(1)));
    expect(fileHashCounts().get(path)).toBe(1);
  });
});
