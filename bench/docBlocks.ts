/**
 * The documentation's measured blocks: README.md and docs/*.md hold each table a benchmark writes
 * between `<!-- <name>:start -->` and `<!-- <name>:end -->` markers, each marker in one file only.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';

/** The Markdown files a block may live in: README.md, then docs/*.md. */
async function docFiles(): Promise<string[]> {
  const docs = join(PACKAGE_ROOT, 'docs');
  const pages = (await readdir(docs).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(docs, name));
  return [join(PACKAGE_ROOT, 'README.md'), ...pages];
}

/**
 * Replaces what lies between the `name` block's markers (kept) with `content`, in the one file of
 * README.md and docs/*.md that holds the block; returns that file's path. A block in no file, or
 * in more than one (or twice in one), is an error: a table must be written to exactly one place.
 */
export async function replaceDocBlock(name: string, content: string): Promise<string> {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const found: { path: string; text: string }[] = [];
  for (const path of await docFiles()) {
    const text = await readFile(path, 'utf8');
    const count = text.split(start).length - 1;
    for (let i = 0; i < count; i++) found.push({ path, text });
  }
  if (found.length !== 1)
    throw new Error(
      found.length === 0
        ? `no "${start}" marker in README.md or docs/*.md`
        : `"${start}" is in more than one place: ${found.map((f) => f.path).join(', ')}`,
    );
  const [{ path, text }] = found;
  const block = new RegExp(`${escapeRegExp(start)}[\\s\\S]*${escapeRegExp(end)}`);
  if (!block.test(text)) throw new Error(`${path}: "${start}" has no "${end}" after it`);
  // A function, so that `$` in the content is written as is (a string replacement expands `$&`…).
  await writeFile(
    path,
    text.replace(block, () => `${start}\n${content}\n${end}`),
  );
  return path;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A Markdown table (header row first) with its columns aligned, as the formatter (biome) writes
 * the docs' tables, so a block a bench writes is already formatted.
 */
export function markdownTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join(
    '\n',
  );
}
