import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when it is missing). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches Debian's headless chromium (Playwright gives it a fresh temporary profile, removed on
 * close). A missing chromium fails the test with what to install: browser tests are never skipped.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Debian's chromium is not installed (${CHROMIUM}): run \`apt-get install -y chromium\` ` +
        '(.ci/run does when it is missing)',
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface StaticFile {
  type: string;
  body: string | Uint8Array;
}

/** Serves fixed files from memory on 127.0.0.1 at a random port; anything else is a 404. */
export async function serveFiles(
  files: Record<string, StaticFile>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://127.0.0.1').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
