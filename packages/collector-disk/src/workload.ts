/**
 * The disk workload: direct I/O on a loop device backed by a file, so every
 * read and write is one block request the kernel must count.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { childProcess, SelfTestSkipped, WorkloadError } from '@ebpf-collectors/core';
import { kernelDev } from './partitions.js';

/** Bytes per direct read and write: one request each. */
export const IO_BLOCK = 4096;

/** An attached loop device. */
export interface LoopDevice {
  /** `/dev/loopN`. */
  readonly path: string;
  /** `loopN`: its name in /proc/partitions and its chart id. */
  readonly name: string;
  /** Its kernel dev_t (major << 20 | minor). */
  readonly dev: number;
  readonly backingFile: string;
}

function run(command: string, args: ReadonlyArray<string>): string {
  const r = childProcess().spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new SelfTestSkipped(`${command} is not installed (apt install ${command === 'losetup' ? 'mount' : 'coreutils'})`);
  }
  if (r.status !== 0) throw new WorkloadError(`${command} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

/**
 * A new loop device over a file of `bytes` bytes in `dir`.
 *
 * @throws SelfTestSkipped when not root, or losetup or loop devices are missing
 */
export function attachLoop(dir: string, bytes = 8 * 1024 * 1024): LoopDevice {
  if (process.getuid?.() !== 0) throw new SelfTestSkipped('the disk workload needs root (it attaches a loop device)');
  const backingFile = join(dir, `ebpfc-disk-${process.pid}-${Date.now() % 100000}.img`);
  writeFileSync(backingFile, '');
  run('truncate', ['-s', String(bytes), backingFile]);
  let path: string;
  try {
    path = run('losetup', ['--find', '--show', backingFile]).trim();
  } catch (error) {
    if (error instanceof WorkloadError && /loop|No such (file|device)/i.test(error.message)) {
      throw new SelfTestSkipped(`no loop device can be attached here: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const name = basename(path);
  const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return { path, name, dev: kernelDev(major!, minor!), backingFile };
}

/** Detach a loop device (best effort: it may be gone already). */
export function detachLoop(loop: LoopDevice): void {
  childProcess().spawnSync('losetup', ['--detach', loop.path], { timeout: 30_000 });
}

/**
 * `writes` direct (O_DIRECT) writes then `reads` direct reads of
 * {@link IO_BLOCK} bytes each, one at a time with dd: each is at least one
 * request of the device, and none waits for another to merge with.
 *
 * @throws WorkloadError when dd fails
 */
export function directIo(loop: LoopDevice, writes: number, reads: number): void {
  run('dd', ['if=/dev/zero', `of=${loop.path}`, `bs=${IO_BLOCK}`, `count=${writes}`, 'oflag=direct', 'conv=notrunc', 'status=none']);
  run('dd', [`if=${loop.path}`, 'of=/dev/null', `bs=${IO_BLOCK}`, `count=${reads}`, 'iflag=direct', 'status=none']);
}
