// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * MD flush collector (Netdata's mdflush thread): flush requests that reach
 * an md array, counted per array.
 *
 * Program families, switched with autoload before load:
 *   trampoline_md_flush_request   fentry (md_mod's BTF when md is a module)
 *   probe_md_flush_request        kprobe
 * Both read the array from the bio: md_flush_request(mddev, bio) gets the
 * bio sent to the md device, whose bi_bdev->bd_dev is the array's dev_t.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "mdflush.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, ebpfc_mdflush_key_t);
	__type(value, ebpfc_mdflush_value_t);
	__uint(max_entries, EBPFC_MDFLUSH_ARRAYS);
} tbl_mdflush SEC(".maps");

static __always_inline void mdflush_count(struct bio *bio)
{
	ebpfc_mdflush_key_t key = BPF_CORE_READ(bio, bi_bdev, bd_dev);
	ebpfc_mdflush_value_t one = 1, *value;

	value = bpf_map_lookup_elem(&tbl_mdflush, &key);
	if (value) {
		__sync_fetch_and_add(value, 1);
		return;
	}
	/* Another CPU may have inserted it meanwhile: then add to its entry. */
	if (bpf_map_update_elem(&tbl_mdflush, &key, &one, BPF_NOEXIST) != 0) {
		value = bpf_map_lookup_elem(&tbl_mdflush, &key);
		if (value)
			__sync_fetch_and_add(value, 1);
	}
}

SEC("fentry/md_flush_request")
int BPF_PROG(trampoline_md_flush_request, void *mddev, struct bio *bio)
{
	mdflush_count(bio);
	return 0;
}

SEC("kprobe/md_flush_request")
int BPF_KPROBE(probe_md_flush_request, void *mddev, struct bio *bio)
{
	mdflush_count(bio);
	return 0;
}
