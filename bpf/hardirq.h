/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by hardirq.bpf.c and the TypeScript side
 * (the build generates packages/collector-irq/src/generated/hardirq.ts from this header
 * and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_HARDIRQ_H
#define EBPFC_HARDIRQ_H

/*
 * Slots of tbl_hardirq_static (PERCPU_ARRAY of struct ebpfc_irq_latency):
 * the x86 system vectors that do not go through irq_handler_entry, in
 * Netdata's order.
 */
enum ebpfc_hardirq_vector {
	EBPFC_HARDIRQ_APIC_THERMAL = 0,        /* irq_vectors:thermal_apic_* */
	EBPFC_HARDIRQ_APIC_THRESHOLD = 1,      /* irq_vectors:threshold_apic_* */
	EBPFC_HARDIRQ_APIC_ERROR = 2,          /* irq_vectors:error_apic_* */
	EBPFC_HARDIRQ_APIC_DEFERRED_ERROR = 3, /* irq_vectors:deferred_error_apic_* */
	EBPFC_HARDIRQ_APIC_SPURIOUS = 4,       /* irq_vectors:spurious_apic_* */
	EBPFC_HARDIRQ_FUNC_CALL = 5,           /* irq_vectors:call_function_* */
	EBPFC_HARDIRQ_FUNC_CALL_SINGLE = 6,    /* irq_vectors:call_function_single_* */
	EBPFC_HARDIRQ_RESCHEDULE = 7,          /* irq_vectors:reschedule_* */
	EBPFC_HARDIRQ_LOCAL_TIMER = 8,         /* irq_vectors:local_timer_* */
	EBPFC_HARDIRQ_IRQ_WORK = 9,            /* irq_vectors:irq_work_* */
	EBPFC_HARDIRQ_X86_PLATFORM_IPI = 10,   /* irq_vectors:x86_platform_ipi_* */
	EBPFC_HARDIRQ_VECTORS = 11,
};

/*
 * tbl_hardirq: PERCPU_ARRAY indexed by IRQ number, for IRQs below
 * ebpfc_hardirq_capacity (user space sizes the map and sets the global to
 * the same number before load). IRQs at or above it go to
 * tbl_hardirq_spill, a PERCPU_HASH keyed by the u32 IRQ number.
 */
#define EBPFC_HARDIRQ_DEFAULT_CAPACITY 1024
#define EBPFC_HARDIRQ_SPILL_ENTRIES 256

/* tbl_hardirq_name: ARRAY indexed like tbl_hardirq, the handler name the tracepoint saw. */
#define EBPFC_HARDIRQ_NAME_LEN 32

#endif /* EBPFC_HARDIRQ_H */
