/**
 * Can this process use BPF? Root, or the capabilities that replace it on
 * kernels >= 5.8 (CAP_BPF for programs and maps, CAP_PERFMON for tracing).
 */
import { readFileSync } from 'node:fs';

const CAP_DAC_READ_SEARCH = 2n;
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** The effective capability mask of this process, from /proc/self/status. */
export function effectiveCapabilities(statusText?: string): bigint {
  const text = statusText ?? readFileSync('/proc/self/status', 'utf8');
  const match = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(text);
  return match ? BigInt(`0x${match[1]}`) : 0n;
}

/** Result of {@link checkPrivileges}. */
export interface PrivilegeCheck {
  ok: boolean;
  /** What was found, for logs and errors. */
  detail: string;
}

/** Whether the process may load and attach tracing BPF programs. */
export function checkPrivileges(euid: number = process.geteuid?.() ?? -1, caps: bigint = effectiveCapabilities()): PrivilegeCheck {
  const has = (bit: bigint) => (caps >> bit) & 1n;
  if (euid === 0 && has(CAP_SYS_ADMIN)) return { ok: true, detail: 'root' };
  if (has(CAP_SYS_ADMIN)) return { ok: true, detail: 'CAP_SYS_ADMIN' };
  if (has(CAP_BPF) && has(CAP_PERFMON)) return { ok: true, detail: 'CAP_BPF + CAP_PERFMON' };
  const missing = [!has(CAP_BPF) && 'CAP_BPF', !has(CAP_PERFMON) && 'CAP_PERFMON'].filter(Boolean).join(' and ');
  return {
    ok: false,
    detail:
      euid === 0
        ? `running as root but without ${missing} (a container or a capability bounding set?)`
        : `running as uid ${euid} without ${missing}`,
  };
}

/**
 * The capabilities a non-root plugin runs every collector with (documented in
 * the README): CAP_BPF (programs, maps), CAP_PERFMON (tracing programs and
 * their attachment), CAP_DAC_READ_SEARCH (tracefs is mode 0700: tracepoint ids).
 */
export const RUN_CAPABILITIES = ['CAP_BPF', 'CAP_PERFMON', 'CAP_DAC_READ_SEARCH'] as const;

/**
 * What the plugin keeps once everything is attached: CAP_BPF, which map
 * reads need on kernels before 6.5 while `kernel.unprivileged_bpf_disabled`
 * is set (the default), and CAP_DAC_READ_SEARCH, with which a root-started
 * plugin still reads what root could (Netdata's cgroup table in /dev/shm is
 * its user's, mode 0660; /proc under hidepid). Read-only: no writes, mounts,
 * ptrace, module loads or new programs.
 */
export const KEPT_CAPABILITIES = ['CAP_BPF', 'CAP_DAC_READ_SEARCH'] as const;

/** A warning when a non-root plugin lacks CAP_DAC_READ_SEARCH (tracepoint collectors will fail), else undefined. */
export function missingRecommended(euid: number = process.geteuid?.() ?? -1, caps: bigint = effectiveCapabilities()): string | undefined {
  if (euid === 0 || (caps >> CAP_DAC_READ_SEARCH) & 1n) return undefined;
  return `running as uid ${euid} without CAP_DAC_READ_SEARCH: tracefs (/sys/kernel/tracing, mode 0700) cannot be read, so collectors that use tracepoints will fail; grant ${RUN_CAPABILITIES.join(', ')}`;
}
