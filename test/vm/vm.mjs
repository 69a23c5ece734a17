// VM lane runner: boots Debian's stock 6.1 kernel under qemu (software emulation) with the host
// root shared read-only over 9p, runs one command as root inside a chroot of it, and brings the
// command's output and exit status back through a second, writable 9p share.
//
// Why a VM at all: the host kernel has neither kprobes nor working fentry, Debian's 6.1 kernel has
// both. Why no KVM: /dev/kvm exists on the project machines but guests hang (no nested
// virtualisation). See /work/shared/docs/kernel-lab.md.
//
// Plain ESM with JSDoc types and Node built-ins only, so vitest tests and scripts can import it
// without a build step.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, constants as fsConstants } from 'node:fs';
import {
  access, chmod, copyFile, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

/** Directory of this file (test/vm). */
export const VM_DIR = dirname(fileURLToPath(import.meta.url));

/** Default cache for the kernel and initramfs images; gitignored. `EBPF_VM_CACHE` overrides it. */
export const DEFAULT_CACHE_DIR = process.env.EBPF_VM_CACHE || join(VM_DIR, '.cache');

/**
 * Modules the initramfs needs to reach the 9p shares; Debian builds them as modules.
 * Order does not matter: the init script loads them in passes.
 */
export const INITRAMFS_MODULES = Object.freeze([
  'virtio', 'virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci',
  'netfs', 'fscache', '9pnet', '9pnet_virtio', '9p',
  // A writable ext4 on a loop device, for the filesystem collector's latency self-test: the
  // shared host root is read-only 9p and /tmp is tmpfs, neither of them a watched filesystem.
  'loop', 'crc16', 'mbcache', 'jbd2', 'crc32c_generic', 'ext4',
  // md (file md-mod.ko) and RAID1, for the mdflush collector's self-test array of two loop devices.
  'md-mod', 'raid1',
]);

const KERNEL_META_PACKAGE = 'linux-image-amd64';
const KERNEL_PACKAGE_RE = /^linux-image-(6\.1\.0-(\d+)-amd64)$/;

/** PATH inside the guest chroot: the host's own layout, since the guest runs the host's binaries. */
const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host directories the guest covers with its own mounts, so host files there are not visible. */
const GUEST_OWN_MOUNTS = ['/tmp', '/run', '/proc', '/sys', '/dev'];

/** How many console lines an error carries: enough to see a panic or a failed mount. */
const CONSOLE_TAIL_LINES = 40;

/** How long a guest whose command finished may take to power off before qemu is killed. */
const SHUTDOWN_GRACE_MS = 30_000;

/** Poll interval for the output files the guest writes through 9p (host-side streaming). */
const POLL_MS = 200;

/**
 * @typedef {(message: string) => void} Logger
 *
 * @typedef {object} KernelInfo
 * @property {string} packageName   exact Debian package, e.g. linux-image-6.1.0-56-amd64
 * @property {string} packageVersion Debian version of that package, e.g. 6.1.192-2
 * @property {string} release       kernel release (`uname -r`), e.g. 6.1.0-56-amd64
 * @property {string} dir           cache directory holding the files below
 * @property {string} vmlinuz       path of the bootable kernel image
 * @property {string} config        path of the kernel's build config
 * @property {string} modulesDir    directory of the decompressed `.ko` files from INITRAMFS_MODULES
 * @property {string[]} [modules]   the INITRAMFS_MODULES the cache was made for
 * @property {number} downloadMs    time this call spent downloading and unpacking; 0 when it came from the cache
 *
 * @typedef {object} HostCheck
 * @property {string} name     what was checked
 * @property {boolean} ok
 * @property {boolean} required false for things only some callers need (bpftrace, the kernel cache)
 * @property {string} detail   where it was found, or what is wrong
 * @property {string} [fix]    command that fixes it
 *
 * @typedef {object} RunOptions
 * @property {string | string[]} command  a string is a POSIX sh script; an array is an argv, run as is
 * @property {string} [cwd]        working directory in the guest (same path as on the host); default process.cwd()
 * @property {Record<string, string>} [env] extra environment; the guest starts from PATH, HOME, TERM, LANG only
 * @property {number} [timeoutMs]  whole-run limit including boot; default 300000
 * @property {number} [memoryMb]   guest memory; default 2048
 * @property {number} [cpus]       guest CPUs; default 2
 * @property {Logger} [log]        progress messages; default stderr with a `[vm]` prefix
 * @property {string} [cacheDir]   default DEFAULT_CACHE_DIR
 * @property {KernelInfo} [kernel] skip the lookup when the caller already has it
 * @property {(chunk: Buffer) => void} [onStdout] live stdout of the command, as the guest writes it
 * @property {(chunk: Buffer) => void} [onStderr] live stderr of the command
 * @property {AbortSignal} [signal] aborting kills qemu and rejects with VmError code ABORTED
 * @property {string[]} [qemuArgs] extra qemu arguments, appended; default none
 *
 * @typedef {object} RunResult
 * @property {number} exitCode     the command's exit status (128+N when killed by signal N)
 * @property {string} stdout
 * @property {string} stderr
 * @property {number} durationMs   qemu start to qemu exit
 * @property {number | undefined} bootMs  qemu start until the guest was about to run the command (host clock)
 * @property {number | undefined} commandMs the command alone (guest clock)
 * @property {string} kernelRelease `uname -r` as seen in the guest
 * @property {string} console      the serial console (kernel and init messages)
 */

/** Errors of the VM lane. `code` says which kind; `consoleTail` holds the last console lines when there was a guest. */
export class VmError extends Error {
  /**
   * @param {'MISSING_DEPENDENCY' | 'KERNEL_NOT_FOUND' | 'DOWNLOAD_FAILED' | 'BUILD_FAILED' | 'BOOT_FAILED' | 'GUEST_CRASHED' | 'TIMEOUT' | 'ABORTED' | 'BAD_OPTIONS'} code
   * @param {string} message
   * @param {{ consoleTail?: string, cause?: unknown }} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'VmError';
    this.code = code;
    this.consoleTail = extra.consoleTail ?? '';
  }
}

/** @type {Logger} */
export const stderrLog = (message) => {
  process.stderr.write(`[vm] ${message}\n`);
};

// ---------------------------------------------------------------------------------------------
// Host prerequisites

/**
 * Finds an executable on PATH (plus the sbin directories, which root's PATH may lack in CI).
 * @param {string} name
 * @returns {Promise<string | undefined>}
 */
async function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch { /* keep looking */ }
  }
  return undefined;
}

/**
 * True when an ELF executable has no program interpreter, i.e. it runs in an initramfs without a
 * libc. Debian's plain `busybox` package installs a dynamic /bin/busybox at the same path as
 * `busybox-static`, so presence alone proves nothing.
 * @param {string} path
 */
async function isStaticElf(path) {
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await fh.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return false; // ELF64 only
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    await fh.read(table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) {
      if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    await fh.close();
  }
}

/** @returns {Promise<string | undefined>} path of a statically linked busybox */
async function findStaticBusybox() {
  for (const path of ['/bin/busybox', '/usr/bin/busybox']) {
    try {
      if (await isStaticElf(path)) return path;
    } catch { /* absent or unreadable */ }
  }
  return undefined;
}

/**
 * What the lane needs on the host, and what is missing. Never throws for a missing tool.
 * @param {{ cacheDir?: string }} [options]
 * @returns {Promise<HostCheck[]>}
 */
export async function checkHost({ cacheDir = DEFAULT_CACHE_DIR } = {}) {
  /** @type {HostCheck[]} */
  const checks = [];
  /** @param {string} name @param {string} bin @param {string} pkg @param {boolean} required */
  const tool = async (name, bin, pkg, required) => {
    const path = await which(bin);
    checks.push({
      name, ok: Boolean(path), required,
      detail: path ?? `${bin} not found on PATH`,
      ...(path ? {} : { fix: `apt-get install -y ${pkg}` }),
    });
  };
  await tool('qemu-system-x86_64', 'qemu-system-x86_64', 'qemu-system-x86', true);
  const busybox = await findStaticBusybox();
  checks.push({
    name: 'busybox (static)', ok: Boolean(busybox), required: true,
    detail: busybox ?? 'no statically linked /bin/busybox (the dynamic `busybox` package does not work in an initramfs)',
    ...(busybox ? {} : { fix: 'apt-get install -y busybox-static' }),
  });
  await tool('cpio', 'cpio', 'cpio', true);
  await tool('xz', 'xz', 'xz-utils', true);
  await tool('apt-get', 'apt-get', 'apt', true);
  await tool('dpkg', 'dpkg', 'dpkg', true);
  await tool('bpftrace (smoke check only)', 'bpftrace', 'bpftrace', false);

  const cached = await findCachedKernels(cacheDir);
  if (cached.length > 0) {
    const k = cached[0];
    checks.push({
      name: 'kernel cache', ok: true, required: false,
      detail: `${k.packageName} ${k.packageVersion} in ${k.dir} (${formatBytes(await dirSize(k.dir))})`,
    });
  } else {
    checks.push({
      name: 'kernel cache', ok: false, required: false,
      detail: `empty (${cacheDir}); the first run downloads one kernel package (~70 MB)`,
      fix: 'node test/vm/run.mjs -- true',
    });
  }
  return checks;
}

/**
 * Throws one VmError listing every missing requirement with its apt command, so a fresh machine is
 * fixed in one step rather than one error at a time.
 */
async function assertHostReady() {
  const missing = (await checkHost()).filter((c) => c.required && !c.ok);
  if (missing.length === 0) return;
  const packages = missing.map((c) => c.fix?.replace('apt-get install -y ', '')).filter(Boolean);
  throw new VmError('MISSING_DEPENDENCY',
    `the VM lane needs: ${missing.map((c) => c.name).join(', ')}\n` +
    missing.map((c) => `  - ${c.name}: ${c.detail}`).join('\n') +
    `\nfix: apt-get install -y ${packages.join(' ')}   (or run test/vm/deps.sh)`);
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

/**
 * Runs a program to completion and collects its output. Rejects on spawn failure; the exit code is
 * returned, not thrown, because callers decide what a failure means.
 * @param {string} file
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function execCollect(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */ const out = [];
    /** @type {Buffer[]} */ const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({
      code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
    }));
  });
}

/**
 * Decompresses an .xz file with the host's xz into `dest`.
 * @param {string} src
 * @param {string} dest
 */
async function xzDecompress(src, dest) {
  const child = spawn('xz', ['-dc', src], { stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {Buffer[]} */ const err = [];
  child.stderr.on('data', (c) => err.push(c));
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  await pipeline(child.stdout, createWriteStream(dest));
  const code = await exited;
  if (code !== 0) {
    throw new VmError('BUILD_FAILED', `xz -dc ${src} failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`);
  }
}

/** @param {number} bytes */
function formatBytes(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** @param {number} ms */
function formatSeconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** @param {string} dir */
async function dirSize(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}

/** @param {string} path */
async function exists(path) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel

/**
 * The exact kernel package `linux-image-amd64` currently points at, from the local apt lists.
 * @returns {Promise<string | undefined>}
 */
async function lookupKernelPackage() {
  const depends = await execCollect('apt-cache', ['depends', KERNEL_META_PACKAGE]).catch(() => undefined);
  for (const line of depends?.stdout.split('\n') ?? []) {
    const name = line.match(/Depends:\s*(\S+)/)?.[1];
    if (name && KERNEL_PACKAGE_RE.test(name)) return name;
  }
  // The meta package can be missing from a trimmed apt list while the versioned ones are present.
  const search = await execCollect('apt-cache', ['search', '--names-only', '^linux-image-6\\.1\\.0-[0-9]+-amd64$'])
    .catch(() => undefined);
  const names = (search?.stdout.split('\n') ?? [])
    .map((line) => line.split(' ')[0])
    .filter((name) => KERNEL_PACKAGE_RE.test(name))
    .sort((a, b) => Number(a.match(KERNEL_PACKAGE_RE)?.[2]) - Number(b.match(KERNEL_PACKAGE_RE)?.[2]));
  return names.at(-1);
}

/**
 * Kernels already unpacked in the cache, newest first.
 * @param {string} cacheDir
 * @returns {Promise<KernelInfo[]>}
 */
async function findCachedKernels(cacheDir) {
  const root = join(cacheDir, 'kernel');
  /** @type {KernelInfo[]} */
  const found = [];
  let entries = [];
  try {
    entries = await readdir(root);
  } catch {
    return found;
  }
  for (const name of entries) {
    try {
      const info = /** @type {KernelInfo} */ (JSON.parse(await readFile(join(root, name, 'kernel.json'), 'utf8')));
      // Paths are recomputed so a moved checkout keeps its cache.
      const dir = join(root, name);
      found.push({
        ...info, downloadMs: 0, dir, vmlinuz: join(dir, 'vmlinuz'), config: join(dir, 'config'), modulesDir: join(dir, 'modules'),
      });
    } catch { /* incomplete or foreign entry */ }
  }
  const abi = (/** @type {KernelInfo} */ k) => Number(k.packageName.match(KERNEL_PACKAGE_RE)?.[2] ?? 0);
  return found.sort((a, b) => abi(b) - abi(a));
}

/**
 * Recursively finds `<name>.ko` / `<name>.ko.xz` for each wanted module under an unpacked modules tree.
 * @param {string} modulesRoot
 * @returns {Promise<Map<string, string>>} module name -> path
 */
async function findModuleFiles(modulesRoot) {
  /** @type {Map<string, string>} */
  const files = new Map();
  const wanted = new Set(INITRAMFS_MODULES);
  for (const entry of await readdir(modulesRoot, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const name = entry.name.replace(/\.ko(\.xz)?$/, '');
    if (name !== entry.name && wanted.has(name)) files.set(name, join(entry.parentPath ?? entry.path, entry.name));
  }
  return files;
}

/**
 * Makes sure the current Debian 6.1 kernel is unpacked in the cache and returns where it is.
 *
 * Looks the exact package up in apt's lists (running `apt-get update` only if that finds nothing),
 * downloads that single .deb with `apt-get download`, unpacks it with `dpkg -x`, and keeps vmlinuz,
 * the build config and the decompressed 9p/virtio modules (~9 MB instead of ~400 MB). Later calls
 * reuse the cache; when apt cannot name a kernel at all (offline, no lists), the newest cached one
 * is used with a warning.
 *
 * @param {{ cacheDir?: string, log?: Logger, packageName?: string }} [options]
 *   packageName pins an exact package (e.g. `linux-image-6.1.0-56-amd64`) instead of the current one.
 * @returns {Promise<KernelInfo>}
 * @throws {VmError} KERNEL_NOT_FOUND, DOWNLOAD_FAILED, BUILD_FAILED, MISSING_DEPENDENCY
 */
export function ensureKernel({ cacheDir = DEFAULT_CACHE_DIR, log = stderrLog, packageName } = {}) {
  // The apt lookup costs 0.5-2.5 s; one per process is enough for back-to-back runs.
  const key = `${cacheDir}\0${packageName ?? ''}`;
  const pending = kernelMemo.get(key);
  if (pending) return pending.then((k) => ({ ...k, downloadMs: 0 }));
  const first = resolveKernel(cacheDir, log, packageName);
  kernelMemo.set(key, first);
  first.catch(() => kernelMemo.delete(key));
  return first;
}

/** @type {Map<string, Promise<KernelInfo>>} */
const kernelMemo = new Map();

/**
 * @param {string} cacheDir
 * @param {Logger} log
 * @param {string | undefined} packageName
 * @returns {Promise<KernelInfo>}
 */
async function resolveKernel(cacheDir, log, packageName) {
  const cached = await findCachedKernels(cacheDir);
  let name = packageName;
  if (name && !KERNEL_PACKAGE_RE.test(name)) {
    throw new VmError('BAD_OPTIONS', `packageName must look like linux-image-6.1.0-NN-amd64, got ${name}`);
  }
  if (!name) name = await lookupKernelPackage();
  if (!name && cached.length === 0) {
    log(`apt lists name no ${KERNEL_META_PACKAGE}; running apt-get update`);
    const update = await execCollect('apt-get', ['update', '-qq']).catch((e) => ({ code: -1, stdout: '', stderr: String(e) }));
    if (update.code !== 0) log(`apt-get update failed (exit ${update.code}): ${update.stderr.trim().split('\n').at(-1)}`);
    name = await lookupKernelPackage();
  }
  if (!name) {
    if (cached.length > 0) {
      log(`apt names no kernel package; using cached ${cached[0].packageName}`);
      return cached[0];
    }
    throw new VmError('KERNEL_NOT_FOUND',
      `no linux-image-6.1.0-NN-amd64 package in apt's lists (looked via apt-cache depends ${KERNEL_META_PACKAGE} and apt-cache search)\n` +
      'fix: check /etc/apt/sources.list names Debian bookworm (and bookworm-security), then run apt-get update');
  }

  // A cache made before a module joined INITRAMFS_MODULES lacks it: unpack the package again.
  const hit = cached.find(
    (k) => k.packageName === name && INITRAMFS_MODULES.every((m) => k.modules?.includes(m)),
  );
  if (hit) return hit;

  for (const bin of ['apt-get', 'dpkg', 'xz']) {
    if (!(await which(bin))) {
      throw new VmError('MISSING_DEPENDENCY', `${bin} is needed to fetch the kernel; fix: apt-get install -y ${bin === 'xz' ? 'xz-utils' : bin === 'apt-get' ? 'apt' : 'dpkg'}`);
    }
  }
  // apt-get download falls back to regex matching when a name is not found, and a regex such as
  // linux-image-6.1.0-5 matches every -dbg package (1 GB each). apt-cache policy matches exactly,
  // and name=version leaves apt nothing to guess.
  const policy = await execCollect('apt-cache', ['policy', name]);
  const candidate = policy.stdout.match(/^\s*Candidate:\s*(\S+)/m)?.[1];
  if (!candidate || candidate === '(none)') {
    throw new VmError('KERNEL_NOT_FOUND',
      `apt has no installable package named ${name}\nfix: apt-get update, or pin a name from: apt-cache search --names-only '^linux-image-6\\.1\\.0-[0-9]+-amd64$'`);
  }
  const root = join(cacheDir, 'kernel');
  await mkdir(root, { recursive: true });
  // Everything happens in a private temp dir that is renamed into place at the end, so two
  // concurrent first runs cannot see a half-written kernel; the loser just discards its copy.
  const work = await mkdtemp(join(root, '.download-'));
  try {
    log(`downloading ${name} ${candidate} (one package, ~70 MB) into ${relative(process.cwd(), root) || root}`);
    const started = Date.now();
    // As root, apt drops to the _apt user for downloads and warns when that user cannot write the
    // target dir; downloading as root into our own dir is what we want.
    const dl = await execCollect('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', `${name}=${candidate}`], { cwd: work });
    const debs = (await readdir(work)).filter((f) => f.endsWith('.deb'));
    if (dl.code !== 0 || debs.length !== 1) {
      throw new VmError('DOWNLOAD_FAILED',
        `apt-get download ${name} failed (exit ${dl.code}):\n${(dl.stderr || dl.stdout).trim()}\n` +
        'fix: apt-get update (the package may have been superseded), then retry');
    }
    const deb = join(work, debs[0]);
    const debBytes = (await stat(deb)).size;
    log(`downloaded ${debs[0]} (${formatBytes(debBytes)}) in ${formatSeconds(Date.now() - started)}; unpacking`);

    const version = (await execCollect('dpkg-deb', ['-f', deb, 'Version'])).stdout.trim();
    const unpacked = join(work, 'root');
    const x = await execCollect('dpkg', ['-x', deb, unpacked]);
    if (x.code !== 0) throw new VmError('BUILD_FAILED', `dpkg -x ${deb} failed: ${x.stderr.trim()}`);

    const boot = join(unpacked, 'boot');
    const vmlinuzName = (await readdir(boot)).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuzName) throw new VmError('BUILD_FAILED', `${name} contains no boot/vmlinuz-*`);
    const release = vmlinuzName.slice('vmlinuz-'.length);

    const dest = join(work, 'kernel');
    await mkdir(join(dest, 'modules'), { recursive: true });
    await copyFile(join(boot, vmlinuzName), join(dest, 'vmlinuz'));
    await copyFile(join(boot, `config-${release}`), join(dest, 'config'));

    // Debian 12 ships modules under /lib; newer layouts use /usr/lib.
    let modulesRoot = join(unpacked, 'lib', 'modules', release);
    if (!(await exists(modulesRoot))) modulesRoot = join(unpacked, 'usr', 'lib', 'modules', release);
    const files = await findModuleFiles(modulesRoot);
    const builtin = await readFile(join(modulesRoot, 'modules.builtin'), 'utf8').catch(() => '');
    for (const mod of INITRAMFS_MODULES) {
      const src = files.get(mod);
      if (src) {
        const out = join(dest, 'modules', `${mod}.ko`);
        if (src.endsWith('.xz')) await xzDecompress(src, out);
        else await copyFile(src, out);
      } else if (!new RegExp(`/${mod}\\.ko$`, 'm').test(builtin)) {
        throw new VmError('BUILD_FAILED', `${name} has module ${mod} neither as a file nor built in; the initramfs needs it`);
      }
    }
    /** @type {Pick<KernelInfo, 'packageName' | 'packageVersion' | 'release' | 'modules'> & { debBytes: number, downloadedAt: string }} */
    const meta = {
      packageName: name, packageVersion: version, release, debBytes, downloadedAt: new Date().toISOString(), modules: [...INITRAMFS_MODULES],
    };
    await writeFile(join(dest, 'kernel.json'), `${JSON.stringify(meta, null, 2)}\n`);

    const final = join(root, name);
    // The same kernel cached with fewer modules is replaced, not kept.
    const stale = cached.find((k) => k.dir === final);
    if (stale) await rm(stale.dir, { recursive: true, force: true });
    try {
      await rename(dest, final);
    } catch (e) {
      if (!(await exists(join(final, 'kernel.json')))) throw e;
    }
    // Older kernels are superseded: keep the cache at one kernel (~9 MB) rather than one per update.
    for (const old of cached) {
      if (old.dir === final) continue;
      log(`removing superseded cached kernel ${old.packageName}`);
      await rm(old.dir, { recursive: true, force: true });
    }
    log(`kernel ${release} (${name} ${version}) ready in ${formatSeconds(Date.now() - started)}`);
    const [info] = (await findCachedKernels(cacheDir)).filter((k) => k.packageName === name);
    return { ...info, downloadMs: Date.now() - started };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Initramfs

/**
 * The guest's /init. Constant text: everything that varies per run (command, cwd, env, deadline)
 * comes from files in the results share, so one cached initramfs serves every run.
 */
const INIT_SCRIPT = `#!/bin/busybox sh
# PID 1 of the VM lane. Runs busybox only until it chroots into the host root.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev
# The cpio has no /dev/console node (building it would need mknod), so the kernel started us
# without stdio; attach it now that devtmpfs provides the node.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
hostname ebpf-vm

fail() {
  echo "vm-init: $*"
  [ -d /out/.vm ] && echo "$*" > /out/.vm/init-error
  poweroff -f
}

# The modules' dependency order is not recorded here (no modprobe data); each pass loads those
# whose dependencies the previous passes loaded.
for pass in 1 2 3; do
  for m in /lib/modules/*.ko; do
    name=\${m##*/}; name=\${name%.ko}
    [ -d /sys/module/$name ] || insmod "$m" 2>/dev/null
  done
done

mkdir -p /out /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /out || fail "cannot mount the results share (modules: $(ls /sys/module | tr '\\n' ' '))"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /host || fail "cannot mount the host root"

uname -r > /out/.vm/release
H=/host
mount -t proc proc $H/proc || fail "mount proc"
mount -t sysfs sysfs $H/sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs $H/dev || fail "mount devtmpfs"
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts devpts $H/dev/pts
mount -t tmpfs tmpfs $H/dev/shm
mount -t tracefs tracefs $H/sys/kernel/tracing || fail "mount tracefs"
mount -t debugfs debugfs $H/sys/kernel/debug || fail "mount debugfs"
mount -t bpf bpf $H/sys/fs/bpf || fail "mount bpffs"
# The host root is read-only: give the guest writable scratch space where programs expect it.
# A checkout that lives under /tmp or /run (a CI clone, say) is bound back over the fresh tmpfs.
i=0
for p in $(cat /out/.vm/keep 2>/dev/null); do
  mkdir -p /keep/$i && mount -o bind $H$p /keep/$i || fail "keep $p"
  i=$((i+1))
done
mount -t tmpfs tmpfs $H/tmp || fail "mount /tmp"
mount -t tmpfs tmpfs $H/run
i=0
for p in $(cat /out/.vm/keep 2>/dev/null); do
  mkdir -p $H$p && mount -o bind /keep/$i $H$p || fail "restore $p"
  i=$((i+1))
done
ulimit -l unlimited

deadline=$(cat /out/.vm/deadline 2>/dev/null || echo 3600)
cat /proc/uptime > /out/.vm/started
# The deadline is a backstop for when the host runner died and nobody kills qemu: the guest still
# ends the command and powers off. The host enforces the real timeout.
timeout -s KILL "$deadline" chroot /host /bin/sh -c "$(cat /out/.vm/job.sh)" </dev/null >/out/stdout.log 2>/out/stderr.log
echo $? > /out/.vm/status.tmp
cat /proc/uptime > /out/.vm/ended
mv /out/.vm/status.tmp /out/.vm/status
sync
poweroff -f
`;

/**
 * Builds (or reuses) the initramfs for a kernel: static busybox, the kernel's virtio/9p modules and
 * INIT_SCRIPT, as a gzipped newc cpio. Cached as `initramfs/<release>-<hash>.cpio.gz`, the hash
 * covering the init script, busybox and the modules, so any change rebuilds it.
 *
 * @param {{ kernel: KernelInfo, cacheDir?: string, log?: Logger }} options
 * @returns {Promise<{ path: string, built: boolean, buildMs: number }>}
 * @throws {VmError} MISSING_DEPENDENCY, BUILD_FAILED
 */
export async function buildInitramfs({ kernel, cacheDir = DEFAULT_CACHE_DIR, log = stderrLog }) {
  const busybox = await findStaticBusybox();
  if (!busybox) {
    throw new VmError('MISSING_DEPENDENCY', 'no statically linked busybox; fix: apt-get install -y busybox-static');
  }
  if (!(await which('cpio'))) throw new VmError('MISSING_DEPENDENCY', 'cpio not found; fix: apt-get install -y cpio');

  const modules = (await readdir(kernel.modulesDir)).filter((f) => f.endsWith('.ko')).sort();
  const hash = createHash('sha256').update(INIT_SCRIPT);
  hash.update(await readFile(busybox));
  for (const m of modules) hash.update(m).update(await readFile(join(kernel.modulesDir, m)));
  const key = `${kernel.release}-${hash.digest('hex').slice(0, 16)}`;
  const dir = join(cacheDir, 'initramfs');
  const path = join(dir, `${key}.cpio.gz`);
  if (await exists(path)) return { path, built: false, buildMs: 0 };

  const started = Date.now();
  await mkdir(dir, { recursive: true });
  const staging = await mkdtemp(join(tmpdir(), 'ebpf-vm-initramfs-'));
  const partial = `${path}.${process.pid}.partial`;
  try {
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'lib/modules', 'dev', 'proc', 'sys', 'out', 'host']) {
      await mkdir(join(staging, d), { recursive: true });
    }
    await copyFile(busybox, join(staging, 'bin', 'busybox'));
    await chmod(join(staging, 'bin', 'busybox'), 0o755);
    for (const m of modules) await copyFile(join(kernel.modulesDir, m), join(staging, 'lib', 'modules', m));
    await writeFile(join(staging, 'init'), INIT_SCRIPT, { mode: 0o755 });

    const entries = (await readdir(staging, { recursive: true })).sort();
    const cpio = spawn('cpio', ['-o', '-H', 'newc', '-R', '0:0', '--quiet'], { cwd: staging, stdio: ['pipe', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */ const err = [];
    cpio.stderr.on('data', (c) => err.push(c));
    const exited = new Promise((resolve, reject) => {
      cpio.on('error', reject);
      cpio.on('close', resolve);
    });
    cpio.stdin.end(`${entries.join('\n')}\n`);
    await pipeline(cpio.stdout, createGzip({ level: 6 }), createWriteStream(partial));
    const code = await exited;
    if (code !== 0) throw new VmError('BUILD_FAILED', `cpio failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`);
    await rename(partial, path);
    // Any other image was built from an older init script, busybox or kernel: it will not be used again.
    for (const f of await readdir(dir)) {
      if (f.endsWith('.cpio.gz') && join(dir, f) !== path) await rm(join(dir, f), { force: true });
    }
    const buildMs = Date.now() - started;
    log(`initramfs ${basename(path)} (${formatBytes((await stat(path)).size)}) built in ${formatSeconds(buildMs)}`);
    return { path, built: true, buildMs };
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Running

/** @param {string} s */
function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script the guest runs in the chroot: a clean environment, the caller's cwd and env, then the
 * command. A string command is inlined as shell; an argv is exec'd so its exit status is the run's.
 * @param {{ command: string | string[], cwd: string, env: Record<string, string> }} job
 */
function jobScript({ command, cwd, env }) {
  const lines = [
    'ulimit -l unlimited',
    // Nothing configures networking in the guest; loopback workloads (sockets, softirqs) need lo up.
    'ip link set lo up 2>/dev/null || true',
    `export PATH=${shellQuote(GUEST_PATH)} HOME=/root TERM=dumb LANG=C.UTF-8`,
  ];
  for (const [k, v] of Object.entries(env)) lines.push(`export ${k}=${shellQuote(v)}`);
  lines.push(`cd ${shellQuote(cwd)} || { echo "vm: cannot cd to ${cwd.replace(/[`"$\\]/g, '')} in the guest" >&2; exit 126; }`);
  lines.push(Array.isArray(command) ? `exec ${command.map(shellQuote).join(' ')}` : command);
  return `${lines.join('\n')}\n`;
}

/**
 * One line naming the command for progress messages.
 * @param {string | string[]} command
 */
function describeCommand(command) {
  if (!Array.isArray(command)) {
    const lines = command.trim().split('\n');
    return lines.length > 1 ? `${lines[0]} ... (${lines.length} lines of sh)` : lines[0];
  }
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a))).join(' ');
}

/**
 * SeaBIOS clears the screen with terminal escapes; they only garble an error message. Applied to
 * whole text, not chunks, because the serial console delivers a sequence in pieces.
 * @param {string} text
 */
function stripEscapes(text) {
  return text.replace(/\x1b(\[[0-9;?]*[A-Za-z]|c)/g, '').replace(/\r/g, '');
}

/** Keeps the last N lines of a stream without holding all of it. */
class LineTail {
  /** @param {number} max */
  constructor(max) {
    this.max = max;
    /** @type {string[]} */ this.lines = [];
    this.partial = '';
    this.all = '';
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    const text = chunk.toString('utf8');
    // The whole console is small (quiet boot), so it is kept too, for callers that want it.
    if (this.all.length < 1 << 20) this.all += text;
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  toString() {
    return stripEscapes([...this.lines, this.partial].join('\n'))
      .split('\n').filter((l) => l.trim() !== '').slice(-this.max).join('\n');
  }
}

/** Console lines that start a kernel report worth showing (lockups, oopses, panics, warnings). */
const KERNEL_REPORT = /(BUG:|Oops|general protection fault|Kernel panic|WARNING:|INFO: task .* blocked|rcu: INFO)/;

/**
 * The first kernel report on the console and the lines after it (its stack), or undefined.
 * The last lines of a wedged guest are the same report repeated; the first one is the useful one.
 * @param {string} consoleText
 */
export function firstKernelReport(consoleText, lines = 60) {
  const all = stripEscapes(consoleText).split(/\r?\n/);
  const at = all.findIndex((l) => KERNEL_REPORT.test(l));
  return at < 0 ? undefined : all.slice(at, at + lines).filter((l) => l.trim() !== '').join('\n');
}

/**
 * Follows a file the guest appends to through 9p and hands new bytes to a callback.
 * @param {string} path
 * @param {((chunk: Buffer) => void) | undefined} onData
 */
function followFile(path, onData) {
  let offset = 0;
  let busy = false;
  const readNew = async () => {
    if (busy || !onData) return;
    busy = true;
    try {
      const fh = await open(path, 'r');
      try {
        const { size } = await fh.stat();
        if (size > offset) {
          const buf = Buffer.alloc(size - offset);
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          offset += bytesRead;
          if (bytesRead > 0) onData(buf.subarray(0, bytesRead));
        }
      } finally {
        await fh.close();
      }
    } catch { /* not created yet */ } finally {
      busy = false;
    }
  };
  const timer = setInterval(readNew, POLL_MS);
  timer.unref();
  return {
    /** Stops polling and delivers whatever is left. */
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 10));
      await readNew();
    },
  };
}

/** qemu processes of this Node process, killed on exit so no emulator outlives its runner. */
const liveQemus = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveQemus) child.kill('SIGKILL');
  });
}

/**
 * Boots the VM, runs one command as root in a chroot of the host root, and returns its result.
 *
 * The guest sees the host's files at the same paths (read-only), a fresh tmpfs on /tmp and /run,
 * and proc, sysfs, devtmpfs, tracefs, debugfs and bpffs mounted. Runs are independent: each has its
 * own results directory and qemu, so they may run one after another or concurrently.
 *
 * @param {RunOptions} options
 * @returns {Promise<RunResult>}
 * @throws {VmError} MISSING_DEPENDENCY / KERNEL_NOT_FOUND / DOWNLOAD_FAILED / BUILD_FAILED before boot;
 *   BOOT_FAILED when the guest ended without running the command; GUEST_CRASHED when its kernel died
 *   (panic, or a lockup turned into one) while the command ran; TIMEOUT; ABORTED.
 *   A non-zero exit of the command itself is a result, not an error.
 */
export async function runInVm(options) {
  const {
    command, cwd = process.cwd(), env = {}, timeoutMs = 300_000, memoryMb = 2048, cpus = 2,
    log = stderrLog, cacheDir = DEFAULT_CACHE_DIR, onStdout, onStderr, signal, qemuArgs = [],
  } = options;
  if (typeof command === 'string' ? command.trim() === '' : !Array.isArray(command) || command.length === 0) {
    throw new VmError('BAD_OPTIONS', 'command must be a non-empty string or argv array');
  }
  for (const k of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new VmError('BAD_OPTIONS', `invalid environment variable name: ${k}`);
  }
  if (!cwd.startsWith('/')) throw new VmError('BAD_OPTIONS', `cwd must be absolute: ${cwd}`);
  const hiddenBy = GUEST_OWN_MOUNTS.find((m) => cwd === m || cwd.startsWith(`${m}/`));
  // The guest's fresh /tmp and /run are writable tmpfs; a cwd below them is bound back over them.
  const keep = hiddenBy === '/tmp' || hiddenBy === '/run' ? [cwd] : [];
  if (hiddenBy && keep.length === 0) {
    throw new VmError('BAD_OPTIONS',
      `cwd ${cwd} does not exist in the guest: the guest mounts its own fresh ${hiddenBy}; run from a directory outside ${GUEST_OWN_MOUNTS.join(', ')}`);
  }
  signal?.throwIfAborted();

  await assertHostReady();
  const kernel = options.kernel ?? await ensureKernel({ cacheDir, log });
  const initramfs = await buildInitramfs({ kernel, cacheDir, log });

  const outDir = await mkdtemp(join(tmpdir(), 'ebpf-vm-run-'));
  const control = join(outDir, '.vm');
  const consoleTail = new LineTail(CONSOLE_TAIL_LINES);
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let qemu;
  try {
    await mkdir(control);
    await writeFile(join(control, 'job.sh'), jobScript({ command, cwd, env }));
    await writeFile(join(control, 'keep'), keep.map((p) => `${p}\n`).join(''));
    await writeFile(join(control, 'deadline'), `${Math.ceil(timeoutMs / 1000) + 5}\n`);

    const args = [
      '-machine', 'q35', '-cpu', 'max', '-m', String(memoryMb), '-smp', String(cpus),
      '-nographic', '-no-reboot', '-nic', 'none', '-vga', 'none',
      '-kernel', kernel.vmlinuz, '-initrd', initramfs.path,
      // The console is only read for errors: quiet, but loglevel=5 keeps warnings, so a BUG comes
      // with its stack. panic=-1 + -no-reboot: a dying init or a panic ends qemu at once instead of
      // hanging until the timeout; softlockup_panic and hung_task_panic turn a wedged guest into
      // such a panic, so the run fails in seconds with the first report instead of its repeats.
      // watchdog_thresh=60 (a soft lockup after 120 s, not 20): under emulation on a busy host a
      // vCPU can wait that long for the other to answer the IPIs of text patching (tracepoints
      // being attached and detached), which is slowness, not a wedge.
      '-append', 'console=ttyS0 quiet loglevel=5 panic=-1 softlockup_panic=1 hung_task_panic=1 watchdog_thresh=60',
      '-fsdev', 'local,id=r,path=/,security_model=none,readonly=on,multidevs=remap',
      '-device', 'virtio-9p-pci,fsdev=r,mount_tag=hostroot',
      '-fsdev', `local,id=o,path=${outDir},security_model=none`,
      '-device', 'virtio-9p-pci,fsdev=o,mount_tag=out',
      ...qemuArgs,
    ];
    log(`booting ${kernel.release} (qemu TCG, ${cpus} CPUs, ${memoryMb} MiB); running ${describeCommand(command)}`);
    const started = Date.now();
    installExitHook();
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    qemu = child;
    liveQemus.add(child);
    child.stdout?.on('data', (c) => consoleTail.push(c));
    child.stderr?.on('data', (c) => consoleTail.push(c));

    /** @type {number | undefined} */
    let bootMs;
    /** @type {number | undefined} */
    let finishedAt;
    /** @type {'TIMEOUT' | 'ABORTED' | 'SHUTDOWN_HUNG' | undefined} */
    let killedFor;
    const startWatch = setInterval(() => {
      if (bootMs === undefined) {
        access(join(control, 'started')).then(() => { bootMs ??= Date.now() - started; }, () => {});
      } else if (finishedAt === undefined) {
        access(join(control, 'status')).then(() => { finishedAt ??= Date.now(); }, () => {});
      } else if (Date.now() - finishedAt > SHUTDOWN_GRACE_MS && !killedFor) {
        // The command is done and its results are written; a guest that does not power off
        // (seen in CI: a TCG guest wedged in soft lockups) must not hold the run until the timeout.
        killedFor = 'SHUTDOWN_HUNG';
        qemu?.kill('SIGKILL');
      }
    }, POLL_MS);
    startWatch.unref();
    const stdoutFollow = followFile(join(outDir, 'stdout.log'), onStdout);
    const stderrFollow = followFile(join(outDir, 'stderr.log'), onStderr);

    const exit = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { killedFor = 'TIMEOUT'; child.kill('SIGKILL'); }, timeoutMs);
      const onAbort = () => { killedFor = 'ABORTED'; child.kill('SIGKILL'); };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ code, sig });
      });
    });
    liveQemus.delete(child);
    clearInterval(startWatch);
    // A terminal's Ctrl-C reaches qemu (same process group) as well as us; whichever exits first,
    // the run was aborted, not a boot failure.
    if (!killedFor && signal?.aborted) killedFor = 'ABORTED';
    const durationMs = Date.now() - started;
    await stdoutFollow.stop();
    await stderrFollow.stop();

    const read = (/** @type {string} */ f) => readFile(join(outDir, f), 'utf8').catch(() => undefined);
    const status = await read('.vm/status');
    const stdout = (await read('stdout.log')) ?? '';
    const stderr = (await read('stderr.log')) ?? '';
    const tail = consoleTail.toString();

    // The command finished and its results are complete; only the guest's way down hung or died.
    if (status !== undefined && killedFor !== 'ABORTED' && (killedFor !== undefined || firstKernelReport(consoleTail.all))) {
      const report = firstKernelReport(consoleTail.all);
      log(`the command finished (exit ${status.trim()}) but the guest ${killedFor ? 'did not power off' : 'crashed on its way down'}; keeping the results` +
        (report ? `\nthe guest kernel's first report:\n${report}` : ''));
    } else if (killedFor === 'TIMEOUT' || killedFor === 'SHUTDOWN_HUNG') {
      const where = bootMs === undefined ? 'before the guest finished booting' : `${formatSeconds(durationMs - bootMs)} into the command`;
      const report = firstKernelReport(consoleTail.all);
      throw new VmError('TIMEOUT',
        `VM run timed out after ${formatSeconds(timeoutMs)} (${where}); qemu killed.\n` +
        (report ? `the guest kernel's first report:\n${report}\n` : '') +
        `last console lines:\n${tail || '(none)'}` +
        (stderr ? `\nlast stderr lines of the command:\n${stderr.trimEnd().split('\n').slice(-10).join('\n')}` : ''),
        { consoleTail: tail });
    }
    if (killedFor === 'ABORTED') throw new VmError('ABORTED', 'VM run aborted; qemu killed', { consoleTail: tail });
    const report = firstKernelReport(consoleTail.all);
    if (status === undefined && bootMs !== undefined && report) {
      throw new VmError('GUEST_CRASHED',
        `the guest kernel died ${formatSeconds(durationMs - bootMs)} into the command (qemu exit ${exit.code ?? exit.sig}); its first report:\n${report}` +
        (stderr ? `\nlast stderr lines of the command:\n${stderr.trimEnd().split('\n').slice(-10).join('\n')}` : ''),
        { consoleTail: tail });
    }
    if (status === undefined) {
      const initError = await read('.vm/init-error');
      throw new VmError('BOOT_FAILED',
        `the guest ended without running the command (qemu exit ${exit.code ?? exit.sig})` +
        (initError ? `: ${initError.trim()}` : '') + `\nlast console lines:\n${tail || '(none)'}`,
        { consoleTail: tail });
    }

    const startedUptime = Number((await read('.vm/started'))?.split(' ')[0]);
    const endedUptime = Number((await read('.vm/ended'))?.split(' ')[0]);
    const commandMs = Number.isFinite(startedUptime) && Number.isFinite(endedUptime)
      ? Math.round((endedUptime - startedUptime) * 1000) : undefined;
    const exitCode = Number(status.trim());
    log(`exit ${exitCode}; boot ${bootMs === undefined ? '?' : formatSeconds(bootMs)}, command ${commandMs === undefined ? '?' : formatSeconds(commandMs)}, total ${formatSeconds(durationMs)}`);
    return {
      exitCode, stdout, stderr, durationMs, bootMs, commandMs,
      kernelRelease: ((await read('.vm/release')) ?? kernel.release).trim(),
      console: stripEscapes(consoleTail.all),
    };
  } catch (e) {
    if (e instanceof VmError) throw e;
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT' && qemu && qemu.pid === undefined) {
      throw new VmError('MISSING_DEPENDENCY', 'qemu-system-x86_64 could not be started; fix: apt-get install -y qemu-system-x86', { cause: e });
    }
    throw e;
  } finally {
    if (qemu && qemu.exitCode === null && qemu.signalCode === null) {
      qemu.kill('SIGKILL');
      await new Promise((r) => qemu?.once('close', r));
    }
    if (qemu) liveQemus.delete(qemu);
    await rm(outDir, { recursive: true, force: true });
  }
}
