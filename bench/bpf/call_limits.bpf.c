// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for bench/call-limits.mjs: the least a program can do to
 * get what the sync, mount and shm collectors get, on each hook type this
 * kernel offers. Built at bench time; nothing here ships.
 *
 *   sync   calls of fsync, fdatasync, msync, sync, syncfs, sync_file_range,
 *          at entry, global per-CPU counters only
 *            tp_sync_*        syscalls/sys_enter_*: one perf-event tracepoint per syscall
 *            sync_generic_tp_btf  tp_btf/sys_enter: one program, switch on the syscall id
 *            sync_generic_raw_tp  raw_tp/sys_enter: the same as a raw tracepoint
 *   mount  calls and errors of mount, umount2 and move_mount (a mount), at
 *          exit, global per-CPU counters only
 *            tp_mnt_*         syscalls/sys_exit_*
 *            mount_generic_tp_btf  tp_btf/sys_exit
 *            mount_generic_raw_tp  raw_tp/sys_exit
 *   shm    calls of shmget, shmat, shmdt, shmctl at entry, global per-CPU
 *          counters and per PID (tgid key, atomic adds: the collector with
 *          apps on and `collect pid = all`)
 *            tp_shm_*         syscalls/sys_enter_shm*
 *            shm_generic_tp_btf  tp_btf/sys_enter
 *            shm_generic_raw_tp  raw_tp/sys_enter
 *
 * Each collector's global lanes are one per-CPU value (one lookup a call),
 * as cheap as the collectors' one-u64-per-lane arrays (one lookup too).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpfc_syscall_exit.h"

char LICENSE[] SEC("license") = "GPL";

enum { SYNC_LANES = 6, MOUNT_LANES = 4, SHM_LANES = 4 };

struct sync_lanes {
	__u64 lane[SYNC_LANES];
};
struct mount_lanes {
	__u64 lane[MOUNT_LANES];
};
struct shm_lanes {
	__u64 lane[SHM_LANES];
};

#define PERCPU_LANES(name, value_type)                                          \
	struct {                                                                \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                        \
		__type(key, __u32);                                             \
		__type(value, value_type);                                      \
		__uint(max_entries, 1);                                         \
	} name SEC(".maps")

PERCPU_LANES(min_sync, struct sync_lanes);
PERCPU_LANES(min_mount, struct mount_lanes);
PERCPU_LANES(min_shm, struct shm_lanes);

/* The shm collector's PID table: a hash of 32,768 entries (`pid table size`'s default). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct shm_lanes);
	__uint(max_entries, 32768);
} min_shm_pid SEC(".maps");

/* ---- sync: one global call counter per syscall ---- */

static __always_inline void sync_account(__u32 lane)
{
	__u32 index = 0;
	struct sync_lanes *global = bpf_map_lookup_elem(&min_sync, &index);

	if (global && lane < SYNC_LANES)
		global->lane[lane] += 1;
}

#define SYNC_TP(syscall, lane)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #syscall)                          \
	int tp_sync_##syscall(void *ctx)                                        \
	{                                                                       \
		sync_account(lane);                                             \
		return 0;                                                       \
	}

SYNC_TP(fsync, 0)
SYNC_TP(fdatasync, 1)
SYNC_TP(msync, 2)
SYNC_TP(sync, 3)
SYNC_TP(syncfs, 4)
SYNC_TP(sync_file_range, 5)

/* The generic entry: the id decides; every other syscall leaves at once. Compat syscalls skipped, as the tracepoints skip them. */
static __always_inline void sync_enter(long id, struct pt_regs *regs)
{
	__u32 lane;

	switch (id) {
	case EBPFC_NR_fsync:
		lane = 0;
		break;
	case EBPFC_NR_fdatasync:
		lane = 1;
		break;
	case EBPFC_NR_msync:
		lane = 2;
		break;
	case EBPFC_NR_sync:
		lane = 3;
		break;
	case EBPFC_NR_syncfs:
		lane = 4;
		break;
	case EBPFC_NR_sync_file_range:
		lane = 5;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	sync_account(lane);
}

/* sync_generic_tp_btf and sync_generic_raw_tp, as the collectors' own twins are made. */
EBPFC_SYSCALL_ENTER_PROGRAMS(sync_generic, sync_enter)

/* ---- mount: calls and errors (lane + 2), global ---- */

static __always_inline void mount_account(__u32 lane, long ret)
{
	__u32 index = 0;
	struct mount_lanes *global = bpf_map_lookup_elem(&min_mount, &index);

	if (!global || lane > 1)
		return;
	global->lane[lane] += 1;
	if (ret < 0)
		global->lane[lane + 2] += 1;
}

#define MOUNT_TP(syscall, lane)                                                 \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                           \
	int tp_mnt_##syscall(struct trace_event_raw_sys_exit *ctx)              \
	{                                                                       \
		mount_account(lane, ctx->ret);                                  \
		return 0;                                                       \
	}

MOUNT_TP(mount, 0)
MOUNT_TP(umount, 1)
MOUNT_TP(move_mount, 0)

static __always_inline void mount_exit(long id, long ret, struct pt_regs *regs)
{
	__u32 lane;

	switch (id) {
	case EBPFC_NR_mount:
	case EBPFC_NR_move_mount:
		lane = 0;
		break;
	case EBPFC_NR_umount2:
		lane = 1;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	mount_account(lane, ret);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(mount_generic, mount_exit)

/* ---- shm: calls, global and per PID ---- */

static __always_inline void shm_account(__u32 lane)
{
	struct shm_lanes *global, *pid, zero = {};
	__u32 index = 0, key = bpf_get_current_pid_tgid() >> 32;

	if (lane >= SHM_LANES)
		return;
	global = bpf_map_lookup_elem(&min_shm, &index);
	if (global)
		global->lane[lane] += 1;
	pid = bpf_map_lookup_elem(&min_shm_pid, &key);
	if (!pid) {
		bpf_map_update_elem(&min_shm_pid, &key, &zero, BPF_NOEXIST);
		pid = bpf_map_lookup_elem(&min_shm_pid, &key);
		if (!pid)
			return;
	}
	__sync_fetch_and_add(&pid->lane[lane], 1);
}

#define SHM_TP(call, lane)                                                      \
	SEC("tracepoint/syscalls/sys_enter_shm" #call)                          \
	int tp_shm_##call(void *ctx)                                            \
	{                                                                       \
		shm_account(lane);                                              \
		return 0;                                                       \
	}

SHM_TP(get, 0)
SHM_TP(at, 1)
SHM_TP(dt, 2)
SHM_TP(ctl, 3)

static __always_inline void shm_enter(long id, struct pt_regs *regs)
{
	__u32 lane;

	switch (id) {
	case EBPFC_NR_shmget:
		lane = 0;
		break;
	case EBPFC_NR_shmat:
		lane = 1;
		break;
	case EBPFC_NR_shmdt:
		lane = 2;
		break;
	case EBPFC_NR_shmctl:
		lane = 3;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	shm_account(lane);
}

EBPFC_SYSCALL_ENTER_PROGRAMS(shm_generic, shm_enter)
