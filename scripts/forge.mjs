#!/usr/bin/env node
// Runs the forge binary of @foundry-rs/forge and exits with forge's status. The package's own
// `forge` command (its bin.mjs, 1.7.1) spawns the binary and always exits 0, so a failing
// `forge test` would pass CI (foundry-rs/foundry#14781).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
const exe = process.platform === 'win32' ? 'forge.exe' : 'forge';

function forgeBinary() {
  try {
    return require.resolve(`@foundry-rs/forge-${process.platform}-${arch}/bin/${exe}`);
  } catch {}
  // Where @foundry-rs/forge's postinstall puts the binary when the platform package is missing
  // (and where its bin.mjs looks for one).
  const pkg = dirname(require.resolve('@foundry-rs/forge/package.json'));
  const fallback = [join(pkg, exe), join(pkg, '..', 'dist', exe)].find((file) => existsSync(file));
  if (fallback) return fallback;
  console.error(`scripts/forge.mjs: no forge binary for ${process.platform}-${arch}; run npm ci`);
  process.exit(1);
}

const result = spawnSync(forgeBinary(), process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`scripts/forge.mjs: ${result.error.message}`);
  process.exit(1);
}
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
