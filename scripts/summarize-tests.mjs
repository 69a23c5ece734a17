#!/usr/bin/env node
// Reads the test run's output on stdin (vitest's summaries from every package, through
// turbo) and prints one closing line for all of them: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const text = readFileSync(0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
let runs = 0;
for (const line of text.split('\n')) {
  // vitest: "      Tests  1 failed | 69 passed | 2 skipped (72)"
  const m = /^(?:\S+:\s+)?\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!m) continue;
  runs++;
  for (const part of m[1].split('|')) {
    const [, n, kind] = /(\d+)\s+(\w+)/.exec(part.trim()) ?? [];
    if (kind === 'passed') passed += Number(n);
    else if (kind === 'failed') failed += Number(n);
    else if (kind === 'skipped' || kind === 'todo') skipped += Number(n);
  }
}
process.stdout.write(`\n${runs} test runs\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
