/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A tracepoint seen through its raw form: the arguments the kernel passes to
 * the event (its TP_PROTO) instead of the record it would write.
 *
 * A `tracepoint/<category>/<event>` program is a perf event: the kernel
 * fills the event's record for it on every hit, and when its link is
 * released the kernel waits for an RCU grace period under `event_mutex`
 * (perf_trace_destroy), one tracepoint after the other: about 20 ms each at
 * the plugin's exit. A `tp_btf/<event>` (5.5+, BTF-typed arguments) or
 * `raw_tp/<event>` (4.17+) program has neither cost.
 *
 *   EBPFC_TRACEPOINT_PROGRAMS(tracepoint_foo, foo, foo_args)
 *
 * defines `tracepoint_foo_tp_btf` (SEC "tp_btf/foo") and
 * `tracepoint_foo_raw_tp` (SEC "raw_tp/foo"); user space loads the one the
 * kernel supports (a `typed` hook of the kit's planTracepointHooks), or the
 * collector's own `tracepoint_foo` on the perf event where neither works.
 * Both call
 *
 *   static __always_inline void foo_args(const __u64 *args)
 *
 * with the event's arguments in TP_PROTO order, as u64. The handler reads
 * what they point to with CO-RE (BPF_CORE_READ: probe reads), which both
 * program kinds accept, and does the same accounting as the `tracepoint/`
 * program does from the record.
 */
#ifndef EBPFC_TRACEPOINT_H
#define EBPFC_TRACEPOINT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define EBPFC_TRACEPOINT_PROGRAMS(name, event, handler)                         \
	SEC("tp_btf/" #event)                                                  \
	int name##_tp_btf(__u64 *ctx)                                          \
	{                                                                      \
		handler(ctx);                                                  \
		return 0;                                                      \
	}                                                                      \
	SEC("raw_tp/" #event)                                                  \
	int name##_raw_tp(struct bpf_raw_tracepoint_args *ctx)                 \
	{                                                                      \
		handler(ctx->args);                                            \
		return 0;                                                      \
	}

#endif /* EBPFC_TRACEPOINT_H */
