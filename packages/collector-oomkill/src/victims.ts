/**
 * Decoding `tbl_oomkill` and deciding where each victim's kills are charted.
 */
import type { AppsGroups, ProcessGrouping } from '@ebpf-collectors/core';
import { CGROUP_SLOTS, FLAG, VICTIM } from './internal-types.js';
import { OTHER } from './metrics.js';
import type { OomAttribution, OomVictim } from './types.js';

/**
 * Victims from a `tbl_oomkill` dump: `count` u32 keys and `count` values of
 * `struct ebpfc_oomkill_victim`.
 *
 * @throws RangeError when the buffers are shorter than `count` entries
 */
export function decodeVictims(count: number, keys: Buffer, values: Buffer, valueSize: number = VICTIM.size): OomVictim[] {
  if (keys.length < count * 4 || values.length < count * valueSize || valueSize < VICTIM.size) {
    throw new RangeError(`tbl_oomkill: ${count} entries need ${count * 4} key and ${count * valueSize} value bytes (value size ${valueSize} >= ${VICTIM.size})`);
  }
  const out: OomVictim[] = [];
  for (let i = 0; i < count; i++) {
    const v = i * valueSize;
    const commBytes = values.subarray(v + VICTIM.comm, v + VICTIM.comm + VICTIM.commLength);
    const nul = commBytes.indexOf(0);
    const cgroupIds: bigint[] = [];
    for (let s = 0; s < CGROUP_SLOTS; s++) cgroupIds.push(values.readBigUInt64LE(v + VICTIM.cgroup + s * 8));
    out.push({
      pid: keys.readUInt32LE(i * 4),
      kills: values.readBigUInt64LE(v + VICTIM.kills),
      comm: commBytes.subarray(0, nul < 0 ? commBytes.length : nul).toString('utf8'),
      ppid: values.readUInt32LE(v + VICTIM.ppid),
      cgroupIds,
      self: (values.readUInt32LE(v + VICTIM.flags) & FLAG.self) !== 0,
    });
  }
  return out;
}

/** What {@link attributeVictim} may consult besides the victim itself. */
export interface AttributionSources {
  readonly grouping: ProcessGrouping;
  /** apps_groups.conf, to match a victim the /proc scan never saw by its name. */
  readonly apps?: AppsGroups | undefined;
  /** Cgroup or service of a victim from its recorded cgroup ids (see `CgroupResolver`). */
  classify?(victim: OomVictim): { kind: 'cgroup' | 'service' | 'none'; name?: string; path?: string } | undefined;
}

/**
 * Where a victim's kills go. The victim is usually gone by the time user
 * space reads the table, often before any /proc scan saw it:
 * - a victim the PID table knows keeps the group, cgroup and service the
 *   table gave it;
 * - otherwise the app group is the first apps_groups.conf pattern matching
 *   its name (the name stands in for the command line, which is gone), else
 *   its parent's group, else `other`; cgroup and service come from the
 *   cgroup ids the kernel recorded.
 */
export function attributeVictim(victim: OomVictim, sources: AttributionSources): OomAttribution {
  const { grouping } = sources;
  const known = grouping.appOf(victim.pid);
  const classified = sources.classify?.(victim);
  const path = classified?.path !== undefined ? { cgroupPath: classified.path } : {};
  if (known !== undefined) {
    const cgroup = grouping.cgroupOf(victim.pid) ?? (classified?.kind === 'cgroup' ? classified.name : undefined);
    const service = grouping.serviceOf(victim.pid) ?? (classified?.kind === 'service' ? classified.name : undefined);
    return { app: known, ...(cgroup !== undefined ? { cgroup } : {}), ...(service !== undefined ? { service } : {}), ...path };
  }
  const matched = victim.comm !== '' ? sources.apps?.match(victim.comm) : undefined;
  const parent = victim.ppid > 0 ? grouping.appOf(victim.ppid) : undefined;
  const app = matched ?? parent ?? OTHER;
  if (classified?.kind === 'cgroup' && classified.name !== undefined) return { app, cgroup: classified.name, ...path };
  if (classified?.kind === 'service' && classified.name !== undefined) return { app, service: classified.name, ...path };
  return { app };
}
