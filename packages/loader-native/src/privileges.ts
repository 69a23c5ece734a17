/**
 * Capabilities of this process, and dropping them once the programs are
 * loaded and attached: reading maps and /proc needs (almost) none of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { errorFromNative, noteCapabilitiesDropped } from './errors.js';
import { nativeBinding } from './native.js';
import type { CapabilityDrop, CapabilitySets } from './types.js';

/** Linux capability names by number (capability.h), lower case without `cap_` as in capsh/setpriv. */
export const CAPABILITY_NAMES: ReadonlyArray<string> = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

interface PrivilegeBinding {
  capabilities(): CapabilitySets;
  dropCapabilities(keep: bigint): CapabilityDrop;
}

function binding(): PrivilegeBinding {
  return nativeBinding() as unknown as PrivilegeBinding;
}

/** `cap_bpf`, `CAP_BPF` or `bpf` -> 39. @throws RangeError for an unknown name */
export function capabilityNumber(name: string): number {
  const n = CAPABILITY_NAMES.indexOf(name.toLowerCase().replace(/^cap_/, ''));
  if (n < 0) throw new RangeError(`unknown capability "${name}" (known: ${CAPABILITY_NAMES.join(', ')})`);
  return n;
}

/** Mask -> `['CAP_BPF', 'CAP_PERFMON']`. */
export function capabilityNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let n = 0; n < 64; n++) {
    if ((mask >> BigInt(n)) & 1n) names.push(`CAP_${(CAPABILITY_NAMES[n] ?? String(n)).toUpperCase()}`);
  }
  return names;
}

/** Names -> mask. */
export function capabilityMask(names: ReadonlyArray<string>): bigint {
  return names.reduce((mask, name) => mask | (1n << BigInt(capabilityNumber(name))), 0n);
}

/** The calling thread's capability sets. */
export function capabilities(): CapabilitySets {
  try {
    return binding().capabilities();
  } catch (e) {
    throw errorFromNative(e);
  }
}

/**
 * Keeps only `keep` (e.g. `['CAP_BPF']`) of the capabilities this process
 * holds, on every thread that takes the drop signal, with no_new_privs set;
 * the others leave the bounding set too when CAP_SETPCAP allows. Irreversible:
 * loading or attaching programs later fails with EPERM.
 */
export function dropCapabilities(keep: ReadonlyArray<string>): CapabilityDrop {
  try {
    const drop = binding().dropCapabilities(capabilityMask(keep));
    noteCapabilitiesDropped(capabilityNames(drop.kept).join(', ') || 'none');
    return drop;
  } catch (e) {
    throw errorFromNative(e);
  }
}

/** CapEff of every thread of this process (from /proc/self/task/<tid>/status), by thread id. */
export function threadCapabilities(): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'));
      if (match) out.set(Number(tid), BigInt(`0x${match[1]}`));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
