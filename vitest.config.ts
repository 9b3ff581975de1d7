import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Whole-capture tests decode real files; give them room on a 2-core CI machine.
    testTimeout: 60_000,
  },
});
