/**
 * Can this process use BPF? Root, or the capabilities that replace it on
 * kernels >= 5.8 (CAP_BPF for programs and maps, CAP_PERFMON for tracing).
 */
import { readFileSync } from 'node:fs';

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
