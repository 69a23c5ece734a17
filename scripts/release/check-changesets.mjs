// Checks the changesets configuration the way a release would use it: in a
// throwaway git repository holding this workspace's package.json files and
// .changeset/config.json, a `core: minor` changeset must bump core to its next
// minor, bump no collector and nothing to a new major (peer ranges
// >=0.1.0 <1.0.0 with onlyUpdatePeerDependentsWhenOutOfRange); and a
// `loader-native: minor` changeset must move its platform packages with it
// (a `fixed` group).
//
// usage: node scripts/release/check-changesets.mjs   (about 5 s)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const changeset = join(repo, 'node_modules', '.bin', 'changeset');
const work = mkdtempSync(join(tmpdir(), 'ebpfc-changesets-'));
const problems = [];
try {
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(repo, file), join(work, file));
  mkdirSync(join(work, '.changeset'));
  cpSync(join(repo, '.changeset', 'config.json'), join(work, '.changeset', 'config.json'));
  for (const group of ['packages', 'examples', 'test', 'bench']) {
    const base = join(repo, group);
    if (!existsSync(base)) continue;
    const dirs = existsSync(join(base, 'package.json')) ? [''] : readdirSync(base);
    for (const name of dirs) {
      const file = join(base, name, 'package.json');
      if (!existsSync(file)) continue;
      mkdirSync(join(work, group, name), { recursive: true });
      cpSync(file, join(work, group, name, 'package.json'));
    }
  }
  const git = (...args) => execFileSync('git', ['-c', 'user.email=check@localhost', '-c', 'user.name=check', ...args], { cwd: work, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');

  const status = (pkg, bump) => {
    writeFileSync(join(work, '.changeset', 'check.md'), `---\n"${pkg}": ${bump}\n---\n\ncheck\n`);
    execFileSync(changeset, ['status', '--output', 'status.json'], { cwd: work, stdio: 'pipe' });
    return JSON.parse(readFileSync(join(work, 'status.json'), 'utf8')).releases.filter((r) => r.type !== 'none');
  };

  const coreMinor = status('@ebpf-collectors/core', 'minor');
  const core = coreMinor.find((r) => r.name === '@ebpf-collectors/core');
  if (core?.type !== 'minor') problems.push(`core: minor gives core ${core?.type ?? 'no release'}`);
  for (const r of coreMinor) {
    if (r.type === 'major') problems.push(`core: minor bumps ${r.name} to a major (${r.newVersion})`);
    if (/collector-/.test(r.name)) problems.push(`core: minor bumps ${r.name} (${r.type} ${r.newVersion})`);
  }
  process.stdout.write(`core: minor -> ${coreMinor.map((r) => `${r.name.replace('@ebpf-collectors/', '')} ${r.newVersion}`).join(', ')}\n`);

  const loaderMinor = status('@ebpf-collectors/loader-native', 'minor');
  const version = (name) => loaderMinor.find((r) => r.name === name)?.newVersion;
  for (const platform of ['linux-x64-gnu', 'linux-arm64-gnu']) {
    const name = `@ebpf-collectors/loader-native-${platform}`;
    if (version(name) !== version('@ebpf-collectors/loader-native')) {
      problems.push(`loader-native: minor gives ${name} ${version(name) ?? 'no release'}, not ${version('@ebpf-collectors/loader-native')}`);
    }
  }
  for (const r of loaderMinor) if (r.type === 'major') problems.push(`loader-native: minor bumps ${r.name} to a major`);
  process.stdout.write(`loader-native: minor -> ${loaderMinor.map((r) => `${r.name.replace('@ebpf-collectors/', '')} ${r.newVersion}`).join(', ')}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (problems.length > 0) {
  process.stderr.write(`changesets: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
