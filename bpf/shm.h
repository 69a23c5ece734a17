/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by shm.bpf.c and the TypeScript side
 * (packages/collector-shm/src/internal-types.ts takes them from the
 * generated src/generated/shm.ts).
 */
#ifndef EBPFC_SHM_H
#define EBPFC_SHM_H

/* Lanes of tbl_shm (a PERCPU_ARRAY, one u64 per lane), Netdata's order. */
enum ebpfc_shm_counter {
	EBPFC_SHM_GET = 0,
	EBPFC_SHM_AT = 1,
	EBPFC_SHM_DT = 2,
	EBPFC_SHM_CTL = 3,
	EBPFC_SHM_COUNTERS = 4,
};

/* Lanes of a tbl_pid_shm value: the same four calls per PID. */
enum ebpfc_shm_pid_lane {
	EBPFC_SHM_PID_GET = 0,
	EBPFC_SHM_PID_AT = 1,
	EBPFC_SHM_PID_DT = 2,
	EBPFC_SHM_PID_CTL = 3,
	EBPFC_SHM_PID_LANES = 4,
};

/*
 * Value of tbl_pid_shm. Only u64 lanes, so user space can sum per-CPU copies
 * lane by lane when the table is a PERCPU_HASH (`maps per core`).
 */
struct ebpfc_shm_pid_stat {
	__u64 lane[EBPFC_SHM_PID_LANES];
};

#endif /* EBPFC_SHM_H */
