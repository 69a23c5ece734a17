/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layout shared by softirq.bpf.c and the TypeScript side
 * (the build generates packages/collector-irq/src/generated/softirq.ts from
 * this header and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_SOFTIRQ_H
#define EBPFC_SOFTIRQ_H

/*
 * tbl_softirq: PERCPU_ARRAY indexed by the softirq vector (the kernel's
 * NR_SOFTIRQS order: HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET,
 * SCHED, HRTIMER, RCU), value struct ebpfc_irq_latency.
 */
#define EBPFC_SOFTIRQ_VECTORS 10

#endif /* EBPFC_SOFTIRQ_H */
