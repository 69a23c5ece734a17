// The files a package's `exports`, `bin`, `types` and install script reach
// through relative imports (static, dynamic, require, and `.d.ts` imports),
// plus the `.d.ts` beside each reached `.js`. Used by prepack.mjs (to leave
// dead modules out of the tarball) and check-tarballs.mjs (to check).
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** Relative specifiers in a JS or .d.ts text. */
export function relativeSpecifiers(text) {
  const found = new Set();
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) found.add(m[1]);
  return [...found];
}

/**
 * @param {string} root package directory
 * @param {object} pkg its package.json
 * @param {string[]} files every file of the package, relative to root
 * @returns {{ reached: Set<string>, entries: string[], missing: string[] }}
 *   missing: `importer -> target` for relative imports whose target is not in `files`
 */
export function reachableFiles(root, pkg, files) {
  const fileSet = new Set(files);
  const entries = [];
  const collect = (value) => {
    if (typeof value === 'string') entries.push(normalize(value));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.exports);
  collect(pkg.bin);
  collect(pkg.types);
  for (const m of (pkg.scripts?.install ?? '').matchAll(/[\w./-]+\.m?js/g)) entries.push(normalize(m[0]));

  const reached = new Set();
  const missing = [];
  const queue = entries.filter((e) => fileSet.has(e));
  while (queue.length > 0) {
    const file = queue.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    if (/\.(m|c)?js$/.test(file)) {
      const dts = file.replace(/\.(m|c)?js$/, '.d.ts');
      if (fileSet.has(dts)) queue.push(dts);
    }
    // A launcher in bin/ execs its siblings by name.
    if (file.startsWith('bin/')) for (const f of files) if (f.startsWith('bin/')) queue.push(f);
    if (!/\.(m|c)?js$|\.d\.ts$/.test(file)) continue;
    for (const spec of relativeSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      const target = normalize(join(dirname(file), spec));
      const candidates = [target, target.replace(/\.js$/, '.d.ts')].filter((c) => fileSet.has(c));
      if (candidates.length === 0) missing.push(`${file} -> ${spec}`);
      queue.push(...candidates);
    }
  }
  return { reached, entries, missing };
}
