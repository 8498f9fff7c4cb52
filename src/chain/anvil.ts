import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { HDNodeWallet, Mnemonic } from 'ethers';
import { PocomputeError } from '../core/errors.js';

/** anvil's built-in dev mnemonic: its accounts are public knowledge and only for local chains. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export interface DevAccount {
  address: string;
  privateKey: string;
}

export interface AnvilHandle {
  rpcUrl: string;
  port: number;
  chainId: number;
  pid: number;
  accounts: DevAccount[];
  stop(): Promise<void>;
}

export interface StartAnvilOptions {
  port?: number;
  /** Loads and dumps chain state here, so a long-running chain survives restarts. */
  stateFile?: string;
  chainId?: number;
  accounts?: number;
  blockTime?: number;
  /** Only for tests that want a chain without the EIP-170 limit. */
  codeSizeLimit?: number;
}

/** The anvil binary shipped by @foundry-rs/anvil's platform package (its postinstall is not needed). */
export function anvilBinary(): string {
  const platform = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  try {
    const manifest = createRequire(import.meta.url).resolve(
      `@foundry-rs/anvil-${platform}/package.json`,
    );
    return join(dirname(manifest), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch {
    throw new PocomputeError(
      'ENGINE_MISSING',
      `no anvil binary for ${platform} in @foundry-rs/anvil`,
      { hint: 'Run `npm ci`; anvil ships for linux/darwin (amd64, arm64) and win32-amd64.' },
    );
  }
}

export function devAccounts(count: number): DevAccount[] {
  const mnemonic = Mnemonic.fromPhrase(ANVIL_MNEMONIC);
  return Array.from({ length: count }, (_, i) => {
    const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
    return { address: wallet.address, privateKey: wallet.privateKey };
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts anvil on loopback and waits until it answers JSON-RPC. Without `port`, anvil binds a port
 * the system chooses (`--port 0`) and says which: a port picked beforehand could be taken by
 * another anvil starting at the same moment, and this one would then talk to that one's chain.
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilHandle> {
  const chainId = options.chainId ?? 31337;
  const count = options.accounts ?? 10;
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port ?? 0),
    '--chain-id',
    String(chainId),
    '--accounts',
    String(count),
    '--mnemonic',
    ANVIL_MNEMONIC,
  ];
  if (options.stateFile) args.push('--state', options.stateFile, '--state-interval', '1');
  if (options.blockTime) args.push('--block-time', String(options.blockTime));
  if (options.codeSizeLimit) args.push('--code-size-limit', String(options.codeSizeLimit));
  // Not --silent: anvil's "Listening on <host>:<port>" line is how the port it bound is known. The
  // rest of what it prints (its banner, one line per request) is read and dropped, never kept.
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += c));
  let port: number | undefined;
  let pending = '';
  child.stdout?.on('data', (c: Buffer) => {
    if (port !== undefined) return;
    pending = (pending + c.toString()).slice(-4096);
    const listening = /Listening on 127\.0\.0\.1:(\d+)/.exec(pending);
    if (listening) {
      port = Number(listening[1]);
      pending = '';
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const deadline = Date.now() + 20_000;
  let rpcUrl = '';
  for (;;) {
    if (child.exitCode !== null)
      throw new PocomputeError(
        'RPC_UNREACHABLE',
        `anvil exited (code ${child.exitCode}): ${stderr.trim().split('\n').pop() ?? ''}`,
      );
    if (port !== undefined) {
      rpcUrl = `http://127.0.0.1:${port}`;
      if (await answersRpc(rpcUrl)) break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new PocomputeError(
        'RPC_UNREACHABLE',
        `anvil did not answer${port === undefined ? '' : ` on ${rpcUrl}`} within 20 s`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    rpcUrl,
    port,
    chainId,
    pid: child.pid ?? 0,
    accounts: devAccounts(count),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM'); // anvil dumps --state on SIGTERM
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
}

export async function answersRpc(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}
