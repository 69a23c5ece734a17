/**
 * Per-group monotonic totals from per-PID cumulative kernel counters.
 */
import type { GroupAccumulator, GroupTotals, PidTableDump, PidValues, ProcessGrouping } from '../types.js';
import { OTHER_GROUP } from './apps-groups.js';
import { LaneCountError } from './errors.js';
import { hasPidIdentity } from './pid-table.js';

/** What a {@link createGroupAccumulator} groups by. */
export type GroupBy = 'app' | 'cgroup' | 'service';

/** Options of {@link createGroupAccumulator}. */
export interface GroupAccumulatorOptions {
  /**
   * Forget a PID after this many consecutive updates without it (and a
   * cgroup or service after this many updates without any PID, once the
   * grouping no longer lists it). Bounds memory. Default 5.
   */
  forgetAfter?: number;
}

/** Default of {@link GroupAccumulatorOptions.forgetAfter}. */
export const DEFAULT_FORGET_AFTER = 5;

interface PidState {
  readonly values: bigint[];
  lastUpdate: number;
  startTime: number | undefined;
}

interface GroupState {
  readonly totals: bigint[];
  lastUpdate: number;
  /** `updateDump`: this tick's growth per lane, exact below 2^53, added to `totals` at the end of the tick. */
  readonly delta: Float64Array;
  dirty: boolean;
  /** Set when the group is forgotten (a slot's cached state is then stale). */
  gone: boolean;
}

/** 2^32, to join two u32 halves. */
const TWO_32 = 4294967296;
/** Largest integer a double holds exactly; a growth past it goes through bigint. */
const SAFE = Number.MAX_SAFE_INTEGER;
/** High halves below this keep `hi * 2^32 + lo` exact. */
const HI_SAFE = 0x200000;
/** Index of the low u32 half of a u64 in the machine's byte order (0 on little-endian machines). */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** A u32 view of `bytes`, copied when it is not `align`-byte aligned. */
function u32View(bytes: Uint8Array, length: number, align = 4): Uint32Array {
  if (bytes.byteOffset % align === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, length);
  const copy = new Uint32Array(length);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, length * 4));
  return copy;
}

/**
 * Create an accumulator that turns per-PID cumulative counters into
 * per-group totals that never decrease.
 *
 * Per PID and lane, each update adds to the PID's current group:
 * - the whole value, the first time the PID is seen (what it did before we
 *   saw it still happened in that group);
 * - `value - previous` when the value grew or stayed;
 * - the whole value when it shrank: the kernel entry was recreated (PID
 *   reused, map entry deleted and reinserted) or the counter restarted, so
 *   the new value counts from 0.
 * A PID that disappears contributes nothing more; what it added stays. When
 * the grouping implements {@link PidIdentity} (the {@link PidTable} does), a
 * changed start time also marks a reused PID. A PID whose group is unknown
 * counts under `other` for `app`, and is ignored for `cgroup` and `service`
 * (not even remembered, so its whole value counts once it is placed).
 *
 * @param grouping where PIDs are placed (usually the PID table)
 * @param by which lookup to use: `appOf`, `cgroupOf` or `serviceOf`
 * @param lanes number of counters per PID, in the collector's lane order
 * @throws RangeError when `lanes` or `forgetAfter` is not a positive integer;
 *   `update` throws {@link LaneCountError} (`ELANES`) when a PID brings
 *   another number of values
 */
export function createGroupAccumulator(
  grouping: ProcessGrouping,
  by: GroupBy,
  lanes: number,
  options: GroupAccumulatorOptions = {},
): GroupAccumulator {
  const forgetAfter = options.forgetAfter ?? DEFAULT_FORGET_AFTER;
  if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${lanes}`);
  if (!Number.isInteger(forgetAfter) || forgetAfter < 1) {
    throw new RangeError(`forgetAfter must be a positive integer, got ${forgetAfter}`);
  }
  const identity = hasPidIdentity(grouping) ? grouping : undefined;
  const groupOf: (pid: number) => string | undefined =
    by === 'app'
      ? (pid) => grouping.appOf(pid) ?? OTHER_GROUP
      : by === 'cgroup'
        ? (pid) => grouping.cgroupOf(pid)
        : (pid) => grouping.serviceOf(pid);
  const listed: () => ReadonlyArray<string> =
    by === 'cgroup' ? () => grouping.cgroups() : by === 'service' ? () => grouping.services() : () => [];

  const pids = new Map<number, PidState>();
  const groups = new Map<string, GroupState>();
  let tick = 0;

  function groupState(name: string): GroupState {
    let g = groups.get(name);
    if (g === undefined) {
      g = { totals: new Array<bigint>(lanes).fill(0n), lastUpdate: tick, delta: new Float64Array(lanes), dirty: false, gone: false };
      groups.set(name, g);
    }
    g.lastUpdate = tick;
    return g;
  }

  // updateDump's per-PID state: slots in typed arrays (2 u32 halves per lane), found by PID.
  const slotOf = new Map<number, number>();
  let capacity = 0;
  let used = 0;
  const free: number[] = [];
  let prev = new Uint32Array(0);
  // The same memory as doubles: one compare per lane tells an unchanged entry (a NaN bit pattern
  // compares unequal and takes the exact lane path).
  let prevF = new Float64Array(0);
  let slotPid = new Int32Array(0);
  let slotLast = new Int32Array(0);
  let slotStart = new Float64Array(0);
  // The slot that followed each slot in the last dump: the kernel returns a table in the same order
  // while its keys stay, so this finds most PIDs' slots without a Map lookup.
  let slotNext = new Int32Array(0);
  // Each slot's group at its last update, to skip the name lookup while it stays.
  const slotGroupName: Array<string | undefined> = [];
  const slotGroup: Array<GroupState | undefined> = [];
  const words = lanes * 2;

  let firstSlot = -1;

  function newSlot(): number {
    const reused = free.pop();
    if (reused !== undefined) return reused;
    if (used === capacity) {
      capacity = Math.max(64, capacity * 2);
      const grow = <T extends Uint32Array | Int32Array | Float64Array>(old: T, make: (n: number) => T, n: number): T => {
        const next = make(n);
        next.set(old);
        return next;
      };
      prev = grow(prev, (n) => new Uint32Array(n), capacity * words);
      prevF = new Float64Array(prev.buffer);
      slotPid = grow(slotPid, (n) => new Int32Array(n), capacity);
      slotLast = grow(slotLast, (n) => new Int32Array(n), capacity);
      slotStart = grow(slotStart, (n) => new Float64Array(n), capacity);
      slotNext = grow(slotNext, (n) => new Int32Array(n), capacity);
    }
    return used++;
  }

  /** Add `hi * 2^32 + lo` to a group's lane: through the double delta while exact, else through bigint. */
  function add(g: GroupState, lane: number, hi: number, lo: number): void {
    if (hi < HI_SAFE) {
      const d = hi * TWO_32 + lo;
      if (d === 0) return;
      const sum = g.delta[lane]! + d;
      if (sum <= SAFE) {
        g.delta[lane] = sum;
        g.dirty = true;
        return;
      }
    }
    g.totals[lane]! += (BigInt(hi) << 32n) + BigInt(lo);
  }

  function forgetAndReport(): GroupTotals {
    if (by !== 'app') {
      let current: Set<string> | undefined;
      for (const [name, g] of groups) {
        if (tick - g.lastUpdate < forgetAfter) continue;
        current ??= new Set(listed());
        // A group still listed may get PIDs again; restarting its totals from 0 would look like a drop.
        if (!current.has(name)) {
          groups.delete(name);
          g.gone = true;
        }
      }
    }
    const out = new Map<string, ReadonlyArray<bigint>>();
    for (const [name, g] of groups) out.set(name, Object.freeze([...g.totals]));
    return out;
  }

  return {
    updateDump(dump: PidTableDump): GroupTotals {
      const { count } = dump;
      if (dump.keys.length < count * 4 || dump.values.length < count * lanes * 8) {
        throw new RangeError(
          `pid table: ${count} entries need ${count * 4} key and ${count * lanes * 8} value bytes, got ${dump.keys.length} and ${dump.values.length}`,
        );
      }
      tick++;
      const keys = u32View(dump.keys, count);
      const values = u32View(dump.values, count * words, 8);
      const valuesF = new Float64Array(values.buffer, values.byteOffset, count * lanes);
      let last = -1;
      for (let i = 0; i < count; i++) {
        const pid = keys[i]!;
        const group = groupOf(pid);
        const hint = last >= 0 ? slotNext[last]! : firstSlot;
        let slot = hint >= 0 && hint < used && slotPid[hint] === pid ? hint : slotOf.get(pid);
        const startTime = identity?.startTimeOf(pid);
        let fresh = slot === undefined;
        // PID reused (another start time): its value counts from 0 again, in the same slot.
        if (!fresh && startTime !== undefined && !Number.isNaN(slotStart[slot!]!) && startTime !== slotStart[slot!]) fresh = true;
        if (fresh && group === undefined) continue;

        let g: GroupState | undefined;
        if (group !== undefined) {
          const cached = slot === undefined ? undefined : slotGroup[slot];
          if (cached !== undefined && !cached.gone && slotGroupName[slot!] === group) {
            g = cached;
            g.lastUpdate = tick;
          } else {
            g = groupState(group);
          }
        }
        const at = i * words;
        if (fresh) {
          if (slot === undefined) {
            slot = newSlot();
            slotOf.set(pid, slot);
            slotPid[slot] = pid;
          }
          if (last >= 0) slotNext[last] = slot;
          else firstSlot = slot;
          last = slot;
          slotGroupName[slot] = group;
          slotGroup[slot] = g;
          const base = slot * words;
          for (let w = 0; w < words; w++) prev[base + w] = values[at + w]!;
          slotLast[slot] = tick;
          slotStart[slot] = startTime ?? Number.NaN;
          if (g !== undefined) for (let l = 0; l < lanes; l++) add(g, l, values[at + 2 * l + HI]!, values[at + 2 * l + LO]!);
          continue;
        }
        if (last >= 0) slotNext[last] = slot!;
        else firstSlot = slot!;
        last = slot!;
        if (slotGroup[slot!] !== g) {
          slotGroup[slot!] = g;
          slotGroupName[slot!] = group;
        }
        const base = slot! * words;
        let same = true;
        const fBase = slot! * lanes;
        const fAt = i * lanes;
        for (let l = 0; l < lanes; l++) {
          if (prevF[fBase + l] !== valuesF[fAt + l]) {
            same = false;
            break;
          }
        }
        if (!same) {
          for (let l = 0; l < lanes; l++) {
            const hi = values[at + 2 * l + HI]!;
            const lo = values[at + 2 * l + LO]!;
            const phi = prev[base + 2 * l + HI]!;
            const plo = prev[base + 2 * l + LO]!;
            if (g !== undefined) {
              if (hi === phi && lo >= plo) {
                // The common case, inline: growth below 2^32 into the group's double delta.
                const sum = g.delta[l]! + (lo - plo);
                if (sum <= SAFE) {
                  g.delta[l] = sum;
                  g.dirty = true;
                } else {
                  add(g, l, 0, lo - plo);
                }
              } else if (hi > phi) {
                // Growth; borrow from the high half when the low half wrapped.
                if (lo >= plo) add(g, l, hi - phi, lo - plo);
                else add(g, l, hi - phi - 1, lo + TWO_32 - plo);
              } else {
                add(g, l, hi, lo); // shrank: the entry was recreated, its value counts from 0
              }
            }
            prev[base + 2 * l + HI] = hi;
            prev[base + 2 * l + LO] = lo;
          }
        }
        slotLast[slot!] = tick;
        if (startTime !== undefined) slotStart[slot!] = startTime;
      }

      for (const g of groups.values()) {
        if (!g.dirty) continue;
        for (let l = 0; l < lanes; l++) {
          const d = g.delta[l]!;
          if (d !== 0) g.totals[l]! += BigInt(d);
        }
        g.delta.fill(0);
        g.dirty = false;
      }
      for (let s = 0; s < used; s++) {
        const pid = slotPid[s]!;
        if (pid >= 0 && tick - slotLast[s]! >= forgetAfter) {
          slotOf.delete(pid);
          slotPid[s] = -1;
          slotGroup[s] = undefined;
          slotGroupName[s] = undefined;
          free.push(s);
        }
      }
      return forgetAndReport();
    },


    update(input: Iterable<PidValues>): GroupTotals {
      tick++;
      for (const { pid, values } of input) {
        if (values.length !== lanes) throw new LaneCountError(pid, lanes, values.length);
        const group = groupOf(pid);
        let state = pids.get(pid);
        const startTime = identity?.startTimeOf(pid);
        if (state !== undefined && startTime !== undefined && state.startTime !== undefined && startTime !== state.startTime) {
          state = undefined;
        }
        if (state === undefined && group === undefined) continue;

        const totals = group === undefined ? undefined : groupState(group).totals;
        if (state === undefined) {
          state = { values: [...values], lastUpdate: tick, startTime };
          pids.set(pid, state);
          if (totals !== undefined) for (let i = 0; i < lanes; i++) totals[i]! += values[i]!;
          continue;
        }
        const prev = state.values;
        for (let i = 0; i < lanes; i++) {
          const v = values[i]!;
          const p = prev[i]!;
          if (totals !== undefined) totals[i]! += v >= p ? v - p : v;
          prev[i] = v;
        }
        state.lastUpdate = tick;
        if (startTime !== undefined) state.startTime = startTime;
      }

      for (const [pid, state] of pids) {
        if (tick - state.lastUpdate >= forgetAfter) pids.delete(pid);
      }
      return forgetAndReport();
    },
  };
}
