import { afterAll, beforeAll } from 'vitest';
import { startAnvil, type AnvilHandle } from '../../src/chain/anvil.js';

/** The one way tests get a chain: a real anvil for the file, started once and stopped after. */
export function useAnvil(options: Parameters<typeof startAnvil>[0] = {}): () => AnvilHandle {
  let anvil: AnvilHandle | undefined;
  beforeAll(async () => {
    anvil = await startAnvil(options);
  });
  afterAll(async () => {
    await anvil?.stop();
  });
  return () => {
    if (!anvil) throw new Error('anvil is not started yet (use it inside a test or hook)');
    return anvil;
  };
}
