import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { homePaths } from '../core/paths.js';

/** A CommonJS module loaded with V8's code cache, and the means to record that cache. */
export interface CachedModule<T> {
  exports: T;
  /** Whether V8 used a recorded cache (false: none was recorded yet, or V8 refused it). */
  usedCache: boolean;
  /**
   * Records V8's compiled code for the module, functions compiled since loading included (so call it
   * after the module did its work once). Does nothing when a valid cache was used or recorded
   * already; a failure to write (read-only home) is ignored: the cache only saves time.
   */
  save(): void;
}

/**
 * Loads a bundled CommonJS module with V8's code cache under the pocompute home (`cache/v8`), keyed
 * by the sha256 of the module's source, Node's version and the architecture: a cold `pocompute
 * verify` then skips parsing and compiling the in-process EVM (a million bytes of JavaScript), about
 * a tenth of its time. Node 20 has no compile cache of its own (module.enableCompileCache is Node
 * 22). The key must name the content: V8 checks a cache against the source's *length* only, and runs
 * the recorded code of another source of the same length (a test shows it). V8 refuses a damaged
 * cache or one of other flags; the module then compiles as usual and the cache is recorded again.
 */
export function loadWithCodeCache<T>(url: URL): CachedModule<T> {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const cacheFile = join(
    homePaths.cache(),
    'v8',
    `${basename(file)}-${process.version}-${process.arch}-${createHash('sha256').update(source).digest('hex').slice(0, 32)}.bin`,
  );
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} as T };
  script.runInThisContext()(module.exports, createRequire(file), module);
  const usedCache = cachedData !== undefined && !script.cachedDataRejected;
  let saved = usedCache;
  return {
    exports: module.exports,
    usedCache,
    save() {
      if (saved) return;
      saved = true;
      try {
        mkdirSync(join(homePaths.cache(), 'v8'), { recursive: true });
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
      } catch {
        // A home we cannot write to: the next process compiles the module again, nothing else.
      }
    },
  };
}
