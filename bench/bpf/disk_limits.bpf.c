// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for bench/event-limits.mjs's disk group: the least a
 * program can do to get what the disk collector gets (bpf/disk.bpf.c), on
 * each hook type this kernel offers. Built at bench time; nothing here ships.
 *
 * The accounting: at issue, the request's disk and time in a hash keyed by
 * the request; at completion, the latency's log2 bin (Netdata's 24, the
 * collector's ebpfc_fs_hist.h) counted for the disk in a per-CPU hash keyed
 * by (disk, bin), and the start entry deleted. Unlike the collector, the
 * start table is a plain hash, not an LRU one (the collector's guard
 * against requests that never complete filling it).
 *
 *   tp_disk_{issue,complete}   tracepoint/block/block_rq_{issue,complete}: the
 *                              record carries no request pointer, so the
 *                              start is keyed by (dev, sector), Netdata's key
 *   raw_disk_{issue,complete}  raw_tp/block_rq_{issue,complete}: keyed by
 *                              the request, its disk read with CO-RE probe
 *                              reads (the collector's hook and reads)
 *   btf_disk_{issue,complete}  tp_btf/block_rq_{issue,complete}: keyed by the
 *                              request, its disk read directly (BTF pointers)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_fs_hist.h"

char LICENSE[] SEC("license") = "GPL";

struct start {
	__u64 ns;
	__u32 dev;
	__u32 pad;
};

struct sector_key {
	__u64 sector;
	__u32 dev;
	__u32 pad;
};

struct bin_key {
	__u32 dev;
	__u32 bin;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct start);
	__uint(max_entries, 8192);
} min_disk_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sector_key);
	__type(value, __u64);
	__uint(max_entries, 8192);
} min_disk_start_tp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct bin_key);
	__type(value, __u64);
	__uint(max_entries, 256 * EBPFC_FS_HIST_BINS);
} min_disk_hist SEC(".maps");

static __always_inline void count_bin(__u32 dev, __u64 start_ns)
{
	struct bin_key key = { .dev = dev };
	__u64 now = bpf_ktime_get_ns(), zero = 0, *count;

	key.bin = ebpfc_fs_hist_bin(now > start_ns ? now - start_ns : 0);
	count = bpf_map_lookup_elem(&min_disk_hist, &key);
	if (!count) {
		bpf_map_update_elem(&min_disk_hist, &key, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&min_disk_hist, &key);
		if (!count)
			return;
	}
	*count += 1;
}

/* ---- tracepoint: keyed by (dev, sector) ---- */

SEC("tracepoint/block/block_rq_issue")
int tp_disk_issue(struct trace_event_raw_block_rq *ctx)
{
	struct sector_key key = { .sector = ctx->sector, .dev = ctx->dev };
	__u64 now = bpf_ktime_get_ns();

	if (!key.dev)
		return 0;
	bpf_map_update_elem(&min_disk_start_tp, &key, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint/block/block_rq_complete")
int tp_disk_complete(struct trace_event_raw_block_rq_completion *ctx)
{
	struct sector_key key = { .sector = ctx->sector, .dev = ctx->dev };
	__u64 *start = bpf_map_lookup_elem(&min_disk_start_tp, &key);

	if (!start)
		return 0;
	count_bin(key.dev, *start);
	bpf_map_delete_elem(&min_disk_start_tp, &key);
	return 0;
}

/* ---- raw_tp and tp_btf: keyed by the request ---- */

static __always_inline void issue(__u64 key, __u32 dev)
{
	struct start start = { .dev = dev };

	if (!dev)
		return;
	start.ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&min_disk_start, &key, &start, BPF_ANY);
}

static __always_inline void complete(__u64 key)
{
	struct start *start = bpf_map_lookup_elem(&min_disk_start, &key);

	if (!start)
		return;
	count_bin(start->dev, start->ns);
	bpf_map_delete_elem(&min_disk_start, &key);
}

/* The disk's dev_t as the kernel encodes it (major << 20 | first minor), 0 without a disk. */
static __always_inline __u32 encode_dev(int major, int first_minor)
{
	return ((__u32)major << 20) | (__u32)first_minor;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_disk_issue, struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);

	if (disk)
		issue((__u64)rq, encode_dev(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor)));
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_disk_complete, struct request *rq)
{
	complete((__u64)rq);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(btf_disk_issue, struct request *rq)
{
	struct gendisk *disk = rq->q->disk;

	if (disk)
		issue((__u64)rq, encode_dev(disk->major, disk->first_minor));
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(btf_disk_complete, struct request *rq)
{
	complete((__u64)rq);
	return 0;
}
