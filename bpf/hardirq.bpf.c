// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Hardirq collector: time spent in device interrupt handlers (per IRQ line)
 * and in the x86 system vectors (local timer, IPIs, APIC events).
 *
 * Program families, switched with autoload before load:
 *   trampoline_* tp_btf/irq_handler_{entry,exit} and tp_btf/<vector>_{entry,exit}
 *                (BTF-typed raw tracepoints: no trace record is built)
 *   tracepoint_* tracepoint/irq/irq_handler_{entry,exit} and
 *                tracepoint/irq_vectors/<vector>_{entry,exit} (Netdata's
 *                hooks; need tracefs)
 * There is no probe family: every path measured here has a tracepoint.
 * Vectors the kernel lacks (deferred_error_apic and threshold_apic exist on
 * some CPUs only) are left out by user space, per program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_irq_latency.h"
#include "hardirq.h"

char LICENSE[] SEC("license") = "GPL";

/* Entries of tbl_hardirq and tbl_hardirq_name; set by user space with the map sizes. */
const volatile __u32 ebpfc_hardirq_capacity = EBPFC_HARDIRQ_DEFAULT_CAPACITY;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_irq_latency);
	__uint(max_entries, EBPFC_HARDIRQ_DEFAULT_CAPACITY);
} tbl_hardirq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_irq_latency);
	__uint(max_entries, EBPFC_HARDIRQ_SPILL_ENTRIES);
} tbl_hardirq_spill SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_irq_latency);
	__uint(max_entries, EBPFC_HARDIRQ_VECTORS);
} tbl_hardirq_static SEC(".maps");

struct ebpfc_hardirq_name {
	char name[EBPFC_HARDIRQ_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_hardirq_name);
	__uint(max_entries, EBPFC_HARDIRQ_DEFAULT_CAPACITY);
} tbl_hardirq_name SEC(".maps");

/*
 * The slot of an IRQ line on this CPU. Lines beyond the array (only on
 * machines with more IRQs than user space sized for) get a hash entry,
 * created at entry; exits never create one.
 */
static __always_inline struct ebpfc_irq_latency *line_slot(__u32 irq, bool create)
{
	struct ebpfc_irq_latency zero = {};
	struct ebpfc_irq_latency *slot;

	if (irq < ebpfc_hardirq_capacity)
		return bpf_map_lookup_elem(&tbl_hardirq, &irq);
	slot = bpf_map_lookup_elem(&tbl_hardirq_spill, &irq);
	if (slot || !create)
		return slot;
	bpf_map_update_elem(&tbl_hardirq_spill, &irq, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tbl_hardirq_spill, &irq);
}

/*
 * Keep the handler's name the first time this CPU runs the line, so user
 * space can name a line that is gone from /proc/interrupts by the time it
 * reads. Later entries pay one branch.
 */
static __always_inline void remember_name(__u32 irq, struct ebpfc_irq_latency *slot, const char *name)
{
	struct ebpfc_hardirq_name *stored;

	if (slot->count || irq >= ebpfc_hardirq_capacity)
		return;
	stored = bpf_map_lookup_elem(&tbl_hardirq_name, &irq);
	if (stored)
		bpf_probe_read_kernel_str(stored->name, sizeof(stored->name), name);
}

static __always_inline void line_enter(__u32 irq, const char *name)
{
	struct ebpfc_irq_latency *slot = line_slot(irq, true);

	if (!slot)
		return;
	remember_name(irq, slot, name);
	ebpfc_irq_enter(slot);
}

static __always_inline void line_exit(__u32 irq)
{
	struct ebpfc_irq_latency *slot = line_slot(irq, false);

	if (slot)
		ebpfc_irq_exit(slot);
}

static __always_inline void vector_enter(__u32 index)
{
	struct ebpfc_irq_latency *slot = bpf_map_lookup_elem(&tbl_hardirq_static, &index);

	if (slot)
		ebpfc_irq_enter(slot);
}

static __always_inline void vector_exit(__u32 index)
{
	struct ebpfc_irq_latency *slot = bpf_map_lookup_elem(&tbl_hardirq_static, &index);

	if (slot)
		ebpfc_irq_exit(slot);
}

/* ------------------------------------------------------------ trampoline */

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(trampoline_hardirq_entry, int irq, struct irqaction *action)
{
	line_enter(irq, action->name);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(trampoline_hardirq_exit, int irq, struct irqaction *action, int ret)
{
	line_exit(irq);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

SEC("tracepoint/irq/irq_handler_entry")
int tracepoint_hardirq_entry(struct trace_event_raw_irq_handler_entry *ctx)
{
	/* __data_loc: low 16 bits are the string's offset in the record. */
	__u32 loc = ctx->__data_loc_name;

	line_enter(ctx->irq, (const char *)ctx + (loc & 0xFFFF));
	return 0;
}

SEC("tracepoint/irq/irq_handler_exit")
int tracepoint_hardirq_exit(struct trace_event_raw_irq_handler_exit *ctx)
{
	line_exit(ctx->irq);
	return 0;
}

/* ------------------------------------------------------- system vectors */

/* Entry and exit programs of one irq_vectors event, in both families. */
#define EBPFC_HARDIRQ_VECTOR(event, index)                                     \
	SEC("tp_btf/" #event "_entry")                                         \
	int trampoline_hardirq_##event##_entry(void *ctx)                      \
	{                                                                      \
		vector_enter(index);                                           \
		return 0;                                                      \
	}                                                                      \
	SEC("tp_btf/" #event "_exit")                                          \
	int trampoline_hardirq_##event##_exit(void *ctx)                       \
	{                                                                      \
		vector_exit(index);                                            \
		return 0;                                                      \
	}                                                                      \
	SEC("tracepoint/irq_vectors/" #event "_entry")                         \
	int tracepoint_hardirq_##event##_entry(void *ctx)                      \
	{                                                                      \
		vector_enter(index);                                           \
		return 0;                                                      \
	}                                                                      \
	SEC("tracepoint/irq_vectors/" #event "_exit")                          \
	int tracepoint_hardirq_##event##_exit(void *ctx)                       \
	{                                                                      \
		vector_exit(index);                                            \
		return 0;                                                      \
	}

EBPFC_HARDIRQ_VECTOR(thermal_apic, EBPFC_HARDIRQ_APIC_THERMAL)
EBPFC_HARDIRQ_VECTOR(threshold_apic, EBPFC_HARDIRQ_APIC_THRESHOLD)
EBPFC_HARDIRQ_VECTOR(error_apic, EBPFC_HARDIRQ_APIC_ERROR)
EBPFC_HARDIRQ_VECTOR(deferred_error_apic, EBPFC_HARDIRQ_APIC_DEFERRED_ERROR)
EBPFC_HARDIRQ_VECTOR(spurious_apic, EBPFC_HARDIRQ_APIC_SPURIOUS)
EBPFC_HARDIRQ_VECTOR(call_function, EBPFC_HARDIRQ_FUNC_CALL)
EBPFC_HARDIRQ_VECTOR(call_function_single, EBPFC_HARDIRQ_FUNC_CALL_SINGLE)
EBPFC_HARDIRQ_VECTOR(reschedule, EBPFC_HARDIRQ_RESCHEDULE)
EBPFC_HARDIRQ_VECTOR(local_timer, EBPFC_HARDIRQ_LOCAL_TIMER)
EBPFC_HARDIRQ_VECTOR(irq_work, EBPFC_HARDIRQ_IRQ_WORK)
EBPFC_HARDIRQ_VECTOR(x86_platform_ipi, EBPFC_HARDIRQ_X86_PLATFORM_IPI)
