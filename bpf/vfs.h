/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by vfs.bpf.c and the TypeScript side
 * (the build generates packages/collector-vfs/src/generated/vfs.ts from this header
 * and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_VFS_H
#define EBPFC_VFS_H

/*
 * Lanes of the single entry of tbl_vfs_stats, in Netdata's order
 * (calls, errors, bytes per read/write flavour; calls, errors for the rest).
 * Each operation's error lane is its call lane + 1 and, where it has one,
 * its byte lane is its call lane + 2: the BPF side relies on that.
 */
enum ebpfc_vfs_counter {
	EBPFC_VFS_WRITE_CALLS = 0,
	EBPFC_VFS_WRITE_ERRORS = 1,
	EBPFC_VFS_WRITE_BYTES = 2,
	EBPFC_VFS_WRITEV_CALLS = 3,
	EBPFC_VFS_WRITEV_ERRORS = 4,
	EBPFC_VFS_WRITEV_BYTES = 5,
	EBPFC_VFS_READ_CALLS = 6,
	EBPFC_VFS_READ_ERRORS = 7,
	EBPFC_VFS_READ_BYTES = 8,
	EBPFC_VFS_READV_CALLS = 9,
	EBPFC_VFS_READV_ERRORS = 10,
	EBPFC_VFS_READV_BYTES = 11,
	EBPFC_VFS_UNLINK_CALLS = 12,
	EBPFC_VFS_UNLINK_ERRORS = 13,
	EBPFC_VFS_FSYNC_CALLS = 14,
	EBPFC_VFS_FSYNC_ERRORS = 15,
	EBPFC_VFS_OPEN_CALLS = 16,
	EBPFC_VFS_OPEN_ERRORS = 17,
	EBPFC_VFS_CREATE_CALLS = 18,
	EBPFC_VFS_CREATE_ERRORS = 19,
	EBPFC_VFS_COUNTERS = 20,
};

/*
 * Value of the one tbl_vfs_stats entry (a PERCPU_ARRAY): every counter in
 * one value, so an event costs one map lookup. User space reads it with
 * BpfMap.readU64Array(), which sums the CPUs lane by lane.
 */
struct ebpfc_vfs_counters {
	__u64 lane[EBPFC_VFS_COUNTERS];
};

/*
 * Lanes of a tbl_vfs_pid value. The vector flavours (readv, writev...) are
 * added to the plain ones: no per-app chart tells them apart. As for the
 * global lanes, errors follow calls and bytes follow errors.
 */
enum ebpfc_vfs_pid_lane {
	EBPFC_VFS_PID_WRITE_CALLS = 0,
	EBPFC_VFS_PID_WRITE_ERRORS = 1,
	EBPFC_VFS_PID_WRITE_BYTES = 2,
	EBPFC_VFS_PID_READ_CALLS = 3,
	EBPFC_VFS_PID_READ_ERRORS = 4,
	EBPFC_VFS_PID_READ_BYTES = 5,
	EBPFC_VFS_PID_UNLINK_CALLS = 6,
	EBPFC_VFS_PID_UNLINK_ERRORS = 7,
	EBPFC_VFS_PID_FSYNC_CALLS = 8,
	EBPFC_VFS_PID_FSYNC_ERRORS = 9,
	EBPFC_VFS_PID_OPEN_CALLS = 10,
	EBPFC_VFS_PID_OPEN_ERRORS = 11,
	EBPFC_VFS_PID_CREATE_CALLS = 12,
	EBPFC_VFS_PID_CREATE_ERRORS = 13,
	EBPFC_VFS_PID_LANES = 14,
};

/*
 * Value of tbl_vfs_pid. Only u64 lanes, so user space can sum per-CPU copies
 * lane by lane when the table is a PERCPU_HASH (`maps per core`).
 */
struct ebpfc_vfs_pid_stat {
	__u64 lane[EBPFC_VFS_PID_LANES];
};

#endif /* EBPFC_VFS_H */
