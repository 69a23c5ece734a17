/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by swap.bpf.c and the TypeScript side
 * (packages/collector-swap/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_SWAP_H
#define EBPFC_SWAP_H

/* Lanes of the single entry of tbl_swap, Netdata's order: reads, writes. */
enum ebpfc_swap_counter {
	EBPFC_SWAP_READ = 0,
	EBPFC_SWAP_WRITE = 1,
	EBPFC_SWAP_COUNTERS = 2,
};

/* The per-PID lanes are the global ones. */
enum ebpfc_swap_pid_lane {
	EBPFC_SWAP_PID_READ = 0,
	EBPFC_SWAP_PID_WRITE = 1,
	EBPFC_SWAP_PID_LANES = 2,
};

struct ebpfc_swap_counters {
	__u64 lane[EBPFC_SWAP_COUNTERS];
};

struct ebpfc_swap_pid_stat {
	__u64 lane[EBPFC_SWAP_PID_LANES];
};

#endif /* EBPFC_SWAP_H */
