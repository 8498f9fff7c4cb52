import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { PACKAGE_ROOT } from '../core/paths.js';

/** The built receipt page: one HTML file with its script and the EVM inlined (scripts/buildPage.mjs). */
export const RECEIPT_PAGE_FILE = join(PACKAGE_ROOT, 'dist', 'src', 'page', 'receipt-page.html');

/** The receipt page's HTML. */
export async function readReceiptPage(): Promise<Buffer> {
  if (!existsSync(RECEIPT_PAGE_FILE))
    throw new PocomputeError('INTERNAL', `the receipt page was not built (${RECEIPT_PAGE_FILE})`, {
      hint: 'Run `npm run build` in the pocompute checkout (it builds the page with esbuild).',
    });
  return readFile(RECEIPT_PAGE_FILE);
}

/** Writes the page as `<dir>/index.html` (atomically): open it from disk or put it on any static host. */
export async function writeReceiptPage(params: {
  out: string;
}): Promise<{ path: string; bytes: number }> {
  const html = await readReceiptPage();
  await mkdir(params.out, { recursive: true });
  const path = join(params.out, 'index.html');
  await writeFileAtomic(path, html);
  return { path, bytes: html.length };
}

/**
 * Serves the page on 127.0.0.1 (a port of 0 picks a free one). The server only hands out the page:
 * the checking happens in the browser.
 */
export async function serveReceiptPage(params: { port: number; host?: string }) {
  const html = await readReceiptPage();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/' && path !== '/index.html') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    response.end(html);
  });
  const host = params.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new PocomputeError(
          'OPTION_INVALID',
          `cannot listen on ${host}:${params.port}: ${error.code ?? error.message}`,
          {
            hint: 'Pick another --port (0 picks a free one).',
          },
        ),
      ),
    );
    server.listen(params.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
