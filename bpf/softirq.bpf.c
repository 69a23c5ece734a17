// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Softirq collector: time spent in each softirq vector.
 *
 * Program families, switched with autoload before load:
 *   trampoline_* tp_btf/softirq_entry, tp_btf/softirq_exit (BTF-typed raw
 *                tracepoints: no trace record is built, the cheapest hook)
 *   tracepoint_* tracepoint/irq/softirq_entry, tracepoint/irq/softirq_exit
 *                (the events Netdata attaches to; need tracefs)
 * There is no probe family: the softirq paths have tracepoints everywhere.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_irq_latency.h"
#include "softirq.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_irq_latency);
	__uint(max_entries, EBPFC_SOFTIRQ_VECTORS);
} tbl_softirq SEC(".maps");

static __always_inline struct ebpfc_irq_latency *vector_slot(__u32 vec)
{
	/* Out-of-range vectors (a future kernel adding one) find no slot. */
	return bpf_map_lookup_elem(&tbl_softirq, &vec);
}

static __always_inline void softirq_enter(__u32 vec)
{
	struct ebpfc_irq_latency *slot = vector_slot(vec);

	if (slot)
		ebpfc_irq_enter(slot);
}

static __always_inline void softirq_exit(__u32 vec)
{
	struct ebpfc_irq_latency *slot = vector_slot(vec);

	if (slot)
		ebpfc_irq_exit(slot);
}

/* ------------------------------------------------------------ trampoline */

SEC("tp_btf/softirq_entry")
int BPF_PROG(trampoline_softirq_entry, unsigned int vec)
{
	softirq_enter(vec);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(trampoline_softirq_exit, unsigned int vec)
{
	softirq_exit(vec);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

SEC("tracepoint/irq/softirq_entry")
int tracepoint_softirq_entry(struct trace_event_raw_softirq *ctx)
{
	softirq_enter(ctx->vec);
	return 0;
}

SEC("tracepoint/irq/softirq_exit")
int tracepoint_softirq_exit(struct trace_event_raw_softirq *ctx)
{
	softirq_exit(ctx->vec);
	return 0;
}
