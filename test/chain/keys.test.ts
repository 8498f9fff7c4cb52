import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptKeystoreJson, JsonRpcProvider, Wallet } from 'ethers';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSigner } from '../../src/chain/keys.js';
import { tempDir } from '../helpers/pocompute.js';

// A provider that is never asked anything: loading a key needs no chain.
const provider = new JsonRpcProvider('http://127.0.0.1:9', 31337, { staticNetwork: true });
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const ENV = 'POCOMPUTE_TEST_KEY';

/** Everything a failure shows a user or a log: message, hint, JSON. */
const shown = (error: unknown) => JSON.stringify(error) + String(error) + (error as Error).stack;

describe('loadSigner: where the signing key comes from, and that it is never shown', () => {
  afterEach(() => {
    delete process.env[ENV];
    delete process.env.POCOMPUTE_TEST_PASSWORD;
  });

  it('takes the key from the named environment variable (trimmed)', async () => {
    process.env[ENV] = `  ${KEY}\n`;
    const loaded = await loadSigner({ provider, keyEnv: ENV });
    expect(loaded).toMatchObject({ source: 'env', address: new Wallet(KEY).address });
  });

  it('refuses a malformed key without quoting it', async () => {
    const bad = `${KEY.slice(0, -1)}z`;
    process.env[ENV] = bad;
    const error = await loadSigner({ provider, keyEnv: ENV }).catch((e) => e);
    expect(error).toMatchObject({ code: 'KEY_UNAVAILABLE', exitCode: 2 });
    expect(error.message).toContain(ENV);
    expect(shown(error)).not.toContain(bad.slice(2, 40));
  });

  it('decrypts a keystore with the password from the environment; a wrong one is refused unquoted', async () => {
    const dir = tempDir();
    const keystore = join(dir, 'key.json');
    // A light scrypt: the test is about the flow, not the key derivation's cost.
    const account = { address: new Wallet(KEY).address, privateKey: KEY };
    await writeFile(
      keystore,
      await encryptKeystoreJson(account, 'right horse', { scrypt: { N: 16 } }),
    );
    process.env.POCOMPUTE_TEST_PASSWORD = 'right horse';
    const loaded = await loadSigner({ provider, keystore, passwordEnv: 'POCOMPUTE_TEST_PASSWORD' });
    expect(loaded).toMatchObject({ source: 'keystore', address: new Wallet(KEY).address });

    process.env.POCOMPUTE_TEST_PASSWORD = 'wrong battery';
    const error = await loadSigner({
      provider,
      keystore,
      passwordEnv: 'POCOMPUTE_TEST_PASSWORD',
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'KEY_UNAVAILABLE' });
    expect(shown(error)).not.toContain('wrong battery');
    expect(shown(error)).not.toContain(KEY.slice(2, 40));
  });

  it('uses the embedded chain’s dev key only when given one, and otherwise names what is missing', async () => {
    const dev = await loadSigner({ provider, keyEnv: ENV, devKey: KEY });
    expect(dev.source).toBe('dev');
    const none = await loadSigner({ provider, keyEnv: ENV }).catch((e) => e);
    expect(none).toMatchObject({ code: 'KEY_UNAVAILABLE' });
    expect(none.message).toContain(ENV);
    // An environment key wins over the dev key.
    process.env[ENV] = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba';
    expect((await loadSigner({ provider, keyEnv: ENV, devKey: KEY })).source).toBe('env');
  });
});
