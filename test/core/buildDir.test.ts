import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDirAtomic } from '../../src/core/files.js';

/** A directory is "valid" when it holds a `content` file; its content stands for its key. */
const reuse = async (dir: string) =>
  existsSync(join(dir, 'content')) ? readFileSync(join(dir, 'content'), 'utf8') : undefined;
const building = (content: string) => async (tmp: string) => {
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'content'), content);
  return content;
};

function root(): string {
  return mkdtempSync(join(tmpdir(), 'pocompute-builddir-'));
}

describe('buildDirAtomic', () => {
  it('reuses a valid directory without building', async () => {
    const dir = join(root(), 'a');
    expect(await buildDirAtomic(dir, building('one'), { reuse })).toBe('one');
    let built = false;
    const again = await buildDirAtomic(
      dir,
      async (tmp) => {
        built = true;
        return building('two')(tmp);
      },
      { reuse },
    );
    expect([again, built]).toEqual(['one', false]);
  });

  it('force rebuilds in place and removes the directory it replaces', async () => {
    const base = root();
    const dir = join(base, 'a');
    await buildDirAtomic(dir, building('one'), { reuse });
    const result = await buildDirAtomic(dir, building('two'), { reuse, force: true });
    expect(result).toBe('two');
    expect(readFileSync(join(dir, 'content'), 'utf8')).toBe('two');
    // Nothing left beside it: the old directory is gone, no temporaries.
    expect(readdirSync(base).filter((n) => !n.includes('.lock'))).toEqual(['a']);
  });

  it('force keeps the replaced directory where keepReplaced says (another key), and only then', async () => {
    const base = root();
    const dir = join(base, 'a');
    await buildDirAtomic(dir, building('one'), { reuse });
    const keepReplaced = (old: string, rebuilt: string) =>
      old === rebuilt ? undefined : `${dir}.kept-${old}`;
    await buildDirAtomic(dir, building('two'), { reuse, force: true, keepReplaced });
    expect(readFileSync(join(dir, 'content'), 'utf8')).toBe('two');
    expect(readFileSync(join(`${dir}.kept-one`, 'content'), 'utf8')).toBe('one');
    // Same key: nothing kept.
    await buildDirAtomic(dir, building('two'), { reuse, force: true, keepReplaced });
    expect(existsSync(`${dir}.kept-two`)).toBe(false);
    expect(readdirSync(base).filter((n) => /stale|tmp/.test(n))).toEqual([]);
  });

  it('replaces an invalid directory even without force, and never keeps it', async () => {
    const base = root();
    const dir = join(base, 'a');
    mkdirSync(dir);
    writeFileSync(join(dir, 'half-written'), 'x');
    const keepReplaced = () => `${dir}.kept`;
    expect(await buildDirAtomic(dir, building('one'), { reuse, keepReplaced })).toBe('one');
    expect(existsSync(`${dir}.kept`)).toBe(false);
    expect(readdirSync(dir)).toEqual(['content']);
  });
});
