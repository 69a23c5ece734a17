// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Page cache collector (Netdata's cachestat thread): pages added to the page
 * cache, pages marked accessed, pages accounted dirty and buffers marked dirty.
 *
 * Program families, switched with autoload before load:
 *   trampoline_<event>  fentry on the kernel function user space picked for
 *                       the event (folio names on new kernels, page names on old)
 *   probe_<event>       kprobe on the same function
 *   tracepoint_<event>  the tracepoint inside that function where one exists:
 *                       filemap/mm_filemap_add_to_page_cache (__filemap_add_folio),
 *                       writeback/writeback_dirty_folio (folio_account_dirtied),
 *                       block/block_dirty_buffer (mark_buffer_dirty).
 *                       No tracepoint marks a page accessed: that lane stays 0.
 *                       Each has a tracepoint_<event>_tp_btf and _raw_tp twin on
 *                       the same raw tracepoint, preferred to the perf event.
 * There is no release_task hook: user space drops the entries of dead PIDs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_pid.h"
#include "ebpfc_tracepoint.h"
#include "cachestat.h"

/* PID_MAX_DEFAULT; user space resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_cachestat_counters);
	__uint(max_entries, 1);
} tbl_cachestat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_cachestat_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_cachestat_pid SEC(".maps");

/* One event of lane `lane`, globally and for the current task's PID key. */
static __always_inline void cachestat_count(__u32 lane)
{
	struct ebpfc_cachestat_counters *counters;
	struct ebpfc_cachestat_pid_stat *stat;
	struct ebpfc_cachestat_pid_stat zero = {};
	__u32 index = 0;

	counters = bpf_map_lookup_elem(&tbl_cachestat, &index);
	if (counters)
		counters->lane[lane] += 1;
	if (!ebpfc_apps_enabled)
		return;
	stat = ebpfc_pid_lookup_or_init(&tbl_cachestat_pid, ebpfc_pid_key_current(), &zero);
	if (stat)
		ebpfc_pid_add(&stat->lane[lane], 1);
}

/* ------------------------------------------------------------ trampoline */
/* The section names a default target; user space sets the real one. */

SEC("fentry/filemap_add_folio")
int BPF_PROG(trampoline_add)
{
	cachestat_count(EBPFC_CACHESTAT_ADD);
	return 0;
}

SEC("fentry/folio_mark_accessed")
int BPF_PROG(trampoline_access)
{
	cachestat_count(EBPFC_CACHESTAT_ACCESS);
	return 0;
}

SEC("fentry/__folio_mark_dirty")
int BPF_PROG(trampoline_dirtied)
{
	cachestat_count(EBPFC_CACHESTAT_DIRTIED);
	return 0;
}

SEC("fentry/mark_buffer_dirty")
int BPF_PROG(trampoline_buffer_dirty)
{
	cachestat_count(EBPFC_CACHESTAT_BUFFER_DIRTY);
	return 0;
}

/* ----------------------------------------------------------------- probe */

SEC("kprobe/filemap_add_folio")
int BPF_KPROBE(probe_add)
{
	cachestat_count(EBPFC_CACHESTAT_ADD);
	return 0;
}

SEC("kprobe/folio_mark_accessed")
int BPF_KPROBE(probe_access)
{
	cachestat_count(EBPFC_CACHESTAT_ACCESS);
	return 0;
}

SEC("kprobe/__folio_mark_dirty")
int BPF_KPROBE(probe_dirtied)
{
	cachestat_count(EBPFC_CACHESTAT_DIRTIED);
	return 0;
}

SEC("kprobe/mark_buffer_dirty")
int BPF_KPROBE(probe_buffer_dirty)
{
	cachestat_count(EBPFC_CACHESTAT_BUFFER_DIRTY);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

/*
 * The same three events through their raw tracepoints (tp_btf, else raw_tp:
 * cheaper per event, and no wait when detached); the perf-event tracepoints
 * below are the fallback. Only the hit counts, so no argument is read.
 */
static __always_inline void cachestat_add_args(const __u64 *args)
{
	cachestat_count(EBPFC_CACHESTAT_ADD);
}

static __always_inline void cachestat_dirtied_args(const __u64 *args)
{
	cachestat_count(EBPFC_CACHESTAT_DIRTIED);
}

static __always_inline void cachestat_buffer_dirty_args(const __u64 *args)
{
	cachestat_count(EBPFC_CACHESTAT_BUFFER_DIRTY);
}

EBPFC_TRACEPOINT_PROGRAMS(tracepoint_add, mm_filemap_add_to_page_cache, cachestat_add_args)
EBPFC_TRACEPOINT_PROGRAMS(tracepoint_dirtied, writeback_dirty_folio, cachestat_dirtied_args)
EBPFC_TRACEPOINT_PROGRAMS(tracepoint_buffer_dirty, block_dirty_buffer, cachestat_buffer_dirty_args)

SEC("tracepoint/filemap/mm_filemap_add_to_page_cache")
int tracepoint_add(void *ctx)
{
	cachestat_count(EBPFC_CACHESTAT_ADD);
	return 0;
}

SEC("tracepoint/writeback/writeback_dirty_folio")
int tracepoint_dirtied(void *ctx)
{
	cachestat_count(EBPFC_CACHESTAT_DIRTIED);
	return 0;
}

SEC("tracepoint/block/block_dirty_buffer")
int tracepoint_buffer_dirty(void *ctx)
{
	cachestat_count(EBPFC_CACHESTAT_BUFFER_DIRTY);
	return 0;
}
