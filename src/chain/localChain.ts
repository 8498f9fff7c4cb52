import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/files.js';
import { homePaths } from '../core/paths.js';
import { answersRpc, startAnvil, type AnvilHandle } from './anvil.js';

export interface LocalChainRecord {
  rpcUrl: string;
  pid: number;
  chainId: number;
  stateFile: string;
  startedAt: string;
}

const recordPath = () => join(homePaths.chain(), 'local.json');

/** The chain a `pocompute chain` process keeps running, if it is alive and answering. */
export async function readRunningChain(): Promise<LocalChainRecord | undefined> {
  if (!existsSync(recordPath())) return undefined;
  const record = JSON.parse(readFileSync(recordPath(), 'utf8')) as LocalChainRecord;
  try {
    process.kill(record.pid, 0);
  } catch {
    return undefined;
  }
  return (await answersRpc(record.rpcUrl)) ? record : undefined;
}

/** Starts the long-running local chain with its state on disk, and records where it is. */
export async function runLocalChain(
  options: { port?: number } = {},
): Promise<{ handle: AnvilHandle; record: LocalChainRecord; stop: () => Promise<void> }> {
  await mkdir(homePaths.chain(), { recursive: true });
  const stateFile = join(homePaths.chain(), 'anvil-state.json');
  const handle = await startAnvil({ port: options.port ?? 8545, stateFile });
  const record: LocalChainRecord = {
    rpcUrl: handle.rpcUrl,
    pid: process.pid,
    chainId: handle.chainId,
    stateFile,
    startedAt: new Date().toISOString(),
  };
  await writeJsonAtomic(recordPath(), record);
  return {
    handle,
    record,
    stop: async () => {
      await handle.stop();
      await rm(recordPath(), { force: true });
    },
  };
}
