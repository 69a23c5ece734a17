/**
 * Can this kernel run the collectors at all? (Individual features are each
 * collector's business; this is the whole-plugin gate behind exit code 2.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Loader } from '@ebpf-collectors/loader-native';

/** Oldest kernel Netdata's plugin accepts (4.11); ours needs BPF maps and tracepoints from then. */
const MIN_VERSION_CODE = 4 * 65536 + 11 * 256;

/** Result of {@link checkKernel}. */
export interface KernelCheck {
  ok: boolean;
  reason?: string;
}

/** Lines of the first reject list found (user `ebpf.d/`, then stock `ebpf.d/`). */
export function readRejectList(dirs: { user?: string; stock?: string }): { file?: string; prefixes: string[] } {
  for (const dir of [dirs.user, dirs.stock]) {
    if (!dir) continue;
    const file = join(dir, 'ebpf.d', 'ebpf_kernel_reject_list.txt');
    if (!existsSync(file)) continue;
    const prefixes = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    return { file, prefixes };
  }
  return { prefixes: [] };
}

/** The kernel description the reject list is matched against (Ubuntu's signature first). */
function kernelSignature(): string {
  for (const file of ['/proc/version_signature', '/proc/version']) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      // try the next one
    }
  }
  return '';
}

/** Whether BPF works here at all, the kernel is new enough and not on the reject list. */
export function checkKernel(loader: Loader, dirs: { user?: string; stock?: string }): KernelCheck {
  const code = loader.features.kernelVersionCode();
  if (code < MIN_VERSION_CODE) {
    return { ok: false, reason: `kernel ${loader.features.kernelRelease()} is older than 4.11` };
  }
  const reject = readRejectList(dirs);
  const signature = kernelSignature();
  const hit = reject.prefixes.find((p) => signature.startsWith(p));
  if (hit) return { ok: false, reason: `"${signature}" matches "${hit}" in ${reject.file}` };
  try {
    if (!loader.features.mapType('array')) {
      return { ok: false, reason: `cannot create a BPF map: ${loader.features.reason('mapType:array') ?? 'unknown reason'}` };
    }
  } catch (error) {
    return { ok: false, reason: `the bpf() system call failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true };
}
