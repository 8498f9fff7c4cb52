import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../core/config.js';
import { PocomputeError } from '../core/errors.js';
import { homePaths } from '../core/paths.js';

export interface CacheEntry {
  kind: 'artifacts' | 'srs';
  name: string;
  path: string;
  bytes: number;
  /** When it was last built or used (prove, compile and deploy mark what they use). */
  modified: Date;
  /** For artifacts: the model's file name, the circuit size and the sha256 of its verifying key. */
  model?: string;
  logrows?: number;
  vkSha256?: string;
}

/**
 * Everything pocompute caches that can be rebuilt: compiled artifacts — under the home and under the
 * configured artifactsDir (pocompute.config.json, POCOMPUTE_ARTIFACTS_DIR), where compile writes
 * them — and SRS files.
 */
export async function listCache(): Promise<CacheEntry[]> {
  const entries: CacheEntry[] = [];
  const configured = (await resolveConfig()).artifactsDir;
  const roots: [CacheEntry['kind'], string][] = [['artifacts', homePaths.artifacts()]];
  if (configured && resolve(configured) !== resolve(homePaths.artifacts()))
    roots.push(['artifacts', resolve(configured)]);
  roots.push(['srs', homePaths.srs()]);
  for (const [kind, root] of roots) {
    if (!existsSync(root)) continue;
    for (const name of await readdir(root)) {
      if (name.includes('.tmp-') || name.endsWith('.lock')) continue; // in progress or a lock
      const path = join(root, name);
      const info = await stat(path);
      const entry: CacheEntry = {
        kind,
        name,
        path,
        bytes: await sizeOf(path),
        modified: info.mtime,
      };
      if (kind === 'artifacts') Object.assign(entry, await artifactsSummary(path));
      entries.push(entry);
    }
  }
  return entries.sort((a, b) => b.modified.getTime() - a.modified.getTime());
}

async function artifactsSummary(
  dir: string,
): Promise<Pick<CacheEntry, 'model' | 'logrows' | 'vkSha256'>> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    return {
      model: manifest?.model?.name,
      logrows: manifest?.circuit?.logrows,
      vkSha256: manifest?.files?.['vk.key'],
    };
  } catch {
    return {};
  }
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}

/**
 * The entries a user named: by name, by path, or by a prefix (8 hex digits at least) of the sha256
 * of their verifying key. A name that matches nothing is a usage error, and nothing is removed.
 */
export function selectCacheEntries(entries: CacheEntry[], names: string[]): CacheEntry[] {
  const chosen = new Set<CacheEntry>();
  for (const wanted of names) {
    const vkPrefix = /^[0-9a-f]{8,64}$/i.test(wanted) ? wanted.toLowerCase() : undefined;
    const matches = entries.filter(
      (e) =>
        e.name === wanted ||
        e.path === resolve(wanted) ||
        (vkPrefix !== undefined && e.vkSha256?.startsWith(vkPrefix)),
    );
    if (matches.length === 0)
      throw new PocomputeError('USAGE', `no cache entry is named ${wanted}`, {
        hint: 'Run `pocompute cache ls` for the names, paths and verifying-key hashes.',
      });
    for (const m of matches) chosen.add(m);
  }
  return [...chosen];
}

/** Removes the entries last modified before `olderThan` (all of them without it). */
export async function removeCacheEntries(
  entries: CacheEntry[],
  olderThan?: Date,
): Promise<{ removed: CacheEntry[]; freedBytes: number }> {
  const removed = entries.filter((e) => !olderThan || e.modified < olderThan);
  for (const entry of removed) await rm(entry.path, { recursive: true, force: true });
  return { removed, freedBytes: removed.reduce((sum, e) => sum + e.bytes, 0) };
}

/**
 * Marks compiled artifacts (and the SRS they were set up with) as used now: reading does not
 * change a directory's mtime, and `cache prune` goes by it. Best effort: a read-only home is fine.
 */
export async function markCacheUse<T extends { dir: string; manifest: { srs: { path: string } } }>(
  artifacts: T,
): Promise<T> {
  const now = new Date();
  await Promise.all(
    [artifacts.dir, artifacts.manifest.srs.path].map((path) =>
      utimes(path, now, now).catch(() => {}),
    ),
  );
  return artifacts;
}
