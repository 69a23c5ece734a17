import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles test/bpf/*.bpf.c into test/.build and checks, after the run,
    // that no test program is left in the kernel.
    globalSetup: ['test/global-setup.ts'],
    // Kernel tests share the kernel (tracepoints, the 2 CPUs): one file at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
