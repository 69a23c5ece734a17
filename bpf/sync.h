/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by sync.bpf.c and the TypeScript side
 * (packages/collector-sync/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_SYNC_H
#define EBPFC_SYNC_H

/*
 * Lanes of tbl_sync (a PERCPU_ARRAY, one u64 per lane): one call counter per
 * system call. Netdata keeps one single-counter map per syscall object; one
 * table with a lane each costs the same per call and one read per tick.
 */
enum ebpfc_sync_counter {
	EBPFC_SYNC_FSYNC = 0,
	EBPFC_SYNC_FDATASYNC = 1,
	EBPFC_SYNC_MSYNC = 2,
	EBPFC_SYNC_SYNC = 3,
	EBPFC_SYNC_SYNCFS = 4,
	EBPFC_SYNC_SYNC_FILE_RANGE = 5,
	EBPFC_SYNC_COUNTERS = 6,
};

#endif /* EBPFC_SYNC_H */
