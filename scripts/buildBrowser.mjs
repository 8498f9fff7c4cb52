#!/usr/bin/env node
// Bundles pocompute's browser entry (src/browser.ts: verify a proof bundle with EZKL's Solidity
// verifier in @ethereumjs/evm, rustbn-wasm inlined) into one ES module for pages without a bundler:
// dist/browser/pocompute-verify.js, or the path after --out. Built for platform=browser, so a
// `node:` import reaching the verify path fails the build instead of a page.
import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BROWSER_BUNDLE = join(root, 'dist', 'browser', 'pocompute-verify.js');

/** Builds the bundle; returns its path and size in bytes. */
export async function buildBrowserBundle({ outfile = BROWSER_BUNDLE } = {}) {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src', 'browser.ts')],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    // BigInt literals and top-level await in the EVM's dependencies.
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = result.metafile.outputs[relative(process.cwd(), outfile)]?.bytes;
  return { outfile, bytes: bytes ?? Object.values(result.metafile.outputs)[0].bytes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--out');
  const { outfile, bytes } = await buildBrowserBundle(
    at > 0 ? { outfile: resolve(process.argv[at + 1]) } : {},
  );
  console.log(`wrote ${relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KiB)`);
}
