import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPocomputeError } from '../../src/core/errors.js';
import { loadUserConfig, resetConfigCache, resolveConfig } from '../../src/core/config.js';
import { tempDir } from '../helpers/pocompute.js';

const project = (file: string, content: string) => {
  const dir = tempDir('pocompute-config-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
};

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

describe('the pocompute config file', () => {
  afterEach(() => {
    resetConfigCache();
    delete process.env.POCOMPUTE_RPC;
  });

  it('is found as pocompute.config.json, the name the README gives', async () => {
    const dir = project('pocompute.config.json', '{"srs": "dev"}');
    const found = await loadUserConfig(dir);
    expect(found).toEqual({ config: { srs: 'dev' }, file: join(dir, 'pocompute.config.json') });
  });

  it('rejects an unknown value, an unknown key and broken JSON, naming the file', async () => {
    for (const [content, problem] of [
      ['{"keyEnv": "MY KEY"}', /keyEnv: must be an environment variable name/],
      ['{"engine": "wasm"}', /Unrecognized key.*engine/],
      ['{"srs": ', /JSON/],
      ['{"rpc": "localhost:8545"}', /rpc: must be an http/],
    ] as const) {
      resetConfigCache();
      const dir = project('pocompute.config.json', content);
      const error = await failure(loadUserConfig(dir));
      expect(isPocomputeError(error, 'CONFIG_INVALID')).toBe(true);
      const { message, hint } = error as { message: string; hint: string };
      expect(message).toMatch(problem);
      expect(`${message} ${hint}`).toContain(join(dir, 'pocompute.config.json'));
    }
  });

  it('validates the environment variables that stand for config keys', async () => {
    process.env.POCOMPUTE_RPC = 'not a url';
    const error = await failure(resolveConfig());
    expect(isPocomputeError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/^POCOMPUTE_RPC: /);
  });
});
