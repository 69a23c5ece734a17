// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * disk collector: latency histogram of block requests per disk (Netdata's
 * disk thread).
 *
 * Two programs, used in every attach mode (Netdata hooks the same
 * tracepoints whatever the mode), on the tracepoints' raw form so they see
 * the request itself (kernels >= 5.11, where both events take the request
 * first):
 *   tracepoint_block_rq_issue_*     the time and disk of the request, keyed
 *                                   by the request's address (tmp_disk_start,
 *                                   an LRU hash: requests that never complete
 *                                   cannot fill it)
 *   tracepoint_block_rq_complete_*  latency = now - issue time, counted in
 *                                   its log2 bin for the disk
 *                                   (tbl_disk_iocall), and the start entry
 *                                   deleted
 * A request completed in parts counts once, at its first completion.
 *
 * Each comes as `_tp_btf` (5.5+, BTF) and `_raw_tp` (4.17+); user space loads
 * the first the kernel supports. The tp_btf twin reads the request's disk
 * with plain loads; raw_tp needs a probe read per pointer (request, queue,
 * disk, then major and minor), which made the issue program 1.5x dearer
 * (850-950 against 500-620 ns a run here, bench/event-limits.mjs, session 7).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_fs_hist.h"
#include "disk.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u64);
	__type(value, struct ebpfc_disk_start);
	__uint(max_entries, EBPFC_DISK_INFLIGHT);
} tmp_disk_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct ebpfc_disk_bin_key);
	__type(value, __u64);
	__uint(max_entries, EBPFC_DISK_MAX_DISKS * EBPFC_DISK_HIST_BINS);
} tbl_disk_iocall SEC(".maps");

/* Before 5.16 the request pointed at its disk itself. */
struct request___rq_disk {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* dev_t of the request's disk (major << 20 | first minor), 0 without one: probe reads (raw_tp). */
static __always_inline __u32 disk_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___rq_disk *)rq)->rq_disk))
		disk = BPF_CORE_READ((struct request___rq_disk *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

/* The same through BTF-typed pointers (tp_btf): plain loads, CO-RE relocated. */
static __always_inline __u32 disk_dev_btf(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___rq_disk *)rq)->rq_disk))
		disk = ((struct request___rq_disk *)rq)->rq_disk;
	else
		disk = rq->q->disk;
	if (!disk)
		return 0;
	return ((__u32)disk->major << 20) | (__u32)disk->first_minor;
}

static __always_inline void rq_issue(struct request *rq, __u32 dev)
{
	struct ebpfc_disk_start start = {};
	__u64 key = (__u64)rq;

	if (!dev)
		return;
	start.dev = dev;
	start.ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&tmp_disk_start, &key, &start, BPF_ANY);
}

static __always_inline void rq_complete(struct request *rq)
{
	struct ebpfc_disk_bin_key bin_key = {};
	struct ebpfc_disk_start *start;
	__u64 key = (__u64)rq;
	__u64 zero = 0, now, *count;

	start = bpf_map_lookup_elem(&tmp_disk_start, &key);
	if (!start)
		return;
	now = bpf_ktime_get_ns();
	bin_key.dev = start->dev;
	bin_key.bin = ebpfc_fs_hist_bin(now > start->ns ? now - start->ns : 0);
	bpf_map_delete_elem(&tmp_disk_start, &key);

	count = bpf_map_lookup_elem(&tbl_disk_iocall, &bin_key);
	if (!count) {
		bpf_map_update_elem(&tbl_disk_iocall, &bin_key, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&tbl_disk_iocall, &bin_key);
		if (!count)
			return;
	}
	*count += 1;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tracepoint_block_rq_issue_tp_btf, struct request *rq)
{
	rq_issue(rq, disk_dev_btf(rq));
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(tracepoint_block_rq_issue_raw_tp, struct request *rq)
{
	rq_issue(rq, disk_dev(rq));
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tracepoint_block_rq_complete_tp_btf, struct request *rq)
{
	rq_complete(rq);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(tracepoint_block_rq_complete_raw_tp, struct request *rq)
{
	rq_complete(rq);
	return 0;
}
