// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for bench/event-limits.mjs's softirq and hardirq groups:
 * the least a program can do to get what those collectors get, on each hook
 * type this kernel offers. Built at bench time; nothing here ships.
 *
 *   softirq  time and count of each softirq vector, per CPU: the entry
 *            stores a timestamp in the vector's per-CPU slot, the exit adds
 *            now - timestamp and one to the slot's lanes (exits without an
 *            entry are skipped), as bpf/softirq.bpf.c does
 *              tp_softirq_{entry,exit}   tracepoint/irq/softirq_{entry,exit}
 *              raw_softirq_{entry,exit}  raw_tp/softirq_{entry,exit}
 *              btf_softirq_{entry,exit}  tp_btf/softirq_{entry,exit}
 *   hardirq  the same per IRQ line (irq_handler_{entry,exit}, a per-CPU
 *            array indexed by the IRQ number) and per x86 system vector
 *            (irq_vectors/<vector>_{entry,exit}, one slot each), as
 *            bpf/hardirq.bpf.c does; without its one-off copy of the
 *            handler's name (one branch a later event) and its spill hash
 *            for IRQs beyond the array (never taken here)
 *              tp_hardirq_*   tracepoint/irq/irq_handler_* and tracepoint/irq_vectors/*
 *              raw_hardirq_*  raw_tp/*
 *              btf_hardirq_*  tp_btf/*
 *            Only the 9 vectors whose tracepoints this kernel has (no
 *            threshold_apic, deferred_error_apic: the collector leaves them
 *            out here too).
 *
 * No per-PID tables: neither collector has apps charts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct slot {
	__u64 latency_ns;
	__u64 count;
	__u64 ts;
};

#define SLOTS(name, entries)                                                    \
	struct {                                                                \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                        \
		__type(key, __u32);                                             \
		__type(value, struct slot);                                     \
		__uint(max_entries, entries);                                   \
	} name SEC(".maps")

SLOTS(min_softirq, 10);      /* NR_SOFTIRQS */
SLOTS(min_hardirq, 1024);    /* IRQ lines, the collector's default table */
SLOTS(min_hardirq_vec, 11);  /* system vectors, the collector's order */

static __always_inline void enter(void *map, __u32 index)
{
	struct slot *s = bpf_map_lookup_elem(map, &index);

	if (s)
		s->ts = bpf_ktime_get_ns();
}

static __always_inline void leave(void *map, __u32 index)
{
	struct slot *s = bpf_map_lookup_elem(map, &index);

	if (!s || !s->ts)
		return;
	s->latency_ns += bpf_ktime_get_ns() - s->ts;
	s->count++;
	s->ts = 0;
}

/* ---- softirq: per vector ---- */

SEC("tracepoint/irq/softirq_entry")
int tp_softirq_entry(struct trace_event_raw_softirq *ctx)
{
	enter(&min_softirq, ctx->vec);
	return 0;
}

SEC("tracepoint/irq/softirq_exit")
int tp_softirq_exit(struct trace_event_raw_softirq *ctx)
{
	leave(&min_softirq, ctx->vec);
	return 0;
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(raw_softirq_entry, unsigned int vec)
{
	enter(&min_softirq, vec);
	return 0;
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(raw_softirq_exit, unsigned int vec)
{
	leave(&min_softirq, vec);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(btf_softirq_entry, unsigned int vec)
{
	enter(&min_softirq, vec);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(btf_softirq_exit, unsigned int vec)
{
	leave(&min_softirq, vec);
	return 0;
}

/* ---- hardirq: per IRQ line ---- */

SEC("tracepoint/irq/irq_handler_entry")
int tp_hardirq_line_entry(struct trace_event_raw_irq_handler_entry *ctx)
{
	enter(&min_hardirq, ctx->irq);
	return 0;
}

SEC("tracepoint/irq/irq_handler_exit")
int tp_hardirq_line_exit(struct trace_event_raw_irq_handler_exit *ctx)
{
	leave(&min_hardirq, ctx->irq);
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(raw_hardirq_line_entry, int irq)
{
	enter(&min_hardirq, irq);
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(raw_hardirq_line_exit, int irq)
{
	leave(&min_hardirq, irq);
	return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(btf_hardirq_line_entry, int irq)
{
	enter(&min_hardirq, irq);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(btf_hardirq_line_exit, int irq)
{
	leave(&min_hardirq, irq);
	return 0;
}

/* ---- hardirq: per system vector, each a fixed slot, on the three hook types ---- */

#define VECTOR(event, index)                                                    \
	SEC("tracepoint/irq_vectors/" #event "_entry")                          \
	int tp_hardirq_##event##_entry(void *ctx)                               \
	{                                                                       \
		enter(&min_hardirq_vec, index);                                 \
		return 0;                                                       \
	}                                                                       \
	SEC("tracepoint/irq_vectors/" #event "_exit")                           \
	int tp_hardirq_##event##_exit(void *ctx)                                \
	{                                                                       \
		leave(&min_hardirq_vec, index);                                 \
		return 0;                                                       \
	}                                                                       \
	SEC("raw_tp/" #event "_entry")                                          \
	int raw_hardirq_##event##_entry(void *ctx)                              \
	{                                                                       \
		enter(&min_hardirq_vec, index);                                 \
		return 0;                                                       \
	}                                                                       \
	SEC("raw_tp/" #event "_exit")                                           \
	int raw_hardirq_##event##_exit(void *ctx)                               \
	{                                                                       \
		leave(&min_hardirq_vec, index);                                 \
		return 0;                                                       \
	}                                                                       \
	SEC("tp_btf/" #event "_entry")                                          \
	int btf_hardirq_##event##_entry(void *ctx)                              \
	{                                                                       \
		enter(&min_hardirq_vec, index);                                 \
		return 0;                                                       \
	}                                                                       \
	SEC("tp_btf/" #event "_exit")                                           \
	int btf_hardirq_##event##_exit(void *ctx)                               \
	{                                                                       \
		leave(&min_hardirq_vec, index);                                 \
		return 0;                                                       \
	}

VECTOR(thermal_apic, 0)
VECTOR(error_apic, 2)
VECTOR(spurious_apic, 4)
VECTOR(call_function, 5)
VECTOR(call_function_single, 6)
VECTOR(reschedule, 7)
VECTOR(local_timer, 8)
VECTOR(irq_work, 9)
VECTOR(x86_platform_ipi, 10)
