import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { tempDir } from '../helpers/pocompute.js';

/**
 * docs/library.md's examples, run as a consumer runs them: every ```ts block is transpiled by
 * esbuild (types stripped, imports kept verbatim) and run by node in a project whose
 * node_modules/pocompute is this package (the built dist/ is what `import 'pocompute'` loads);
 * the ```js cjs block runs as CommonJS. A block asserts what it shows, so a broken API fails its
 * block. Blocks run in document order, each in its own directory of the one project: each stands
 * alone, as a reader copies it; what they share is the pocompute home (compiled artifacts). The
 * ts blocks also type-check (tsc --strict) against the package's .d.ts, which running them cannot
 * tell (esbuild only strips types).
 */

interface Block {
  /** The line of the opening fence in docs/library.md. */
  line: number;
  lang: string;
  info: string;
  code: string;
}

/**
 * Blocks marked ```ts no-run, by their first line, and why the test cannot run them. Adding one is
 * a decision, taken here.
 */
const NOT_RUN: Record<string, string> = {
  "import { verifyBundleProof } from 'pocompute/browser';":
    "a page's script: it fetches the bundle by a URL relative to the page and pins the page's " +
    'own PINNED_CODE_HASH; the block after it makes the same calls in Node, and runs',
};

const DOC = join(PACKAGE_ROOT, 'docs', 'library.md');

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`docs/library.md:${start + 1}: unclosed code block`);
    blocks.push({ line: start + 1, lang: open[1], info: open[2].trim(), code: body.join('\n') });
  }
  return blocks;
}

const blocks = codeBlocks(readFileSync(DOC, 'utf8'));
const noRun = (b: Block) => /(^|\s)no-run(\s|$)/.test(b.info);
const esm = blocks.filter((b) => b.lang === 'ts' && !noRun(b));
const cjs = blocks.filter((b) => b.lang === 'js' && /(^|\s)cjs(\s|$)/.test(b.info));
const run = [...esm, ...cjs].sort((a, b) => a.line - b.line);

/** The names a block imports from `entry` as values (not `type` imports). */
function valueImports(code: string, entry: string): string[] {
  const names: string[] = [];
  const from = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*'${entry}'`, 'g');
  for (const [, list] of code.matchAll(from))
    for (const item of list.split(',').map((s) => s.trim()))
      if (item && !item.startsWith('type ')) names.push(item.split(/\s+as\s+/)[0]);
  return names;
}

/** Does a block that runs import `name` from `entry` and use it past its imports? */
const exercised = (name: string, entry: string) =>
  esm.some(
    (b) =>
      valueImports(b.code, entry).includes(name) &&
      new RegExp(`\\b${name}\\b`).test(b.code.replace(/^import[^;]*;/gm, '')),
  );

describe('docs/library.md', () => {
  it('marks every ts or js block it does not run, for a reason the test states', () => {
    const unmarked = blocks.filter(
      (b) => (b.lang === 'ts' || b.lang === 'js') && !noRun(b) && !run.includes(b),
    );
    expect(unmarked.map((b) => b.line)).toEqual([]);
    const marked = blocks.filter(noRun).map((b) => b.code.split('\n')[0]);
    expect(marked).toEqual(Object.keys(NOT_RUN));
  });

  it('has a running example of every value pocompute and pocompute/browser export', async () => {
    const missing = [
      ...Object.keys(await import('../../src/index.js'))
        .filter((name) => !exercised(name, 'pocompute'))
        .map((name) => `pocompute: ${name}`),
      ...Object.keys(await import('../../src/browser.js'))
        .filter((name) => !exercised(name, 'pocompute/browser'))
        .map((name) => `pocompute/browser: ${name}`),
    ];
    expect(missing).toEqual([]);
  });
});

describe('docs/library.md examples, run in a consumer project', () => {
  const project = tempDir('pocompute-library-examples-');
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(PACKAGE_ROOT, join(project, 'node_modules', 'pocompute'), 'dir');
  writeFileSync(
    join(project, 'package.json'),
    '{"name":"consumer","version":"1.0.0","type":"module","private":true}\n',
  );

  it('every ts block type-checks against the types the package ships (tsc --strict)', async () => {
    const dir = join(project, 'typecheck');
    mkdirSync(dir);
    for (const block of blocks.filter((b) => b.lang === 'ts' && !noRun(b)))
      writeFileSync(join(dir, `line-${block.line}.ts`), block.code);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: true,
          verbatimModuleSyntax: true,
          resolveJsonModule: true,
          // @types/node, as a consumer has it: here, the package's own.
          types: ['node'],
          typeRoots: [join(PACKAGE_ROOT, 'node_modules', '@types')],
        },
        include: ['*.ts'],
      }),
    );
    const tsc = join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await runNode(tsc, dir, ['-p', 'tsconfig.json']);
    expect(result.stdout.replace(/^line-(\d+)\.ts/gm, 'docs/library.md:$1 block')).toBe('');
    expect(result.code).toBe(0);
  });

  for (const block of run) {
    const names = [
      ...valueImports(block.code, 'pocompute'),
      ...valueImports(block.code, 'pocompute/browser'),
    ];
    const what =
      block.lang === 'ts'
        ? names.join(', ') || (/from '(pocompute[^']*)'/.exec(block.code)?.[1] ?? 'no pocompute')
        : 'CommonJS';
    it(`docs/library.md:${block.line} (${what})`, async () => {
      const dir = join(project, `line-${block.line}`);
      mkdirSync(dir);
      const file = join(dir, block.lang === 'ts' ? 'example.mjs' : 'example.cjs');
      const js =
        block.lang === 'ts'
          ? (
              await transform(block.code, {
                loader: 'ts',
                format: 'esm',
                // Imports as written: an import the block does not use still loads and links.
                tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
              })
            ).code
          : block.code;
      writeFileSync(file, js);
      const result = await runNode(file, dir);
      expect(
        result.code,
        `docs/library.md:${block.line} exited ${result.code}\n${result.stderr.slice(-4000)}`,
      ).toBe(0);
    });
  }
});

function runNode(
  file: string,
  cwd: string,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
