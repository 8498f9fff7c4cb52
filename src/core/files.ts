import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { PocomputeError } from './errors.js';

/** Writes a file so that readers see either the old content or the whole new one, never a part. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(
    dirname(path),
    `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Builds a directory under a temporary name and renames it into place when `build` succeeds,
 * so that a crash or kill mid-build never leaves a directory a later run would trust.
 */
export async function buildDirAtomic<T>(
  finalDir: string,
  build: (tmpDir: string) => Promise<T>,
): Promise<T> {
  const tmpDir = `${finalDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmpDir, { recursive: true });
  try {
    const result = await build(tmpDir);
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmpDir, finalDir);
    return result;
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true });
    throw error;
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function requireFile(path: string, what: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute))
    throw new PocomputeError('FILE_NOT_FOUND', `${what} not found: ${path}`);
  return absolute;
}

export async function readJsonFile(
  path: string,
  what: string,
  code:
    | 'INPUT_INVALID'
    | 'BUNDLE_INVALID'
    | 'ARTIFACTS_INVALID'
    | 'CONFIG_INVALID'
    | 'RUN_INVALID' = 'INPUT_INVALID',
): Promise<unknown> {
  const text = await readFile(requireFile(path, what), 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the error: say where, never what (the file may be a secret).
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new PocomputeError(
      code,
      `${what} is not valid JSON${at ? ` (at byte ${at})` : ''}: ${path}`,
      { cause: error },
    );
  }
}

/** Key-sorted JSON, so that hashes of options do not depend on property order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
