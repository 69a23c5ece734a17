/**
 * Every ```ts block of every README (the root's, each package's, each
 * example's) type-checks against the built packages and runs to its end on
 * this kernel: the code a newcomer copies is the code that works.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Snippet {
  readme: string;
  index: number;
  code: string;
  /** `<!-- output contains: TEXT -->` right after the block: what its stdout must contain. */
  expect?: string;
}

function readmes(): string[] {
  const files = [join(ROOT, 'README.md')];
  for (const parent of ['packages', 'examples']) {
    const dir = join(ROOT, parent);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'README.md');
      if (existsSync(file)) files.push(file);
    }
  }
  return files;
}

function snippets(): Snippet[] {
  return readmes().flatMap((readme) =>
    [...readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```(?:\n<!-- output contains: (.*?) -->)?/g)].map((match, index) => ({
      readme: relative(ROOT, readme),
      index,
      code: match[1]!,
      ...(match[2] !== undefined ? { expect: match[2] } : {}),
    })),
  );
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  types: ['node'],
  noEmit: true,
};

// Inside the test package, which depends on every published package, as an application would.
const dir = mkdtempSync(join(HERE, '.snippets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const all = snippets();
const files = all.map((s) => {
  const file = join(dir, `${s.readme.replace(/[^a-z0-9]+/gi, '_')}_${s.index}.mts`);
  writeFileSync(file, s.code);
  return file;
});

describe('README code blocks', () => {
  it('there are some, and every one type-checks against the built packages', () => {
    expect(all.length).toBeGreaterThan(10);
    const program = ts.createProgram(files, OPTIONS);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${all[files.indexOf(d.file.fileName)]?.readme ?? d.file.fileName}` : '';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  }, 120_000);

  it.each(all.map((s, i) => [`${s.readme} #${s.index + 1}`, i] as const))('%s runs to its end', (_name, i) => {
    const file = files[i]!;
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions: { ...OPTIONS, noEmit: false } }).outputText;
    const out = file.replace(/\.mts$/, '.mjs');
    writeFileSync(out, js);
    // A snippet that hangs, throws or exits non-zero fails here with its stderr.
    const stdout = execFileSync(process.execPath, [out], { cwd: dir, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (all[i]!.expect !== undefined) expect(stdout).toContain(all[i]!.expect);
  }, 90_000);
});
