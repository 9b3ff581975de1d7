import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The framing microbenchmark measures time, which no ordinary run may depend on: it is a test file only when
    // asked for (AMQPSCOPE_BENCH=1), so a normal run has nothing skipped (.ci/run fails on any skip).
    exclude: process.env['AMQPSCOPE_BENCH'] === '1' ? configDefaults.exclude : [...configDefaults.exclude, 'test/amqp/bench.test.ts'],
    // Whole-capture tests decode real files; give them room on a 2-core CI machine.
    testTimeout: 60_000,
  },
});
