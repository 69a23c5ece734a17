// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Swap collector (Netdata's swap thread): calls of the function that reads a
 * page (folio) from swap and of the one that writes one out.
 *
 * Program families, switched with autoload before load:
 *   trampoline_read, trampoline_write   fentry on the function user space picked
 *                                       (swap_read_folio / swap_readpage,
 *                                       swap_writeout / swap_writepage)
 *   probe_read, probe_write             kprobe on the same functions
 * No tracepoint is fired once per swap read or write, so there is no
 * tracepoint family.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_pid.h"
#include "swap.h"

#define EBPFC_PID_TABLE_ENTRIES 32768

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_swap_counters);
	__uint(max_entries, 1);
} tbl_swap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_swap_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_swap_pid SEC(".maps");

static __always_inline void swap_count(__u32 lane)
{
	struct ebpfc_swap_counters *counters;
	struct ebpfc_swap_pid_stat *stat;
	struct ebpfc_swap_pid_stat zero = {};
	__u32 index = 0;

	counters = bpf_map_lookup_elem(&tbl_swap, &index);
	if (counters)
		counters->lane[lane] += 1;
	if (!ebpfc_apps_enabled)
		return;
	stat = ebpfc_pid_lookup_or_init(&tbl_swap_pid, ebpfc_pid_key_current(), &zero);
	if (stat)
		ebpfc_pid_add(&stat->lane[lane], 1);
}

SEC("fentry/swap_read_folio")
int BPF_PROG(trampoline_read)
{
	swap_count(EBPFC_SWAP_READ);
	return 0;
}

SEC("fentry/swap_writepage")
int BPF_PROG(trampoline_write)
{
	swap_count(EBPFC_SWAP_WRITE);
	return 0;
}

SEC("kprobe/swap_read_folio")
int BPF_KPROBE(probe_read)
{
	swap_count(EBPFC_SWAP_READ);
	return 0;
}

SEC("kprobe/swap_writepage")
int BPF_KPROBE(probe_write)
{
	swap_count(EBPFC_SWAP_WRITE);
	return 0;
}
