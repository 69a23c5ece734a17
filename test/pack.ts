/**
 * Packs workspace packages the way they are published (`pnpm pack`: prepack
 * runs, `workspace:` ranges become versions) and installs tarballs with npm
 * into directories outside the workspace.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));

interface WorkspacePackage {
  name: string;
  dir: string;
  pkg: {
    name: string;
    version: string;
    private?: boolean;
    cpu?: string[];
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
}

/** packages/* and examples/* by name. */
export function workspacePackages(): Map<string, WorkspacePackage> {
  const out = new Map<string, WorkspacePackage>();
  for (const parent of ['packages', 'examples']) {
    const root = join(REPO, parent);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const dir = join(root, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as WorkspacePackage['pkg'];
      out.set(pkg.name, { name: pkg.name, dir, pkg });
    }
  }
  return out;
}

/**
 * The workspace packages `roots` need at run time: dependencies, optional
 * dependencies for this CPU and non-optional peers, transitively.
 */
export function runtimeClosure(roots: ReadonlyArray<string>): WorkspacePackage[] {
  const all = workspacePackages();
  const seen = new Map<string, WorkspacePackage>();
  const visit = (name: string): void => {
    const found = all.get(name);
    if (!found || seen.has(name)) return;
    if (found.pkg.cpu && !found.pkg.cpu.includes(process.arch)) return;
    seen.set(name, found);
    const { dependencies = {}, optionalDependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = found.pkg;
    for (const dep of [
      ...Object.keys(dependencies),
      ...Object.keys(optionalDependencies),
      ...Object.keys(peerDependencies).filter((p) => !peerDependenciesMeta[p]?.optional),
    ]) {
      visit(dep);
    }
  };
  for (const root of roots) visit(root);
  return [...seen.values()];
}

/**
 * `pnpm pack` each package into `dest`, tarball path by name. A package
 * whose `files` all exist was built by turbo: its prepack skips the build
 * step. One that lacks some (the prebuilt addon of a loader-native platform
 * package on a fresh clone) lets prepack build them.
 */
export function packPackages(packages: ReadonlyArray<WorkspacePackage>, dest: string): Map<string, string> {
  const tarballs = new Map<string, string>();
  for (const { name, dir, pkg } of packages) {
    const files = (pkg as { files?: string[] }).files ?? [];
    const built = files.filter((f) => !/[*?]/.test(f)).every((f) => existsSync(join(dir, f)));
    const out = execFileSync('pnpm', ['pack', '--pack-destination', dest], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...(built ? { EBPFC_PREPACK_SKIP_BUILD: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tarball = out.trim().split('\n').filter((line) => line.endsWith('.tgz')).pop();
    if (!tarball) throw new Error(`pnpm pack ${name} printed no tarball:\n${out}`);
    tarballs.set(name, tarball);
  }
  return tarballs;
}

/**
 * `npm install` into `dir` a package.json whose dependencies are tarballs:
 * every workspace package comes from its tarball, nothing of ours from a registry.
 */
export function npmInstall(dir: string, manifest: Record<string, unknown>): void {
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type: 'module', ...manifest }, null, 2)}\n`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `{ name: "file:<tarball>" }` for every tarball. */
export function fileDependencies(tarballs: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`]));
}
