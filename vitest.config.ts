import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests run the real EZKL engine and anvil: proving takes tens of seconds.
    testTimeout: 600_000,
    hookTimeout: 900_000,
    // Files run one at a time: each proof already uses both cores, and e2e files share compiled artifacts.
    fileParallelism: false,
    reporters: ['default'],
    globalSetup: ['test/helpers/globalSetup.ts'],
  },
});
