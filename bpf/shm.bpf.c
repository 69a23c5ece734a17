// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Shared memory collector: calls of shmget, shmat, shmdt and shmctl, host
 * wide and per PID (Netdata's shm thread). Calls only: Netdata draws no
 * error chart for them, so both load modes use the entry programs.
 *
 * Program families, switched with autoload before load (one program per
 * system call; a syscall turned off in shm.conf [syscalls] is not loaded):
 *   trampoline_shm_<call>  fentry on the syscall's function (user space sets
 *                          the target BTF has: __x64_sys_shm<call>, ...)
 *   probe_shm_<call>       kprobe on the same function
 *   tracepoint_shm_<call>  syscalls/sys_enter_shm<call>
 * There is no release_task hook: user space drops the entries of dead PIDs
 * after reading them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_counters.h"
#include "ebpfc_pid.h"
#include "shm.h"

/* PID_MAX_DEFAULT; user space resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768

char LICENSE[] SEC("license") = "GPL";

EBPFC_PERCPU_COUNTERS(tbl_shm, EBPFC_SHM_COUNTERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_shm_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_pid_shm SEC(".maps");

/* One call: the global lane, and the PID's lane when apps or cgroups are on. */
static __always_inline void shm_account(__u32 global, __u32 pid_lane)
{
	struct ebpfc_shm_pid_stat zero = {};
	struct ebpfc_shm_pid_stat *stat;

	ebpfc_count(&tbl_shm, global);
	if (!ebpfc_apps_enabled)
		return;
	stat = ebpfc_pid_lookup_or_init(&tbl_pid_shm, ebpfc_pid_key_current(), &zero);
	if (stat)
		ebpfc_pid_add(&stat->lane[pid_lane], 1);
}

#define SHM_PROGRAMS(call, global, pid_lane)                                    \
	SEC("fentry/__x64_sys_shm" #call)                                       \
	int BPF_PROG(trampoline_shm_##call)                                     \
	{                                                                       \
		shm_account(global, pid_lane);                                  \
		return 0;                                                       \
	}                                                                       \
	SEC("kprobe/__x64_sys_shm" #call)                                       \
	int BPF_KPROBE(probe_shm_##call)                                        \
	{                                                                       \
		shm_account(global, pid_lane);                                  \
		return 0;                                                       \
	}                                                                       \
	SEC("tracepoint/syscalls/sys_enter_shm" #call)                          \
	int tracepoint_shm_##call(void *ctx)                                    \
	{                                                                       \
		shm_account(global, pid_lane);                                  \
		return 0;                                                       \
	}

SHM_PROGRAMS(get, EBPFC_SHM_GET, EBPFC_SHM_PID_GET)
SHM_PROGRAMS(at, EBPFC_SHM_AT, EBPFC_SHM_PID_AT)
SHM_PROGRAMS(dt, EBPFC_SHM_DT, EBPFC_SHM_PID_DT)
SHM_PROGRAMS(ctl, EBPFC_SHM_CTL, EBPFC_SHM_PID_CTL)
