// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Sync collector: calls of fsync, fdatasync, msync, sync, syncfs and
 * sync_file_range (Netdata's sync thread). Calls only: Netdata draws no
 * error chart for them, so both load modes use the entry programs.
 *
 * Program families, switched with autoload before load (one program per
 * system call; a syscall turned off in sync.conf [syscalls] is not loaded):
 *   trampoline_sync_<syscall>  fentry on the syscall's function
 *                              (`__x64_sys_<syscall>`, `__arm64_sys_<syscall>`:
 *                              user space sets the target it found in BTF)
 *   probe_sync_<syscall>       kprobe on the same function
 *   tracepoint_sync_<syscall>  syscalls/sys_enter_<syscall>
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_counters.h"
#include "sync.h"

char LICENSE[] SEC("license") = "GPL";

EBPFC_PERCPU_COUNTERS(tbl_sync, EBPFC_SYNC_COUNTERS);

/* The three programs of one syscall, each one per-CPU increment. */
#define SYNC_PROGRAMS(syscall, lane)                                            \
	SEC("fentry/__x64_sys_" #syscall)                                       \
	int BPF_PROG(trampoline_sync_##syscall)                                 \
	{                                                                       \
		ebpfc_count(&tbl_sync, lane);                                   \
		return 0;                                                       \
	}                                                                       \
	SEC("kprobe/__x64_sys_" #syscall)                                       \
	int BPF_KPROBE(probe_sync_##syscall)                                    \
	{                                                                       \
		ebpfc_count(&tbl_sync, lane);                                   \
		return 0;                                                       \
	}                                                                       \
	SEC("tracepoint/syscalls/sys_enter_" #syscall)                          \
	int tracepoint_sync_##syscall(void *ctx)                                \
	{                                                                       \
		ebpfc_count(&tbl_sync, lane);                                   \
		return 0;                                                       \
	}

SYNC_PROGRAMS(fsync, EBPFC_SYNC_FSYNC)
SYNC_PROGRAMS(fdatasync, EBPFC_SYNC_FDATASYNC)
SYNC_PROGRAMS(msync, EBPFC_SYNC_MSYNC)
SYNC_PROGRAMS(sync, EBPFC_SYNC_SYNC)
SYNC_PROGRAMS(syncfs, EBPFC_SYNC_SYNCFS)
SYNC_PROGRAMS(sync_file_range, EBPFC_SYNC_SYNC_FILE_RANGE)
