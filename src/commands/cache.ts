import { Command } from 'commander';
import { z } from 'zod';
import {
  type CacheEntry,
  listCache,
  removeCacheEntries,
  selectCacheEntries,
} from '../cache/cacheEntries.js';
import { defineOptions, flag, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { parseDuration } from '../core/duration.js';
import { PocomputeError } from '../core/errors.js';
import { table, type Reporter } from '../core/output.js';
import { pocomputeHome } from '../core/paths.js';

const pruneOptions = defineOptions(commonOptions, {
  olderThan: option(z.string().default('30d'), '<duration>', 'age like 12h, 7d'),
});
const cleanOptions = defineOptions(commonOptions, {
  yes: flag('do not ask (required when not on a terminal)'),
});

export function cacheCommand(): Command {
  const cache = new Command('cache').description(
    'Compiled artifacts and SRS files cached under the pocompute home: ls, rm, prune, clean',
  );
  cache.addCommand(
    commonOptions
      .addTo(new Command('ls'))
      .alias('list')
      .description(
        'List cached artifacts (with their verifying-key hash) and SRS files, with sizes',
      )
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const entries = await listCache();
          reporter.result({ ok: true, home: pocomputeHome(), entries, ...totals(entries) }, () =>
            entries.length
              ? `${table(entries.map(row), ['kind', 'name', 'model', 'vk sha256', 'size', 'last modified'])}\n${summary(entries)}`
              : `Nothing cached under ${pocomputeHome()}`,
          );
        }),
      ),
  );
  cache.addCommand(
    commonOptions
      .addTo(new Command('rm'))
      .description('Remove cache entries by name, path or verifying-key hash prefix')
      .argument(
        '<entries...>',
        'names or paths from `cache ls`, or vk sha256 prefixes (8+ hex digits)',
      )
      .action((names: string[], raw) =>
        runCommand(raw, async (reporter) => {
          commonOptions.parse(raw);
          report(reporter, await removeCacheEntries(selectCacheEntries(await listCache(), names)));
        }),
      ),
  );
  cache.addCommand(
    pruneOptions
      .addTo(new Command('prune'))
      .description('Remove cache entries not modified for a while')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = pruneOptions.parse(raw);
          const cutoff = new Date(Date.now() - parseDuration(o.olderThan, '--older-than') * 1000);
          report(reporter, await removeCacheEntries(await listCache(), cutoff));
        }),
      ),
  );
  cache.addCommand(
    cleanOptions
      .addTo(new Command('clean'))
      .description('Remove every cached artifact and SRS file (the EZKL venv and deployments stay)')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = cleanOptions.parse(raw);
          if (!o.yes) {
            throw new PocomputeError('USAGE', 'cache clean removes every compiled model and SRS', {
              hint: 'Run `pocompute cache clean --yes`, or `pocompute cache prune` to keep recent ones.',
            });
          }
          report(reporter, await removeCacheEntries(await listCache()));
        }),
      ),
  );
  return cache;
}

function report(reporter: Reporter, done: { removed: CacheEntry[]; freedBytes: number }): void {
  reporter.result({ ok: true, ...done }, () =>
    done.removed.length
      ? `Removed ${done.removed.length} entr${done.removed.length === 1 ? 'y' : 'ies'}, freed ${formatBytes(done.freedBytes)}`
      : 'Nothing to remove',
  );
}

const row = (e: CacheEntry) => [
  e.kind,
  e.name,
  e.model ? `${e.model}${e.logrows ? ` (2^${e.logrows})` : ''}` : '—',
  e.vkSha256 ? `${e.vkSha256.slice(0, 12)}…` : '—',
  formatBytes(e.bytes),
  e.modified.toISOString().slice(0, 16).replace('T', ' '),
];

const totals = (entries: CacheEntry[]) => ({
  totalBytes: entries.reduce((sum, e) => sum + e.bytes, 0),
});

const summary = (entries: CacheEntry[]) =>
  `${entries.length} entries, ${formatBytes(totals(entries).totalBytes)} in all`;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}
