// Packs every publishable package (packages/*, not private) with `pnpm pack`,
// which runs each package's prepack (build check, LICENSE) and turns
// `workspace:` ranges into real versions, as `pnpm publish` does.
//
// usage: node scripts/release/pack-all.mjs <out dir>
// Prints one tarball path per line on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
if (!out) {
  process.stderr.write('usage: node scripts/release/pack-all.mjs <out dir>\n');
  process.exit(64);
}
mkdirSync(out, { recursive: true });

/** Directories of the publishable packages, by name. */
export function publishablePackages() {
  const dirs = readdirSync(join(repo, 'packages'))
    .map((name) => join(repo, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')));
  return dirs
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private);
}

for (const { dir, pkg } of publishablePackages()) {
  const result = spawnSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write(result.stdout);
    process.stderr.write(`pack ${pkg.name} failed (exit ${result.status})\n`);
    process.exit(1);
  }
  const tarball = result.stdout.trim().split('\n').filter((line) => line.endsWith('.tgz')).pop();
  process.stdout.write(`${tarball}\n`);
}
