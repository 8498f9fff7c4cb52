import { describe, expect, it } from 'vitest';
import { type AnvilHandle, startAnvil } from '../../src/chain/anvil.js';

const rpc = async (anvil: AnvilHandle, method: string, params: unknown[] = []) =>
  (
    await fetch(anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    }).then((r) => r.json())
  ).result;

describe('anvils started at the same moment', () => {
  it('each get a chain of their own: a port picked beforehand could have been another one’s', async () => {
    const anvils = await Promise.all(Array.from({ length: 12 }, () => startAnvil()));
    try {
      expect(new Set(anvils.map((a) => a.port)).size).toBe(anvils.length);
      // Automine off on one (as a mempool test does) leaves every other mining.
      await rpc(anvils[0], 'evm_setAutomine', [false]);
      expect(await rpc(anvils[0], 'anvil_getAutomine')).toBe(false);
      for (const other of anvils.slice(1)) expect(await rpc(other, 'anvil_getAutomine')).toBe(true);
    } finally {
      await Promise.all(anvils.map((a) => a.stop()));
    }
  });
});
