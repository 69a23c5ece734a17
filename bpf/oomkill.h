/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by oomkill.bpf.c and the TypeScript side
 * (packages/collector-oomkill/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_OOMKILL_H
#define EBPFC_OOMKILL_H

/* Lanes of the single entry of tbl_oomkill_stats (a PERCPU_ARRAY). */
enum ebpfc_oomkill_counter {
	/* Every mark_victim event. */
	EBPFC_OOMKILL_KILLS = 0,
	/* Victims not recorded in tbl_oomkill because it was full. */
	EBPFC_OOMKILL_LOST = 1,
	EBPFC_OOMKILL_COUNTERS = 2,
};

/*
 * Cgroups of a victim, as kernfs node ids (= inode numbers of the cgroup
 * directories), in the order user space looks for a cgroup name: the v1
 * hierarchies of cpuset, blkio (io), memory and devices, then the unified
 * hierarchy. 0 where the kernel has no such controller.
 */
enum ebpfc_oomkill_cgroup_slot {
	EBPFC_OOMKILL_CG_CPUSET = 0,
	EBPFC_OOMKILL_CG_IO = 1,
	EBPFC_OOMKILL_CG_MEMORY = 2,
	EBPFC_OOMKILL_CG_DEVICES = 3,
	EBPFC_OOMKILL_CG_UNIFIED = 4,
	EBPFC_OOMKILL_CG_SLOTS = 5,
};

/* Victim flags. */
enum ebpfc_oomkill_flag {
	/* The killing task was the victim: comm, parent and cgroups are the victim's. */
	EBPFC_OOMKILL_SELF = 1,
	/* comm came from the tracepoint's own comm field (kernels >= 6.8). */
	EBPFC_OOMKILL_TP_COMM = 2,
};

#define EBPFC_OOMKILL_COMM_LEN 16

/* Value of tbl_oomkill, keyed by the victim's PID (tgid) as a u32. */
struct ebpfc_oomkill_victim {
	__u64 kills;
	__u64 cgroup[EBPFC_OOMKILL_CG_SLOTS];
	__u32 ppid;
	__u32 flags;
	char comm[EBPFC_OOMKILL_COMM_LEN];
};

/* Netdata's tbl_oomkill size: victims between two reads. */
#define EBPFC_OOMKILL_VICTIMS 64

#endif /* EBPFC_OOMKILL_H */
