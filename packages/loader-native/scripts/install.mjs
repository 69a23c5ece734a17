// npm `install` script of @ebpf-collectors/loader-native.
//
// Nothing to do when the prebuilt package for this machine
// (@ebpf-collectors/loader-native-linux-<arch>-<libc>, from optionalDependencies)
// or an earlier build loads. Otherwise build from source with cmake-js
// (fetched from the npm registry by `npm exec` only in that case) when a
// toolchain and the libbpf/libelf/zlib headers are present, or say which
// packages to install. Never fails the install: importing the package still
// works without an addon, and its first use throws the same advice.
// In a checkout (the workspace), `pnpm build` builds the addon: nothing to do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => process.stderr.write(`@ebpf-collectors/loader-native: ${message}\n`);

if (existsSync(join(root, 'src', 'native.ts')) || process.env.EBPFC_SKIP_INSTALL_BUILD === '1') process.exit(0);
if (process.platform !== 'linux') {
  say(`eBPF needs Linux; this is ${process.platform}. The package installs, but cannot load BPF objects here.`);
  process.exit(0);
}

async function loads() {
  try {
    const native = await import(new URL('../dist/native.js', import.meta.url).href);
    native.nativeBinding();
    return { ok: true };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
}

const first = await loads();
if (first.ok) process.exit(0);

const tools = [['cmake', 'cmake'], ['c++', 'g++'], ['cc', 'gcc'], ['make', 'make']];
const headers = [
  ['/usr/include/bpf/libbpf.h', 'libbpf-dev'],
  ['/usr/include/libelf.h', 'libelf-dev (Alpine: elfutils-dev)'],
  ['/usr/include/zlib.h', 'zlib1g-dev (Alpine: zlib-dev)'],
];
const missing = [
  ...tools.filter(([bin]) => !onPath(bin)).map(([bin, pkg]) => `${bin} (${pkg})`),
  ...headers.filter(([file]) => !existsSync(file)).map(([file, pkg]) => `${file} (${pkg})`),
];
if (missing.length > 0) {
  say(
    `no prebuilt addon loads here, and building one from source needs: ${missing.join(', ')}.\n` +
      '  Debian/Ubuntu: apt-get install cmake g++ make pkg-config libbpf-dev libelf-dev zlib1g-dev\n' +
      '  Alpine:        apk add cmake g++ make pkgconf libbpf-dev elfutils-dev zlib-dev linux-headers\n' +
      '  then: npm rebuild @ebpf-collectors/loader-native\n' +
      `  (${first.message})`,
  );
  process.exit(0);
}

say('no prebuilt addon loads here: building from source with cmake-js');
const npmCli = process.env.npm_execpath ?? '';
const npm = /npm-cli\.js$/.test(npmCli) ? [process.execPath, npmCli] : ['npm'];
const build = spawnSync(npm[0], [...npm.slice(1), 'exec', '--yes', '--package=cmake-js@^8', '--', 'cmake-js', 'compile', '--out', 'build'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
const after = build.status === 0 ? await loads() : { ok: false, message: `cmake-js exited with ${build.status}` };
if (!after.ok) say(`the build from source failed: ${after.message}`);
