// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Directory cache collector (Netdata's dcstat thread, `dc`): references
 * (lookup_fast), slow lookups (d_lookup) and misses (d_lookup found nothing).
 *
 * Program families, switched with autoload before load:
 *   trampoline_lookup_fast, trampoline_d_lookup_ret   fentry / fexit
 *   probe_lookup_fast, probe_d_lookup_ret             kprobe / kretprobe
 * lookup_fast is static: user space finds its symbol (a `.constprop.N` or
 * `.isra.N` clone on some builds) for the kprobe. No tracepoint sits in either
 * function, so there is no tracepoint family.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_pid.h"
#include "dcstat.h"

#define EBPFC_PID_TABLE_ENTRIES 32768

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_dcstat_counters);
	__uint(max_entries, 1);
} tbl_dcstat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_dcstat_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_dcstat_pid SEC(".maps");

/* A reference, or a slow lookup (a miss too when `found` is false). */
static __always_inline void dcstat_count(bool slow, bool found)
{
	struct ebpfc_dcstat_counters *counters;
	struct ebpfc_dcstat_pid_stat *stat;
	struct ebpfc_dcstat_pid_stat zero = {};
	__u32 index = 0;
	__u32 lane = slow ? EBPFC_DCSTAT_SLOW : EBPFC_DCSTAT_REFERENCE;

	counters = bpf_map_lookup_elem(&tbl_dcstat, &index);
	if (counters) {
		counters->lane[lane] += 1;
		if (slow && !found)
			counters->lane[EBPFC_DCSTAT_MISS] += 1;
	}
	if (!ebpfc_apps_enabled)
		return;
	stat = ebpfc_pid_lookup_or_init(&tbl_dcstat_pid, ebpfc_pid_key_current(), &zero);
	if (!stat)
		return;
	ebpfc_pid_add(&stat->lane[lane], 1);
	if (slow && !found)
		ebpfc_pid_add(&stat->lane[EBPFC_DCSTAT_PID_MISS], 1);
}

SEC("fentry/lookup_fast")
int BPF_PROG(trampoline_lookup_fast)
{
	dcstat_count(false, true);
	return 0;
}

SEC("fexit/d_lookup")
int BPF_PROG(trampoline_d_lookup_ret, const struct dentry *parent, const struct qstr *name, struct dentry *ret)
{
	dcstat_count(true, ret != NULL);
	return 0;
}

SEC("kprobe/lookup_fast")
int BPF_KPROBE(probe_lookup_fast)
{
	dcstat_count(false, true);
	return 0;
}

SEC("kretprobe/d_lookup")
int BPF_KRETPROBE(probe_d_lookup_ret, struct dentry *ret)
{
	dcstat_count(true, ret != NULL);
	return 0;
}
