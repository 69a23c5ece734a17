/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by dcstat.bpf.c and the TypeScript side
 * (packages/collector-dcstat/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_DCSTAT_H
#define EBPFC_DCSTAT_H

/*
 * Lanes of the single entry of tbl_dcstat, in Netdata's order: path
 * components looked up in the directory cache (lookup_fast), lookups that
 * took the slow path (d_lookup) and slow lookups that found nothing.
 */
enum ebpfc_dcstat_counter {
	EBPFC_DCSTAT_REFERENCE = 0,
	EBPFC_DCSTAT_SLOW = 1,
	EBPFC_DCSTAT_MISS = 2,
	EBPFC_DCSTAT_COUNTERS = 3,
};

/* The per-PID lanes are the global ones. */
enum ebpfc_dcstat_pid_lane {
	EBPFC_DCSTAT_PID_REFERENCE = 0,
	EBPFC_DCSTAT_PID_SLOW = 1,
	EBPFC_DCSTAT_PID_MISS = 2,
	EBPFC_DCSTAT_PID_LANES = 3,
};

struct ebpfc_dcstat_counters {
	__u64 lane[EBPFC_DCSTAT_COUNTERS];
};

struct ebpfc_dcstat_pid_stat {
	__u64 lane[EBPFC_DCSTAT_PID_LANES];
};

#endif /* EBPFC_DCSTAT_H */
