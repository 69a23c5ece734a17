/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by filesystem.bpf.c and the TypeScript side
 * (the build generates packages/collector-fs/src/generated/filesystem.ts from this header
 * and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_FILESYSTEM_H
#define EBPFC_FILESYSTEM_H

/* Filesystem slots, in Netdata's order (localfs[]). */
enum ebpfc_fs_slot {
	EBPFC_FS_EXT4 = 0,
	EBPFC_FS_XFS = 1,
	EBPFC_FS_NFS = 2,
	EBPFC_FS_ZFS = 3,
	EBPFC_FS_BTRFS = 4,
	EBPFC_FS_SLOTS = 5,
};

/* Operations of a filesystem; the fourth is `sync`, or `attribute` for nfs. */
enum ebpfc_fs_op {
	EBPFC_FS_OP_READ = 0,
	EBPFC_FS_OP_WRITE = 1,
	EBPFC_FS_OP_OPEN = 2,
	EBPFC_FS_OP_SYNC = 3,
	EBPFC_FS_OPS = 4,
};

/* super_block.s_magic of each slot (include/uapi/linux/magic.h; zfs from OpenZFS). */
#define EBPFC_EXT4_MAGIC 0xEF53
#define EBPFC_XFS_MAGIC 0x58465342
#define EBPFC_NFS_MAGIC 0x6969
#define EBPFC_ZFS_MAGIC 0x2FC12FC1
#define EBPFC_BTRFS_MAGIC 0x9123683E

/*
 * tbl_fs_hist: a PERCPU_ARRAY of u64, index slot * 96 + op * 24 + bin
 * (bins in ebpfc_fs_hist.h).
 */
#define EBPFC_FS_LANES_PER_SLOT (EBPFC_FS_OPS * 24)
#define EBPFC_FS_HIST_LANES (EBPFC_FS_SLOTS * EBPFC_FS_LANES_PER_SLOT)

/* tbl_fs_watch[0]: bit `slot` set = that filesystem is enabled and mounted (tracepoint mode). */

/* Value of tmp_fs_start: when a call began and (tracepoint mode) on which filesystem. */
struct ebpfc_fs_start {
	__u64 ns;
	__u32 slot; /* EBPFC_FS_SLOTS: not known yet (an open in flight) */
	__u32 pad;
};

#endif /* EBPFC_FILESYSTEM_H */
