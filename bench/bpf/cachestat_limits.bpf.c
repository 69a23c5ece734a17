// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for the cachestat group of bench/event-limits.mjs: the
 * least a program can do to get what the cachestat collector gets in
 * tracepoint mode, on each hook type this kernel offers. Built at bench
 * time; nothing here ships.
 *
 * The collector (bpf/cachestat.bpf.c, tracepoint mode) counts three events,
 * each a hit and nothing read from it:
 *   filemap/mm_filemap_add_to_page_cache  lane 0, pages added
 *   writeback/writeback_dirty_folio       lane 2, pages accounted dirty
 *   block/block_dirty_buffer              lane 3, buffers marked dirty
 * (lane 1, pages accessed, has no tracepoint and stays 0). Per event it adds
 * 1 to the lane of a one-entry per-CPU array and, with apps on and
 * `collect pid = all`, to the lane of the current tgid in the per-PID
 * table: inserted with BPF_NOEXIST when absent, then a plain add, since
 * the kit makes that table a PERCPU_HASH under `maps per core` (the
 * default) when it fits its 8 MiB budget (32,768 entries x 32 bytes x 2
 * CPUs here). The minimal programs do exactly that:
 *   cs_tp_*   tracepoint/<category>/<event>: perf-event tracepoints
 *   cs_raw_*  raw_tp/<event>
 *   cs_btf_*  tp_btf/<event>
 * with * = add, dirtied, bufdirty. The lanes are the collector's
 * (bpf/cachestat.h), so the values have its size.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "../../bpf/cachestat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_cachestat_counters);
	__uint(max_entries, 1);
} min_cs SEC(".maps");

/* The collector's PID table as the kit sets it up here: per-CPU, `pid table size` (32,768) entries. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_cachestat_pid_stat);
	__uint(max_entries, 32768);
} min_cs_pid SEC(".maps");

static __always_inline void cs_count(__u32 lane)
{
	struct ebpfc_cachestat_counters *global;
	struct ebpfc_cachestat_pid_stat *pid, zero = {};
	__u32 index = 0, key = bpf_get_current_pid_tgid() >> 32;

	if (lane >= EBPFC_CACHESTAT_COUNTERS)
		return;
	global = bpf_map_lookup_elem(&min_cs, &index);
	if (global)
		global->lane[lane] += 1;
	pid = bpf_map_lookup_elem(&min_cs_pid, &key);
	if (!pid) {
		bpf_map_update_elem(&min_cs_pid, &key, &zero, BPF_NOEXIST);
		pid = bpf_map_lookup_elem(&min_cs_pid, &key);
		if (!pid)
			return;
	}
	pid->lane[lane] += 1;
}

/* One event on the three hook types. */
#define CS_PROGRAMS(short, category, event, lane)                              \
	SEC("tracepoint/" #category "/" #event)                                \
	int cs_tp_##short(void *ctx)                                           \
	{                                                                      \
		cs_count(lane);                                                \
		return 0;                                                      \
	}                                                                      \
	SEC("raw_tp/" #event)                                                  \
	int cs_raw_##short(void *ctx)                                          \
	{                                                                      \
		cs_count(lane);                                                \
		return 0;                                                      \
	}                                                                      \
	SEC("tp_btf/" #event)                                                  \
	int cs_btf_##short(void *ctx)                                          \
	{                                                                      \
		cs_count(lane);                                                \
		return 0;                                                      \
	}

CS_PROGRAMS(add, filemap, mm_filemap_add_to_page_cache, EBPFC_CACHESTAT_ADD)
CS_PROGRAMS(dirtied, writeback, writeback_dirty_folio, EBPFC_CACHESTAT_DIRTIED)
CS_PROGRAMS(bufdirty, block, block_dirty_buffer, EBPFC_CACHESTAT_BUFFER_DIRTY)
