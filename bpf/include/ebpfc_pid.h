/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Per-PID tables keyed by a tgid chosen by Netdata's `collect pid` level, and
 * the load-time switches every collector with such a table shares.
 *
 * The switches are `const volatile` globals: user space writes them before
 * load (ObjectSpec.setGlobal), the verifier then sees constants and drops the
 * branches that cannot run, so a disabled feature costs nothing per event.
 */
#ifndef EBPFC_PID_H
#define EBPFC_PID_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* `collect pid` levels, numbered as Netdata's controller map numbers them. */
#define EBPFC_COLLECT_REAL_PARENT 0
#define EBPFC_COLLECT_PARENT 1
#define EBPFC_COLLECT_ALL 2

/* Which tgid keys the PID table (EBPFC_COLLECT_*). */
const volatile __u32 ebpfc_collect_pid = EBPFC_COLLECT_REAL_PARENT;
/* Apps or cgroup charts are on: keep per-PID values. Off: only global counters. */
const volatile bool ebpfc_apps_enabled = false;
/* The PID table was switched to PERCPU_HASH (`maps per core`): plain adds suffice. */
const volatile bool ebpfc_pid_per_cpu = false;

/* Key for events about `task`, per the collect-pid level. */
static __always_inline __u32 ebpfc_pid_key_of(struct task_struct *task)
{
	if (ebpfc_collect_pid == EBPFC_COLLECT_ALL)
		return (__u32)BPF_CORE_READ(task, tgid);
	if (ebpfc_collect_pid == EBPFC_COLLECT_PARENT)
		return (__u32)BPF_CORE_READ(task, parent, tgid);
	return (__u32)BPF_CORE_READ(task, real_parent, tgid);
}

/* The same through a BTF-typed task pointer (tp_btf, fentry): plain loads instead of probe reads. */
static __always_inline __u32 ebpfc_pid_key_of_btf(struct task_struct *task)
{
	if (ebpfc_collect_pid == EBPFC_COLLECT_ALL)
		return (__u32)task->tgid;
	if (ebpfc_collect_pid == EBPFC_COLLECT_PARENT)
		return (__u32)task->parent->tgid;
	return (__u32)task->real_parent->tgid;
}

/* Key for events done by the current task; `all` needs no kernel-memory read. */
static __always_inline __u32 ebpfc_pid_key_current(void)
{
	if (ebpfc_collect_pid == EBPFC_COLLECT_ALL)
		return (__u32)(bpf_get_current_pid_tgid() >> 32);
	return ebpfc_pid_key_of((struct task_struct *)bpf_get_current_task());
}

/*
 * The same with plain loads where the kernel has bpf_get_current_task_btf
 * (5.11+; tp_btf is 5.5+): a CO-RE constant, so older verifiers never see
 * the call and take the probe reads instead.
 */
static __always_inline __u32 ebpfc_pid_key_current_btf(void)
{
	if (ebpfc_collect_pid == EBPFC_COLLECT_ALL)
		return (__u32)(bpf_get_current_pid_tgid() >> 32);
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return ebpfc_pid_key_of_btf(bpf_get_current_task_btf());
	return ebpfc_pid_key_of((struct task_struct *)bpf_get_current_task());
}

/*
 * The value of `key`, inserting `zero` first when absent. NOEXIST keeps an
 * entry another CPU inserted meanwhile. NULL when the table is full: the
 * event then only counts globally.
 */
static __always_inline void *ebpfc_pid_lookup_or_init(void *map, __u32 key, const void *zero)
{
	void *value = bpf_map_lookup_elem(map, &key);

	if (value)
		return value;
	bpf_map_update_elem(map, &key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, &key);
}

/* Add to a u64 field of a PID-table value: atomic when CPUs share the value. */
static __always_inline void ebpfc_pid_add(__u64 *field, __u64 n)
{
	if (ebpfc_pid_per_cpu)
		*field += n;
	else
		__sync_fetch_and_add(field, n);
}

#endif /* EBPFC_PID_H */
