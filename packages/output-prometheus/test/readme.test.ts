import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The first ```ts block of the README: the usage example. */
function readmeExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no ```ts example');
  return match[1]!;
}

describe('the README example', () => {
  it('type-checks against the built package and runs', () => {
    // Inside the package directory, so the example imports the package by its name (self-reference) as a user would.
    const dir = mkdtempSync(join(packageDir, '.readme-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(file, readmeExample());
      const options: ts.CompilerOptions = {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        types: ['node'],
        noEmit: true,
      };
      const program = ts.createProgram([file], options);
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
      const js = ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions: { ...options, noEmit: false } }).outputText;
      writeFileSync(join(dir, 'example.mjs'), js);
      const stdout = execFileSync(process.execPath, [join(dir, 'example.mjs')], { encoding: 'utf8', timeout: 30_000 });
      expect(stdout).toContain('ebpf_filesystem_vfs_io_bytes_total{dimension=\"write\"} 4096');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
