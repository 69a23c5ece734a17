#!/usr/bin/env node
// ebpfc-bpf-build: compile a collector's bpf/<name>.bpf.c into a CO-RE object
// and generate its TypeScript mirror. See src/build.mjs for the options.
import { main } from '../src/build.mjs';

process.exitCode = main(process.argv.slice(2));
