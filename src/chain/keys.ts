import { readFile } from 'node:fs/promises';
import { Wallet, type JsonRpcProvider, type Signer } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import { requireFile } from '../core/files.js';

export interface LoadSignerParams {
  provider: JsonRpcProvider;
  keyEnv?: string;
  keystore?: string;
  passwordEnv?: string;
  /** The embedded chain's dev key: allowed only when pocompute started the chain itself. */
  devKey?: string;
}

export type KeySource = 'env' | 'keystore' | 'dev';

/**
 * Loads the signing key from an env var, an encrypted JSON keystore, or (embedded chain only) anvil's
 * dev key. A key never appears in any message, error or log.
 */
export async function loadSigner(
  params: LoadSignerParams,
): Promise<{ signer: Signer; address: string; source: KeySource }> {
  const keyEnv = params.keyEnv ?? 'POCOMPUTE_PRIVATE_KEY';
  if (params.keystore) {
    const json = await readFile(requireFile(params.keystore, 'keystore'), 'utf8');
    const password =
      process.env[params.passwordEnv ?? 'POCOMPUTE_KEYSTORE_PASSWORD'] ??
      (await promptHidden(`Password for ${params.keystore}: `));
    try {
      const wallet = (await Wallet.fromEncryptedJson(json, password)).connect(params.provider);
      return { signer: wallet, address: wallet.address, source: 'keystore' };
    } catch {
      throw new PocomputeError(
        'KEY_UNAVAILABLE',
        `cannot decrypt keystore ${params.keystore}: wrong password or not a keystore`,
      );
    }
  }
  const fromEnv = process.env[keyEnv];
  if (fromEnv) {
    try {
      const wallet = new Wallet(fromEnv.trim(), params.provider);
      return { signer: wallet, address: wallet.address, source: 'env' };
    } catch {
      throw new PocomputeError(
        'KEY_UNAVAILABLE',
        `${keyEnv} does not hold a valid private key (expected 0x followed by 64 hex digits)`,
      );
    }
  }
  if (params.devKey) {
    const wallet = new Wallet(params.devKey, params.provider);
    return { signer: wallet, address: wallet.address, source: 'dev' };
  }
  throw new PocomputeError(
    'KEY_UNAVAILABLE',
    `no signing key: ${keyEnv} is not set and no --keystore was given`,
  );
}

async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new PocomputeError(
      'KEY_UNAVAILABLE',
      'the keystore password is needed but there is no terminal to ask on',
      { hint: 'Set POCOMPUTE_KEYSTORE_PASSWORD (or the variable named by --password-env).' },
    );
  }
  // Raw mode: the terminal echoes nothing, and each key press arrives as it is typed.
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let password = '';
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n' || char === '\u0004') {
            stdin.off('data', onData);
            return resolve(password);
          }
          if (char === '\u0003') {
            stdin.off('data', onData);
            return reject(new PocomputeError('KEY_UNAVAILABLE', 'password prompt interrupted'));
          }
          password = char === '\u007f' || char === '\b' ? password.slice(0, -1) : password + char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
