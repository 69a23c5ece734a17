#!/usr/bin/env node
/**
 * The repository's entry to the BPF build tool of @ebpf-collectors/bpf-tools
 * (packages/bpf-tools/src/build.mjs), with the repository's bpf/ as the
 * default source directory:
 *
 *   node ../../bpf/build.mjs <name> --out bpf      (from packages/collector-<name>/)
 *
 * builds bpf/<name>.bpf.c into bpf/<name>.bpf.o and generates
 * src/generated/<name>.ts. Options: `ebpfc-bpf-build --help`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../packages/bpf-tools/src/build.mjs';

export * from '../packages/bpf-tools/src/build.mjs';

const BPF_ROOT = dirname(fileURLToPath(import.meta.url));

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), { srcDir: BPF_ROOT });
}
