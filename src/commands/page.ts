import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { PocomputeError } from '../core/errors.js';
import { serveReceiptPage, writeReceiptPage } from '../page/servePage.js';

const pageOptions = defineOptions(commonOptions, {
  port: option(
    z.coerce.number().int().min(0).max(65535, 'must be a port number').optional(),
    '<port>',
    'serve the page on 127.0.0.1:<port> until Ctrl-C (0: a free port; default 8080 without --out)',
  ),
  out: option(
    z.string().optional(),
    '<dir>',
    'write the page to <dir>/index.html instead (works offline)',
  ),
});

export function pageCommand(): Command {
  return pageOptions
    .addTo(new Command('page'))
    .description(
      'Serve (or write) a static page that checks receipts in the browser, with no server help',
    )
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = pageOptions.parse(raw);
        if (o.out !== undefined && o.port !== undefined)
          throw new PocomputeError('USAGE', '--out writes the page and --port serves it: pass one');
        if (o.out !== undefined) {
          const { path, bytes } = await writeReceiptPage({ out: o.out });
          reporter.result(
            { ok: true, page: path, bytes },
            () =>
              `Receipt page written to ${path} (${(bytes / 1024).toFixed(0)} KiB): open it in a browser`,
          );
          return;
        }
        const server = await serveReceiptPage({ port: o.port ?? 8080 });
        reporter.result(
          { ok: true, url: server.url },
          () => `Receipt page at ${server.url} (Ctrl-C stops it)`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      }),
    );
}
