import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/core/lock.js';
import { isPidAlive, removeStaleTemps } from '../../src/core/tempDirs.js';
import { tempDir } from '../helpers/pocompute.js';

/** A pid that belonged to a process which has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

describe('temporaries of dead processes', () => {
  it('removes only the pid-tagged temporaries whose owner is gone', async () => {
    const dir = tempDir();
    const dead = deadPid();
    const names = {
      deadBuild: `mlp-0123.tmp-${dead}-abcd`,
      deadSrs: `dev-k15.srs.tmp-${dead}`,
      deadProve: `pocompute-prove-${dead}-Xy12ab`,
      liveBuild: `mlp-0123.tmp-${process.pid}-abcd`,
      liveProve: `pocompute-prove-${process.pid}-Xy12ab`,
      untagged: 'pocompute-prove-123456',
      complete: 'mlp-0123',
    };
    for (const name of Object.values(names)) mkdirSync(join(dir, name));
    writeFileSync(join(dir, 'dev-k15.srs'), '');
    expect(isPidAlive(dead)).toBe(false);
    expect((await removeStaleTemps(dir)).sort()).toEqual(
      [names.deadBuild, names.deadSrs, names.deadProve].sort(),
    );
    for (const name of [names.liveBuild, names.liveProve, names.untagged, names.complete])
      expect(existsSync(join(dir, name))).toBe(true);
  });
});

describe('withFileLock', () => {
  it('runs one holder at a time and tells a waiter it waits', async () => {
    const lock = join(tempDir(), 'thing.lock');
    const order: string[] = [];
    let waited = false;
    const hold = (name: string) =>
      withFileLock(
        lock,
        async () => {
          order.push(`${name} in`);
          await new Promise((r) => setTimeout(r, 200));
          order.push(`${name} out`);
        },
        () => {
          waited = true;
        },
      );
    await Promise.all([hold('a'), hold('b')]);
    const [first, second] = order[0] === 'a in' ? ['a', 'b'] : ['b', 'a'];
    expect(order).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    expect(waited).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over at once a lock left by a killed owner (fresh mtime, dead pid)', async () => {
    const lock = join(tempDir(), 'thing.lock');
    mkdirSync(lock); // what proper-lockfile leaves behind after a kill -9
    writeFileSync(`${lock}.pid`, String(deadPid()));
    const started = Date.now();
    expect(await withFileLock(lock, async () => 'mine')).toBe('mine');
    expect(Date.now() - started).toBeLessThan(5_000); // not the 30 s it takes to go stale
    expect(existsSync(lock) || existsSync(`${lock}.pid`)).toBe(false);
  });
});
