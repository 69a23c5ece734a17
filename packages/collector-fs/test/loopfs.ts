/**
 * Scratch filesystems on loop devices for the filesystem kernel test: a
 * sparse file, `losetup`, `mkfs.<fs>`, `mount`; and the way back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findInPath } from '@ebpf-collectors/test-utils';

/** A mounted scratch filesystem. */
export interface LoopFs {
  readonly fs: string;
  readonly image: string;
  readonly device: string;
  readonly mountPoint: string;
}

/** Smallest image each mkfs accepts, with room to spare (xfsprogs 6 refuses < 300 MiB). */
const IMAGE_BYTES: Readonly<Record<string, number>> = { xfs: 320 * 2 ** 20, btrfs: 256 * 2 ** 20 };

/** Why a loop filesystem of type `fs` cannot be made here, or `undefined` when it can. */
export function loopFsSkipReason(fs: 'xfs' | 'btrfs'): string | undefined {
  if (!existsSync('/dev/loop-control')) return 'no loop devices (/dev/loop-control is missing)';
  for (const tool of ['losetup', 'mount', 'umount', `mkfs.${fs}`]) {
    if (findInPath(tool) === undefined) {
      return `${tool} is not installed (apt-get install ${fs === 'xfs' ? 'xfsprogs' : 'btrfs-progs'} util-linux mount)`;
    }
  }
  const known = readFileSync('/proc/filesystems', 'utf8').split('\n').some((line) => line.trim().split(/\s+/).pop() === fs);
  if (!known) return `the kernel does not offer ${fs} (not in /proc/filesystems; try modprobe ${fs})`;
  return undefined;
}

function run(file: string, args: ReadonlyArray<string>): string {
  const result = spawnSync(file, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

/** Make and mount a `fs` filesystem on a loop device under `dir`. Cleans up what it made when a step fails. */
export function mountLoopFs(fs: 'xfs' | 'btrfs', dir: string): LoopFs {
  mkdirSync(dir, { recursive: true });
  const image = join(dir, `${fs}.img`);
  const mountPoint = join(dir, `${fs}.mnt`);
  writeFileSync(image, '');
  truncateSync(image, IMAGE_BYTES[fs]);
  mkdirSync(mountPoint, { recursive: true });
  let device: string | undefined;
  try {
    device = run('losetup', ['--find', '--show', image]);
    run(`mkfs.${fs}`, ['-q', '-f', device]);
    run('mount', ['-t', fs, device, mountPoint]);
    return { fs, image, device, mountPoint };
  } catch (error) {
    if (device !== undefined) spawnSync('losetup', ['-d', device]);
    rmSync(image, { force: true });
    throw error;
  }
}

/** Unmount (lazily if busy), detach the loop device, delete the image. Idempotent; returns problems instead of throwing. */
export function unmountLoopFs(loop: LoopFs): string[] {
  const problems: string[] = [];
  const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${loop.mountPoint} `);
  if (mounted()) {
    const plain = spawnSync('umount', [loop.mountPoint], { encoding: 'utf8' });
    if (plain.status !== 0) {
      const lazy = spawnSync('umount', ['-l', loop.mountPoint], { encoding: 'utf8' });
      if (lazy.status !== 0) problems.push(`umount ${loop.mountPoint}: ${lazy.stderr}`);
    }
  }
  const listed = spawnSync('losetup', ['-j', loop.image], { encoding: 'utf8' });
  if (listed.stdout.includes(loop.device)) {
    const detach = spawnSync('losetup', ['-d', loop.device], { encoding: 'utf8' });
    if (detach.status !== 0) problems.push(`losetup -d ${loop.device}: ${detach.stderr}`);
  }
  rmSync(loop.image, { force: true });
  rmSync(loop.mountPoint, { recursive: true, force: true });
  return problems;
}
