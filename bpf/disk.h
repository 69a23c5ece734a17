/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by disk.bpf.c and the TypeScript side
 * (packages/collector-disk/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_DISK_H
#define EBPFC_DISK_H

/* Netdata's 24 latency bins (`0us->1us` ... `4s->+Inf`), as bpf/include/ebpfc_fs_hist.h computes them. */
#define EBPFC_DISK_HIST_BINS 24

/* Disks counted at once (Netdata: 256), each with its 24 bins in tbl_disk_iocall. */
#define EBPFC_DISK_MAX_DISKS 256

/* Requests in flight tracked at once (Netdata's tmp_disk_tp_stat size). */
#define EBPFC_DISK_INFLIGHT 8192

/* Key of tbl_disk_iocall (a PERCPU_HASH of u64 counts). */
struct ebpfc_disk_bin_key {
	/* The disk's dev_t as the kernel encodes it: major << 20 | minor (its first minor). */
	__u32 dev;
	/* Latency bin, 0..EBPFC_DISK_HIST_BINS-1. */
	__u32 bin;
};

/* Value of tmp_disk_start, keyed by the address of the request (a u64). */
struct ebpfc_disk_start {
	__u64 ns;
	__u32 dev;
	__u32 pad;
};

#endif /* EBPFC_DISK_H */
