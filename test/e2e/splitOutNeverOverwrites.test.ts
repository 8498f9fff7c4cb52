import { describe, expect, it } from 'vitest';

/**
 * Security review: `pocompute split --out <path>` removes whatever is at <path> (rm -rf) before
 * renaming its temporary directory there. Found by accident during the review: `--out /etc/passwd`
 * replaced the system's /etc/passwd with a split directory, exit 0. `--out .` or `--out ~` would
 * delete a whole tree. Played here only inside temporary directories.
 */
describe('split --out never destroys what is already there', () => {
  it('refuses an existing file and a directory that is not a split, leaving them intact', async () => {
    const { existsSync, readFileSync } = await import('node:fs');
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { fixtureModel, runCli, tempDir } = await import('../helpers/pocompute.js');
    const dir = tempDir('review-split-');
    const file = join(dir, 'precious.txt');
    await writeFile(file, 'keep me');
    const tree = join(dir, 'project');
    await mkdir(join(tree, 'src'), { recursive: true });
    await writeFile(join(tree, 'src', 'main.ts'), 'keep me too');
    const onFile = await runCli(['split', fixtureModel('mlp'), '--stages', '2', '--out', file]);
    const onTree = await runCli(['split', fixtureModel('mlp'), '--stages', '2', '--out', tree]);
    // Observed: both exit 0; the file and the project tree are gone, replaced by stages.json & co.
    expect.soft(existsSync(join(tree, 'src', 'main.ts'))).toBe(true);
    expect.soft(onTree.code).toBe(2);
    expect(onFile.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});
