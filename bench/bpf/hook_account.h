// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The accounting every minimal program of bench/bpf does, the least that
 * gets what the vfs and fd collectors get (calls, errors, bytes, globally
 * and per PID, as the collectors with apps on and `collect pid = all`): a
 * per-CPU array of global lanes and a hash keyed by tgid with atomic adds.
 *
 * Define ACCOUNT_GLOBAL and ACCOUNT_PID (the two maps' names, which differ
 * per object so a benchmark reads each object's own) before including it.
 */
#ifndef BENCH_HOOK_ACCOUNT_H
#define BENCH_HOOK_ACCOUNT_H

/* Lanes: calls, errors, bytes per kind. */
enum { READ_LANE = 0, OPEN_LANE = 3, CLOSE_LANE = 6, LANES = 9 };

struct lanes {
	__u64 lane[LANES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct lanes);
	__uint(max_entries, 1);
} ACCOUNT_GLOBAL SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lanes);
	__uint(max_entries, 10240);
} ACCOUNT_PID SEC(".maps");

static __always_inline void account(__u32 lane, long ret, bool bytes)
{
	struct lanes *global, *pid, zero = {};
	__u32 index = 0, key = bpf_get_current_pid_tgid() >> 32;

	global = bpf_map_lookup_elem(&ACCOUNT_GLOBAL, &index);
	if (global) {
		global->lane[lane] += 1;
		if (ret < 0)
			global->lane[lane + 1] += 1;
		else if (bytes)
			global->lane[lane + 2] += ret;
	}
	pid = bpf_map_lookup_elem(&ACCOUNT_PID, &key);
	if (!pid) {
		bpf_map_update_elem(&ACCOUNT_PID, &key, &zero, BPF_NOEXIST);
		pid = bpf_map_lookup_elem(&ACCOUNT_PID, &key);
		if (!pid)
			return;
	}
	__sync_fetch_and_add(&pid->lane[lane], 1);
	if (ret < 0)
		__sync_fetch_and_add(&pid->lane[lane + 1], 1);
	else if (bytes)
		__sync_fetch_and_add(&pid->lane[lane + 2], ret);
}

#endif /* BENCH_HOOK_ACCOUNT_H */
