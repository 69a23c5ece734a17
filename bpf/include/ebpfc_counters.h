/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Global counters: a PERCPU_ARRAY of u64 lanes, one lane per index. Each CPU
 * owns its copy, so an increment is a plain add with no atomic and no
 * contention; user space sums the CPUs once per tick (BpfMap.readU64Array).
 */
#ifndef EBPFC_COUNTERS_H
#define EBPFC_COUNTERS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Declare a per-CPU array of `lanes` u64 counters named `name`. */
#define EBPFC_PERCPU_COUNTERS(name, lanes)                                     \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__type(key, __u32);                                            \
		__type(value, __u64);                                          \
		__uint(max_entries, lanes);                                    \
	} name SEC(".maps")

/* Add n to lane `index` of this CPU's copy. */
static __always_inline void ebpfc_count_n(void *map, __u32 index, __u64 n)
{
	__u64 *value = bpf_map_lookup_elem(map, &index);

	/* Only NULL for an index beyond max_entries: a bug, not a runtime state. */
	if (value)
		*value += n;
}

static __always_inline void ebpfc_count(void *map, __u32 index)
{
	ebpfc_count_n(map, index, 1);
}

#endif /* EBPFC_COUNTERS_H */
