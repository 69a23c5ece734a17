// Checks packed tarballs (`pnpm pack` output) the way a careful user or
// registry reviewer would:
//   - LICENSE (the GPL text) is in every tarball;
//   - package.json has license, repository, homepage, bugs, keywords, engines,
//     no `workspace:` range left, and an `exports` "." that require() can use;
//   - no file holds an absolute path of the build machine (the checkout, the
//     prebuild cache, the prebuild root's source and build directories);
//   - no source maps or sourceMappingURL comments (their sources are not shipped);
//   - every file is needed: JavaScript reachable from `exports`/`bin` through
//     relative imports, the .d.ts beside it, or a runtime data file the
//     package's code or scripts name (DATA below).
//
// usage: node scripts/release/check-tarballs.mjs <dir with .tgz files>
// Exit 1 with one line per problem.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { reachableFiles } from './module-graph.mjs';

const repo = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node scripts/release/check-tarballs.mjs <directory of .tgz files>\n');
  process.exit(64);
}

/** Runtime data a package ships besides its module graph, and who reads it. */
const DATA = [
  [/^bpf\/[^/]+\.bpf\.o$/, 'BPF objects a collector loads (core kit shippedObjectPath)'],
  [/^bpf\/[^/]+\.bpf\.o\.sha256$/, "their digests, which loader-native's openObject checks"],
  [/^config\//, "core's shipped default ebpf.d.conf and ebpf.d/*.conf"],
  [/^schema\//, "output-json's published JSON schema"],
  [/^(native\/|CMakeLists\.txt$)/, "loader-native's sources for a build from source (scripts/install.mjs)"],
  [/^scripts\/install\.mjs$/, "loader-native's install script"],
  [/^loader_native\.node$/, 'the prebuilt addon'],
  [/^include\//, "bpf-tools' shared BPF headers"],
  [/^bin\//, 'executables named by bin'],
];
const ALWAYS = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);
const FORBIDDEN_STRINGS = [
  repo,
  '/var/cache/ebpf-collectors',
  '/opt/deps-',
  '/build/x64/',
  '/build/arm64/',
];

const problems = [];
const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
if (tarballs.length === 0) problems.push(`${dir}: no .tgz files`);

for (const tarball of tarballs) {
  const where = mkdtempSync(join(tmpdir(), 'ebpfc-tarball-'));
  try {
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', where]);
    const root = join(where, 'package');
    const files = [];
    const walk = (d) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) walk(path);
        else files.push(relative(root, path));
      }
    };
    walk(root);
    const fileSet = new Set(files);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const say = (message) => problems.push(`${tarball}: ${message}`);

    // LICENSE and metadata.
    if (!fileSet.has('LICENSE')) say('no LICENSE');
    else if (!readFileSync(join(root, 'LICENSE'), 'utf8').includes('GNU GENERAL PUBLIC LICENSE')) say('LICENSE is not the GPL text');
    for (const key of ['license', 'repository', 'homepage', 'bugs', 'keywords', 'engines', 'description']) {
      if (pkg[key] === undefined) say(`package.json has no "${key}"`);
    }
    for (const section of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [name, range] of Object.entries(pkg[section] ?? {})) {
        if (String(range).startsWith('workspace:')) say(`${section} ${name} is still "${range}"`);
      }
    }
    const dot = typeof pkg.exports === 'string' ? pkg.exports : pkg.exports?.['.'];
    if (dot !== undefined && typeof dot === 'object' && !('default' in dot) && !('require' in dot)) {
      say('exports "." has neither a "default" nor a "require" condition: require() cannot load it');
    }

    // Module graph from exports, bin, types and the install script.
    const { reached: needed, entries, missing } = reachableFiles(root, pkg, files);
    for (const e of entries) if (!fileSet.has(e) && !e.includes('*')) say(`${e} is named in package.json but not in the tarball`);
    for (const m of missing) say(`${m}: imported but not in the tarball`);

    for (const file of files) {
      if (/\.map$/.test(file)) say(`${file}: source map (its sources are not shipped)`);
      const isText = !/\.(node|o)$/.test(file);
      const content = readFileSync(join(root, file));
      const text = content.toString('latin1');
      if (isText && /\/\/# sourceMappingURL=/.test(text)) say(`${file}: sourceMappingURL comment`);
      for (const bad of FORBIDDEN_STRINGS) {
        if (text.includes(bad)) say(`${file}: holds the build machine's path ${bad}`);
      }
      if (ALWAYS.has(file) || needed.has(file)) continue;
      const data = DATA.find(([re]) => re.test(file));
      if (!data) say(`${file}: not reachable from exports/bin and not runtime data`);
    }
    const size = statSync(join(dir, tarball)).size;
    process.stdout.write(`${tarball}: ${files.length} files, ${(size / 1024).toFixed(1)} KiB\n`);
  } finally {
    rmSync(where, { recursive: true, force: true });
  }
}

if (problems.length > 0) {
  process.stderr.write(`${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.stderr.write(
    'A new package: copy repository/homepage/bugs/keywords, exports (types + default), files (dist/**/*.js, ' +
      'dist/**/*.d.ts, bpf/*.bpf.o) and the prepack script from packages/collector-process/package.json.\n',
  );
  process.exit(1);
}
process.stdout.write(`${tarballs.length} tarballs: LICENSE, metadata, no build paths, no source maps, no unneeded files\n`);
