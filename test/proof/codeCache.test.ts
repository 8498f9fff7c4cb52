import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const CODE_CACHE = join(import.meta.dirname, '..', '..', 'dist', 'src', 'proof', 'codeCache.js');

const MODULE = `
  const { createHash } = require('node:crypto');
  exports.square = (x) => x * x;
  exports.digest = (text) => createHash('sha256').update(text).digest('hex').slice(0, 8);
`;

/**
 * Loads the module in a new process (V8 keeps compiled scripts per process, which would hide
 * whether the cache on disk was used), calls it, records the cache; returns what it saw.
 */
function loadInProcess(file: string, home: string) {
  const script = `
    const { loadWithCodeCache } = await import(${JSON.stringify(pathToFileURL(CODE_CACHE).href)});
    const loaded = loadWithCodeCache(new URL(${JSON.stringify(pathToFileURL(file).href)}));
    const result = { usedCache: loaded.usedCache, square: loaded.exports.square(7), digest: loaded.exports.digest('a') };
    loaded.save();
    process.stdout.write(JSON.stringify(result));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, POCOMPUTE_HOME: home },
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { usedCache: boolean; square: number; digest: string };
}

describe("loadWithCodeCache: a CommonJS bundle with V8's code cache under the home", () => {
  it('records the cache once, uses it next time, and compiles as usual from a damaged one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocompute-code-cache-'));
    const home = join(dir, 'home');
    const file = join(dir, 'runtime.cjs');
    await writeFile(file, MODULE);
    const answers = { square: 49, digest: 'ca978112' };

    expect(loadInProcess(file, home)).toEqual({ usedCache: false, ...answers });
    const cacheDir = join(home, 'cache', 'v8');
    const recorded = await readdir(cacheDir);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatch(new RegExp(`^runtime\\.cjs-${process.version}-`));
    expect(loadInProcess(file, home)).toEqual({ usedCache: true, ...answers });

    await writeFile(join(cacheDir, recorded[0]), 'not a V8 code cache');
    expect(loadInProcess(file, home)).toEqual({ usedCache: false, ...answers });
    expect(loadInProcess(file, home)).toEqual({ usedCache: true, ...answers });

    // Another source of the same length: V8 alone would run the recorded code of the old one (it
    // checks the length only); the key names the content, so this one is compiled.
    await writeFile(file, MODULE.replace('x * x', 'x + x'));
    expect(loadInProcess(file, home)).toEqual({ usedCache: false, square: 14, digest: 'ca978112' });
  });
});
