/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by cachestat.bpf.c and the TypeScript side
 * (packages/collector-cachestat/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_CACHESTAT_H
#define EBPFC_CACHESTAT_H

/*
 * Lanes of the single entry of tbl_cachestat and of a tbl_cachestat_pid
 * value, in Netdata's order: pages (folios) added to the page cache, pages
 * marked accessed, pages accounted dirty, buffers marked dirty.
 */
enum ebpfc_cachestat_counter {
	EBPFC_CACHESTAT_ADD = 0,
	EBPFC_CACHESTAT_ACCESS = 1,
	EBPFC_CACHESTAT_DIRTIED = 2,
	EBPFC_CACHESTAT_BUFFER_DIRTY = 3,
	EBPFC_CACHESTAT_COUNTERS = 4,
};

/* The per-PID lanes are the global ones. */
enum ebpfc_cachestat_pid_lane {
	EBPFC_CACHESTAT_PID_ADD = 0,
	EBPFC_CACHESTAT_PID_ACCESS = 1,
	EBPFC_CACHESTAT_PID_DIRTIED = 2,
	EBPFC_CACHESTAT_PID_BUFFER_DIRTY = 3,
	EBPFC_CACHESTAT_PID_LANES = 4,
};

struct ebpfc_cachestat_counters {
	__u64 lane[EBPFC_CACHESTAT_COUNTERS];
};

struct ebpfc_cachestat_pid_stat {
	__u64 lane[EBPFC_CACHESTAT_PID_LANES];
};

#endif /* EBPFC_CACHESTAT_H */
