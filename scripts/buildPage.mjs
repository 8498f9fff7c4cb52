#!/usr/bin/env node
// Builds the receipt page `pocompute page` serves and writes: src/page/receiptPage.js (which runs
// checkReceipt, the code of `pocompute check`) bundled for the browser with the in-process EVM and
// its WebAssembly, inlined into src/page/receiptPage.html — one file that works offline, even
// opened from disk (a module script loaded from file:// would be blocked). Run by `npm run build`;
// writes dist/src/page/receipt-page.html, or the path after --out.
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RECEIPT_PAGE = join(root, 'dist', 'src', 'page', 'receipt-page.html');
const MARK = '/*PAGE_SCRIPT*/';
// The page's Content-Security-Policy allows its one inline script by hash (see receiptPage.html).
const HASH_MARK = 'PAGE_SCRIPT_SHA256';

/** Builds the page; returns its path and size in bytes. */
export async function buildReceiptPage({ outfile = RECEIPT_PAGE } = {}) {
  const result = await build({
    entryPoints: [join(root, 'src', 'page', 'receiptPage.js')],
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    // BigInt literals and top-level await in the EVM's dependencies.
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // Inside an inline <script>, "</script" would end it: escaped, it is the same string to JS.
  const script = result.outputFiles[0].text.replaceAll('</script', '<\\/script');
  const template = readFileSync(join(root, 'src', 'page', 'receiptPage.html'), 'utf8');
  if (!template.includes(MARK)) throw new Error(`src/page/receiptPage.html has no ${MARK}`);
  if (!template.includes(HASH_MARK))
    throw new Error(`src/page/receiptPage.html has no ${HASH_MARK}`);
  const hash = createHash('sha256').update(script).digest('base64');
  const html = template.replace(HASH_MARK, () => `sha256-${hash}`).replace(MARK, () => script);
  mkdirSync(dirname(outfile), { recursive: true });
  const temp = `${outfile}.${process.pid}.tmp`;
  writeFileSync(temp, html);
  renameSync(temp, outfile);
  return { outfile, bytes: Buffer.byteLength(html) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--out');
  const { outfile, bytes } = await buildReceiptPage(
    at > 0 ? { outfile: resolve(process.argv[at + 1]) } : {},
  );
  console.log(`wrote ${relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KiB)`);
}
