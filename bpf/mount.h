/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by mount.bpf.c and the TypeScript side
 * (packages/collector-mount/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_MOUNT_H
#define EBPFC_MOUNT_H

/*
 * Lanes of tbl_mount (a PERCPU_ARRAY, one u64 per lane), in Netdata's order:
 * calls, then errors. An operation's error lane is its call lane + 2.
 */
enum ebpfc_mount_counter {
	EBPFC_MOUNT_MOUNT_CALLS = 0,
	EBPFC_MOUNT_UMOUNT_CALLS = 1,
	EBPFC_MOUNT_MOUNT_ERRORS = 2,
	EBPFC_MOUNT_UMOUNT_ERRORS = 3,
	EBPFC_MOUNT_COUNTERS = 4,
};

#endif /* EBPFC_MOUNT_H */
