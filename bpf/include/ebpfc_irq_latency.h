/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interrupt latency accounting shared by hardirq.bpf.c and softirq.bpf.c.
 *
 * A slot lives in a per-CPU map, so the entry timestamp and the totals of a
 * CPU are only ever touched by that CPU: no atomics, no locks. Handlers of
 * one kind do not nest on a CPU (hardirq handlers run with interrupts off,
 * softirqs are serialised per CPU), so one timestamp per slot is enough.
 */
#ifndef EBPFC_IRQ_LATENCY_H
#define EBPFC_IRQ_LATENCY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * One slot. Only u64 lanes, so user space sums per-CPU copies lane by lane;
 * the summed `ts` lane means nothing and is ignored.
 */
struct ebpfc_irq_latency {
	__u64 latency_ns; /* time spent between entry and exit, nanoseconds */
	__u64 count;      /* completed entry/exit pairs */
	__u64 ts;         /* entry time on this CPU, 0 when not inside */
};

#define EBPFC_IRQ_LATENCY_LANES 3

static __always_inline void ebpfc_irq_enter(struct ebpfc_irq_latency *slot)
{
	slot->ts = bpf_ktime_get_ns();
}

/* An exit without a recorded entry (attached mid-handler) is not counted. */
static __always_inline void ebpfc_irq_exit(struct ebpfc_irq_latency *slot)
{
	__u64 start = slot->ts;

	if (!start)
		return;
	slot->latency_ns += bpf_ktime_get_ns() - start;
	slot->count++;
	slot->ts = 0;
}

#endif /* EBPFC_IRQ_LATENCY_H */
