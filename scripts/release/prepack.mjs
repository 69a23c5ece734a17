// `prepack` of every publishable package (npm pack, pnpm pack, pnpm publish and
// `changeset publish` all run it), with the package directory as cwd.
//
// 1. Builds the package and what it depends on (turbo, cached: a no-op on a
//    built tree). A platform package (loader-native-linux-*) runs the prebuild
//    script instead, which reuses its cache when the native sources did not
//    change. EBPFC_PREPACK_SKIP_BUILD=1 skips this step (scripts/release/
//    pack-all.mjs builds everything once first).
// 2. Drops the `sourceMappingURL` comments from dist/: maps are not shipped
//    (their sources are not), so the comments would point at nothing.
// 3. Removes dist modules nothing reachable imports, and copies the
//    repository's LICENSE into the package.
// 4. Checks that every `files` entry and every `exports`/`bin`/`types` target
//    exists, so a package can never be published empty.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { reachableFiles } from './module-graph.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const say = (message) => process.stderr.write(`[prepack ${pkg.name}] ${message}\n`);
const fail = (message) => {
  say(message);
  process.exit(1);
};

if (pkg.private) fail('is private: it must not be packed for publishing');

function run(command, args, cwd = repo) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
}

if (process.env.EBPFC_PREPACK_SKIP_BUILD !== '1') {
  if (/^@ebpf-collectors\/loader-native-linux-/.test(pkg.name)) {
    run('bash', [join(repo, 'packages/loader-native/scripts/prebuild.sh')]);
  } else if (pkg.scripts?.build) {
    run('pnpm', ['exec', 'turbo', 'run', 'build', `--filter=${pkg.name}`, '--output-logs=errors-only', '--env-mode=loose']);
  }
}

function walk(root) {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const path = join(root, entry.name);
    if (entry.name === 'node_modules') return [];
    return entry.isDirectory() ? walk(path) : [path];
  });
}

for (const file of walk(join(dir, 'dist'))) {
  if (!/\.(js|mjs|cjs|d\.ts)$/.test(file)) continue;
  const text = readFileSync(file, 'utf8');
  const stripped = text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  if (stripped !== text) writeFileSync(file, stripped);
}

// Modules nothing reachable from exports/bin imports (a generated mirror a
// collector does not use yet, a types-only internal module) stay out of the
// tarball: they are removed from dist/ here (the next build restores them).
{
  const all = walk(dir).map((file) => relative(dir, file));
  const { reached } = reachableFiles(dir, pkg, all);
  if (reached.size > 0) {
    for (const file of all) {
      if (/^dist\/.*\.(js|mjs|cjs|d\.ts)$/.test(file) && !reached.has(file)) rmSync(join(dir, file));
    }
  }
}

copyFileSync(join(repo, 'LICENSE'), join(dir, 'LICENSE'));

// Every target named by exports/bin/types must exist.
const targets = [];
const collect = (value) => {
  if (typeof value === 'string') targets.push(value);
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
};
collect(pkg.exports);
collect(pkg.bin);
collect(pkg.types);
for (const target of targets) {
  if (target.includes('*')) continue;
  if (!existsSync(resolve(dir, target))) fail(`${target} (named in package.json) does not exist: the build did not produce it`);
}

// Every `files` pattern must match something (a path, a directory, or a glob with * and **/).
function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob[i] === '*') source += '[^/]*';
    else source += glob[i].replace(/[.+^${}()|[\]\\?]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
function matches(pattern) {
  const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
  if (clean.startsWith('!')) return true;
  if (!clean.includes('*')) return existsSync(join(dir, clean));
  const re = globToRegExp(clean);
  return walk(dir).some((file) => re.test(relative(dir, file)));
}
for (const pattern of pkg.files ?? []) {
  if (!matches(pattern)) fail(`"files" entry ${pattern} matches nothing: build the package first`);
}
if (/^@ebpf-collectors\/loader-native-linux-/.test(pkg.name) && statSync(join(dir, 'loader_native.node')).size === 0) {
  fail('loader_native.node is empty');
}
