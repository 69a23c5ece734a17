#!/usr/bin/env node
// Entry point behind bin/ebpf.plugin (the launcher Netdata runs).
import { main } from '../dist/main.js';

// The kernel names processes by this (comm): apps_groups.conf can then match the plugin itself.
process.title = 'ebpf.plugin';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`ebpf.plugin: fatal: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
